import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, Option, Redacted } from "effect"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readPin, recordPin } from "../../src/layers/PinStore.js"
import { makeProxmoxApiHttp, ProxmoxApiHttp } from "../../src/layers/ProxmoxApiHttp.js"
import type { ApiSettings, AppConfigShape } from "../../src/services/AppConfig.js"
import { AppConfig } from "../../src/services/AppConfig.js"
import { ProxmoxApi } from "../../src/services/ProxmoxApi.js"
import type { ApiRequest } from "../../src/services/ProxmoxApi.js"
import type { Handler, PveTlsServer } from "../support/PveTlsServer.js"
import { fingerprintOfCert, json, startServer, withServer } from "../support/PveTlsServer.js"

const SECRET = "5e1f0c9a-7d3b-4b7e-9c1a-0badc0ffee42"
const TOKEN = "mcp@pve!observe"
const FP_A = fingerprintOfCert("a")
const FP_B = fingerprintOfCert("b")
const tmp = mkdtempSync(join(tmpdir(), "pve-api-test-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let seq = 0
const freshStore = () => join(tmp, `run-${++seq}`, "state", "known_certs.json")

const settingsFor = (port: number, over: Partial<ApiSettings> = {}): ApiSettings => ({
  baseUrl: `https://127.0.0.1:${port}/api2/json`,
  endpoint: `127.0.0.1:${port}`,
  tokenId: TOKEN,
  tokenSecret: Redacted.make(SECRET),
  node: "pve",
  fingerprint: Option.some(FP_A),
  knownCertsPath: freshStore(),
  timeoutMs: 2000,
  ...over
})

const call = (srv: PveTlsServer, req: ApiRequest, over: Partial<ApiSettings> = {}) =>
  Effect.flatMap(makeProxmoxApiHttp(settingsFor(srv.port, over)), (api) => api.request(req))
const failure = (srv: PveTlsServer, req: ApiRequest, over: Partial<ApiSettings> = {}) =>
  Effect.tap(Effect.flip(call(srv, req, over)), (e) => Effect.sync(() => expect(e.message).not.toContain(SECRET)))
const GET_VERSION: ApiRequest = { method: "GET", path: "/version" }
const ok: Handler = () => json({ version: "9.0.3" })

describe("ProxmoxApiHttp: TLS pinning", () => {
  it.live("matching pin: GET returns .data, token and query arrive", () =>
    withServer("a", ok, (srv) =>
      Effect.gen(function*() {
        const data = yield* call(srv, {
          method: "GET",
          path: "/nodes/pve/qemu",
          params: { full: true, x: undefined, n: 5 }
        })
        expect(data).toStrictEqual({ version: "9.0.3" })
        const [req] = srv.requests
        expect(req?.target).toBe("/api2/json/nodes/pve/qemu?full=1&n=5")
        expect(req?.headers.get("authorization")).toBe(`PVEAPIToken=${TOKEN}=${SECRET}`)
        expect(req?.headers.get("accept")).toBe("application/json")
        expect(req?.headers.get("connection")).toBe("close")
      })))

  it.live("raw path segments are percent-encoded exactly once (a UPID survives the round trip)", () =>
    withServer("a", ok, (srv) =>
      Effect.gen(function*() {
        const upid = "UPID:pve:000283DA:000F42A0:6B05B685:vzstart:102:mcp@pve!operate:"
        yield* call(srv, { method: "GET", path: `/nodes/pve/tasks/${upid}/status` })
        const target = srv.requests[0]?.target ?? ""
        expect(target).toBe(`/api2/json/nodes/pve/tasks/${encodeURIComponent(upid)}/status`)
        expect(decodeURIComponent(target.split("/")[6] ?? "")).toBe(upid)
      })))

  it.live("mismatching pin: PinMismatch, and the server received zero application bytes", () =>
    withServer("a", ok, (srv) =>
      Effect.gen(function*() {
        const store = freshStore()
        const e = yield* failure(srv, GET_VERSION, { fingerprint: Option.some(FP_B), knownCertsPath: store })
        expect(e._tag).toBe("PinMismatch")
        if (e._tag !== "PinMismatch") return
        expect({ expected: e.expected, presented: e.presented, channel: e.channel }).toStrictEqual({
          expected: FP_B,
          presented: FP_A,
          channel: "tls"
        })
        expect(e.message).toMatch(/refused before the API token was sent/)
        expect(e.message).toMatch(/renew/)
        expect(e.message).toContain("openssl x509 -in /etc/pve/local/pve-ssl.pem -noout -fingerprint -sha256")
        expect(e.message).toContain("PVE_API_TLS_FINGERPRINT")
        yield* Effect.promise(() => srv.settled())
        expect(srv.tcpConnections()).toBe(1) // handshake happened once; no retry
        expect(srv.received.map((b) => b.length)).toStrictEqual(srv.received.map(() => 0))
        expect(srv.requests).toHaveLength(0)
        expect(existsSync(store)).toBe(false) // a pin never writes the store
      })))

  it.live("TOFU: first use records the fingerprint; a new certificate is then refused unsent", () =>
    withServer("a", ok, (srv) =>
      Effect.gen(function*() {
        const store = freshStore()
        const logs: Array<string> = []
        const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message))))
        const over = { fingerprint: Option.none<string>(), knownCertsPath: store }
        yield* call(srv, GET_VERSION, over).pipe(Effect.provide(capture))
        const endpoint = `127.0.0.1:${srv.port}`
        expect(JSON.parse(readFileSync(store, "utf8"))).toStrictEqual({ [endpoint]: FP_A })
        expect(statSync(store).mode & 0o777).toBe(0o600)
        expect(statSync(join(store, "..")).mode & 0o777).toBe(0o700)
        expect(logs.join("\n")).toContain(`TLS certificate of ${endpoint} pinned on first use as ${FP_A}`)
        yield* call(srv, GET_VERSION, over) // recorded and matching: accepted again
        srv.useCert("b")
        const e = yield* failure(srv, GET_VERSION, over)
        expect(e._tag).toBe("PinMismatch")
        expect(e.message).toContain(`Expected ${FP_A}, presented ${FP_B}`)
        expect(e.message).toContain(store)
        yield* Effect.promise(() => srv.settled())
        expect(srv.requests).toHaveLength(2)
        expect(srv.received[2]?.length).toBe(0)
        expect(JSON.parse(readFileSync(store, "utf8"))).toStrictEqual({ [endpoint]: FP_A }) // never re-pinned
      })))

  it.live("the pin store refuses a world-writable or symlinked file", () =>
    Effect.gen(function*() {
      const real = join(tmp, "real.json")
      writeFileSync(real, JSON.stringify({ k: FP_A }), { mode: 0o600 })
      expect(yield* readPin(real, "k")).toStrictEqual(Option.some(FP_A))
      expect(yield* readPin(join(tmp, "missing.json"), "k")).toStrictEqual(Option.none())
      const link = join(tmp, "link.json")
      symlinkSync(real, link)
      expect((yield* Effect.flip(readPin(link, "k"))).message).toContain("symbolic link")
      chmodSync(real, 0o666)
      expect((yield* Effect.flip(readPin(real, "k"))).message).toContain("world-writable")
      expect((yield* Effect.flip(recordPin(real, "j", FP_B))).message).toContain("world-writable")
    }))

  it.live("a corrupt known-certs file fails closed", () =>
    withServer("a", ok, (srv) =>
      Effect.gen(function*() {
        const store = join(tmp, "corrupt.json")
        writeFileSync(store, "{\"x\": ")
        const e = yield* failure(srv, GET_VERSION, { fingerprint: Option.none(), knownCertsPath: store })
        expect(e._tag).toBe("ApiUnavailable")
        expect(e.message).toMatch(/failed closed.*not a JSON object/)
        expect(srv.requests).toHaveLength(0)
      })))
})

