import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import type { AddressInfo, Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TlsOptions } from "node:tls"
import { createServer } from "node:tls"
import { makeProxmoxApiHttp } from "../../src/layers/ProxmoxApiHttp.js"
import type { ApiSettings } from "../../src/services/AppConfig.js"
import type { Reply } from "../support/PveTlsServer.js"
import { certs, fingerprintOfCert, withServer } from "../support/PveTlsServer.js"

/** security.md §4.H: trust pinning (H3 and H4; the rest is in test/layers). */

const SECRET = "5e1f0c9a-7d3b-4b7e-9c1a-0badc0ffee42"
const tmp = mkdtempSync(join(tmpdir(), "hostile-tls-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let seq = 0

const settingsFor = (port: number, over: Partial<ApiSettings> = {}): ApiSettings => ({
  baseUrl: `https://127.0.0.1:${port}/api2/json`,
  endpoint: `127.0.0.1:${port}`,
  tokenId: "mcp@pve!observe",
  tokenSecret: Redacted.make(SECRET),
  node: "pve",
  fingerprint: Option.some(fingerprintOfCert("a")),
  knownCertsPath: join(tmp, `run-${++seq}`, "known_certs.json"),
  timeoutMs: 2000,
  ...over
})

/** A TLS server with the given options that records every decrypted application byte and every raw TCP byte. */
const rawTls = (options: TlsOptions) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ port: number; app: Array<Buffer>; tcp: Array<Buffer>; close: () => Promise<void> }>((resolve) => {
        const app: Array<Buffer> = []
        const tcp: Array<Buffer> = []
        const sockets: Array<Socket> = []
        const server = createServer(options, (s) => {
          s.on("error", () => undefined)
          s.on("data", (d: Buffer) => app.push(d))
        })
        server.on("tlsClientError", () => undefined)
        server.on("connection", (s: Socket) => {
          sockets.push(s)
          s.on("error", () => undefined)
          s.on("data", (d: Buffer) => tcp.push(d))
        })
        server.listen(0, "127.0.0.1", () =>
          resolve({
            port: (server.address() as AddressInfo).port,
            app,
            tcp,
            close: () =>
              new Promise<void>((done) => {
                for (const s of sockets) s.destroy()
                server.close(() => done())
              })
          }))
      })
    ),
    (s) => Effect.promise(() => s.close())
  )

const GET = { method: "GET", path: "/version" } as const

describe("§4.H H3: weak or certificate-less TLS", () => {
  const weak: ReadonlyArray<readonly [string, TlsOptions]> = [
    ["TLS 1.0 only", { ...certs.a, minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" }],
    ["TLS 1.1 only", { ...certs.a, minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }],
    ["no certificate (anonymous ciphers)", { maxVersion: "TLSv1.2", ciphers: "aNULL:@SECLEVEL=0" }]
  ]
  for (const [name, options] of weak) {
    it.live(`${name}: refused, the token never leaves`, () =>
      Effect.gen(function*() {
        const srv = yield* rawTls(options)
        for (const fingerprint of [Option.some(fingerprintOfCert("a")), Option.none<string>()]) {
          const api = yield* makeProxmoxApiHttp(settingsFor(srv.port, { fingerprint }))
          const e = yield* Effect.flip(api.request(GET))
          expect(["ApiUnavailable", "PinMismatch"]).toContain(e._tag)
          expect(e.message).not.toContain(SECRET)
        }
        expect(srv.app).toHaveLength(0)
        expect(Buffer.concat(srv.tcp).includes(Buffer.from(SECRET))).toBe(false)
        expect(Buffer.concat(srv.tcp).includes(Buffer.from("PVEAPIToken"))).toBe(false)
      }).pipe(Effect.scoped))
  }
})

describe("§4.H H4: redirects are never followed", () => {
  const redirects: ReadonlyArray<readonly [number, string]> = [
    [301, "http://127.0.0.1:1/api2/json/version"],
    [302, "https://evil.example/api2/json/version"],
    [303, "//evil.example/x"],
    [307, "http://evil.example/api2/json/version"],
    [308, "https://127.0.0.1:1/api2/json/version"]
  ]
  for (const [status, location] of redirects) {
    it.live(`${status} to ${location}: one request only, an error, no secret in it`, () =>
      withServer(
        "a",
        (): Reply => ({ status, reason: "Moved", headers: [["Location", location]] }),
        (srv) =>
          Effect.gen(function*() {
            const api = yield* makeProxmoxApiHttp(settingsFor(srv.port))
            for (const req of [GET, { method: "POST", path: "/nodes/pve/qemu/102/status/start" } as const]) {
              const e = yield* Effect.flip(api.request(req))
              expect(e.message).not.toContain(SECRET)
              expect(e._tag).not.toBe("ApiUnauthorized")
            }
            expect(srv.requests).toHaveLength(2)
            expect(srv.tcpConnections()).toBe(2)
          })
      ))
  }
})