const reply = (
  handler: Handler,
  req: ApiRequest,
  check: (e: { _tag: string; message: string }, srv: PveTlsServer) => void
) => withServer("a", handler, (srv) => Effect.map(failure(srv, req), (e) => check(e, srv)))
const POST_START: ApiRequest = { method: "POST", path: "/nodes/pve/qemu/102/status/start" }

describe("ProxmoxApiHttp: PVE answers", () => {
  it.live("403 permission check → ApiForbidden with path and privilege", () =>
    withServer(
      "a",
      () => ({ ...json(null, 403, "Permission check failed (/vms/102, VM.PowerMgmt)") }),
      (srv) =>
        Effect.map(failure(srv, POST_START), (e) => {
          expect(e).toMatchObject({ _tag: "ApiForbidden", path: "/vms/102", privilege: "VM.PowerMgmt" })
          expect(e.message).toMatch(/Proxmox RBAC refused .*VM\.PowerMgmt/)
        })
    ))

  it.live("403 with alternatives in the body message keeps them as is", () =>
    reply(
      () => ({
        status: 403,
        reason: "Forbidden",
        body: JSON.stringify({
          data: null,
          message: "Permission check failed (/vms/7, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)\n"
        })
      }),
      { method: "POST", path: "/nodes/pve/qemu/7/agent/ping" },
      (e) => expect(e).toMatchObject({ path: "/vms/7", privilege: "VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted" })
    ))

  it.live("401 → ApiUnauthorized with PVE's reason, not retried", () =>
    reply(() => json(null, 401, `token '${TOKEN}' access expired`), GET_VERSION, (e, srv) => {
      expect(e._tag).toBe("ApiUnauthorized")
      expect(e.message).toContain("access expired")
      expect(srv.requests).toHaveLength(1)
    }))

  it.live("500 on GET → ApiError(500) with the cleaned message, not retried; secret echoed back is scrubbed", () =>
    reply(
      (req) => ({
        status: 500,
        reason: "Internal Server Error",
        body: JSON.stringify({ data: null, message: `no such VM\n\u0007${req.headers.get("authorization")}` })
      }),
      GET_VERSION,
      (e, srv) => {
        expect(e).toMatchObject({ _tag: "ApiError", status: 500 })
        expect(e.message).toMatch(
          /failed \(500\): Internal Server Error; no such VM PVEAPIToken=mcp@pve!observe=<redacted>$/
        )
        expect(srv.requests).toHaveLength(1)
      }
    ))

  it.live("503 on GET once, then 200 → success after a retry", () =>
    withServer(
      "a",
      (_, i) => (i === 0 ? json(null, 503, "Service Unavailable") : json([1, 2])),
      (srv) =>
        Effect.map(call(srv, GET_VERSION), (data) => {
          expect(data).toStrictEqual([1, 2])
          expect(srv.requests).toHaveLength(2)
        })
    ))

  it.live("503 on POST → ApiUnavailable after exactly one request", () =>
    reply(() => json(null, 503, "Service Unavailable"), POST_START, (e, srv) => {
      expect(e._tag).toBe("ApiUnavailable")
      expect(srv.requests).toHaveLength(1)
    }))

  it.live("a server that never answers → ApiTimeout after about timeoutMs, and the socket is closed", () =>
    withServer("a", () => "hang", (srv) =>
      Effect.gen(function*() {
        const started = Date.now()
        const e = yield* failure(srv, GET_VERSION, { timeoutMs: 300 })
        const elapsed = Date.now() - started
        expect(e).toMatchObject({ _tag: "ApiTimeout", timeoutMs: 300 })
        expect(e.message).toContain("GET /version timed out after 300 ms")
        expect(elapsed).toBeGreaterThanOrEqual(290)
        expect(elapsed).toBeLessThan(1500)
        yield* Effect.promise(() => srv.settled())
        expect(srv.requests).toHaveLength(1)
      })))

  it.live("chunked response is parsed; POST sends an urlencoded body", () =>
    withServer(
      "a",
      () => ({ ...json({ upid: "UPID:pve:1:2:3:qmstart:102:x@pve!t:", pad: "y".repeat(500) }), chunked: 7 }),
      (srv) =>
        Effect.gen(function*() {
          const data = yield* call(srv, {
            ...POST_START,
            params: { skiplock: true, x: undefined, note: "a b&c", n: 3 }
          })
          expect(data).toMatchObject({ upid: "UPID:pve:1:2:3:qmstart:102:x@pve!t:" })
          const [req] = srv.requests
          expect(req?.body).toBe("skiplock=1&note=a+b%26c&n=3")
          expect(req?.target).toBe("/api2/json/nodes/pve/qemu/102/status/start")
          expect(req?.headers.get("content-type")).toBe("application/x-www-form-urlencoded")
        })
    ))

  it.live("404 → ApiNotFound, 400 lists PVE's errors, HTML → ApiUnavailable, 302 not followed", () =>
    Effect.all([
      reply(() => json(null, 404, "Not Found"), GET_VERSION, (e) =>
        expect(e).toMatchObject({ _tag: "ApiNotFound", path: "/version" })),
      reply(
        () => ({
          status: 400,
          reason: "Parameter verification failed.",
          body: JSON.stringify({ data: null, errors: { vmid: "invalid" } })
        }),
        GET_VERSION,
        (e) =>
          expect(e).toMatchObject({ _tag: "ApiError", status: 400, message: expect.stringContaining("vmid: invalid") })
      ),
      reply(
        () => ({ status: 200, body: "<html>Bad gateway</html>", headers: [["Content-Type", "text/html"]] }),
        GET_VERSION,
        (e) =>
          expect(e).toMatchObject({ _tag: "ApiUnavailable", message: expect.stringContaining("<html>Bad gateway") })
      ),
      reply(
        () => ({ status: 302, reason: "Found", headers: [["Location", "http://evil/"]] }),
        GET_VERSION,
        (e, srv) => {
          expect(e).toMatchObject({
            _tag: "ApiError",
            status: 302,
            message: expect.stringContaining("redirect not followed")
          })
          expect(srv.requests).toHaveLength(1)
        }
      )
    ]))

  it.live("oversized body, dropped connection and refused connection → ApiUnavailable", () =>
    Effect.gen(function*() {
      yield* reply(() => ({ status: 200, headers: [["Content-Length", String(17 * 1024 * 1024)]] }), POST_START, (e) =>
        expect(e).toMatchObject({ _tag: "ApiUnavailable", message: expect.stringContaining("response too large") }))
      yield* reply(
        () =>
          "drop",
        POST_START,
        (e, srv) => {
          expect(e).toMatchObject({ _tag: "ApiUnavailable", message: expect.stringMatching(/closed|ECONNRESET/) })
          expect(srv.requests).toHaveLength(1)
        }
      )
      const dead = yield* Effect.promise(() =>
        startServer("a", ok)
      )
      yield* Effect.promise(() => dead.close())
      const e = yield* failure(dead, POST_START)
      expect(e).toMatchObject({ _tag: "ApiUnavailable", message: expect.stringContaining("ECONNREFUSED") })
    }))

  it.live("the layer fails with NotConfigured without API settings", () =>
    Effect.gen(function*() {
      const config = Layer.succeed(AppConfig, { api: Option.none() } as unknown as AppConfigShape)
      const e = yield* Effect.flip(Layer.build(ProxmoxApiHttp.pipe(Layer.provide(config))).pipe(Effect.scoped))
      expect(e._tag).toBe("NotConfigured")
      expect(ProxmoxApi.key).toBe("homelab-mcp/ProxmoxApi")
    }))
})
