import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { appendFileSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ConfigInvalid } from "../../src/domain/ConfigError.js"
import { PinMismatch } from "../../src/domain/Errors.js"
import type { Tier } from "../../src/domain/Tier.js"
import type { NodeLayers } from "../../src/layers/AppLayer.js"
import { nodeLayers } from "../../src/layers/AppLayer.js"
import type { SimRole } from "../../src/layers/ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated } from "../../src/layers/ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "../../src/layers/SshTransportSimulated.js"
import type { AppConfigShape } from "../../src/services/AppConfig.js"
import { SshTransport } from "../../src/services/SshTransport.js"
import { formatLine } from "../../src/tools/doctor/Check.js"
import { runDoctor } from "../../src/tools/doctor/Doctor.js"
import { runtimeCheck } from "../../src/tools/doctor/LocalChecks.js"
import { chain } from "../support/AuditFixtures.js"
import { certs, fingerprintOfCert, json, withServer } from "../support/PveTlsServer.js"
import { tempDir, testConfig } from "../support/TestLayers.js"

const simNode = (role: SimRole): NodeLayers => {
  const sim = ProxmoxApiSimulated.layer({ role })
  return { api: sim, ssh: SshTransportSimulated.pipe(Layer.provide(sim)) }
}

const defaultRole = (tier: Tier): SimRole => (tier === "observe" ? "auditor" : "operate")

const doctor = (tier: Tier, options: { role?: SimRole; config?: Partial<AppConfigShape>; node?: NodeLayers } = {}) =>
  runDoctor({
    config: Effect.succeed(testConfig(tier, options.config)),
    node: () => options.node ?? simNode(options.role ?? defaultRole(tier)),
    versions: { node: "22.12.0" }
  })

const statusOf = (r: { checks: ReadonlyArray<{ name: string; status: string }> }) =>
  Object.fromEntries(r.checks.map((c) => [c.name, c.status]))

describe("homelab-mcp doctor", () => {
  it.live("is all ok on a healthy setup at every tier, one line per check, well under 2 s", () =>
    Effect.gen(function*() {
      for (const tier of ["observe", "operate", "companion", "root"] as const) {
        const started = Date.now()
        const r = yield* doctor(tier)
        expect(Date.now() - started).toBeLessThan(2000)
        expect(r.ok, tier).toBe(true)
        const names = ["runtime", "config", "api", "privileges", "data-dir", "audit-log", "backup-store"]
        const expected = tier === "observe" || tier === "operate" ? names : [...names, "ssh"]
        expect(r.checks.map((c) => c.name).sort()).toEqual([...expected].sort())
        expect(r.checks.every((c) => c.status === "ok"), JSON.stringify(r.checks)).toBe(true)
        for (const c of r.checks) expect(formatLine(c)).toMatch(new RegExp(`^ok {4}${c.name} +\\S`))
      }
    }))

  it.live("warns, and still passes, when the token is broader than the tier", () =>
    Effect.gen(function*() {
      const r = yield* doctor("observe", { role: "admin" })
      expect(r.ok).toBe(true)
      const check = r.checks.find((c) => c.name === "privileges")
      expect(check?.status).toBe("warn")
      expect(check?.detail).toMatch(/broader than tier observe: .*VM\.PowerMgmt@\//)
      expect(check?.fix).toMatch(/PVEAuditor.*homelab-mcp setup --tier observe/)
    }))

  it.live("fails when the token is too weak, or broader under MCP_STRICT_PRIVILEGES", () =>
    Effect.gen(function*() {
      const weak = yield* doctor("operate", { role: "auditor" })
      expect(weak.ok).toBe(false)
      const check = weak.checks.find((c) => c.name === "privileges")
      expect(check).toMatchObject({ status: "fail", fix: expect.stringMatching(/^homelab-mcp setup --tier operate/) })
      expect(check?.detail).toMatch(/missing VM\.PowerMgmt@\/vms$/)
      const strict = yield* doctor("operate", { role: "full", config: { privileges: { check: true, strict: true } } })
      expect(statusOf(strict).privileges).toBe("fail")
    }))

  it.live("fails on a tampered audit log and names the line", () =>
    Effect.gen(function*() {
      const config = testConfig("operate")
      const lines = chain([["intent", "a"], ["outcome", "a"], ["intent", "b"], ["outcome", "b"]])
      writeFileSync(config.auditLogPath, `${lines.join("\n")}\n`)
      expect(statusOf(yield* doctor("operate", { config }))["audit-log"]).toBe("ok")
      writeFileSync(
        config.auditLogPath,
        readFileSync(config.auditLogPath, "utf8").replace("\"vmid\":100", "\"vmid\":101")
      )
      const r = yield* doctor("operate", { config })
      const check = r.checks.find((c) => c.name === "audit-log")
      expect(r.ok).toBe(false)
      expect(check?.status).toBe("fail")
      expect(check?.detail).toMatch(/first at line 1/)
      expect(check?.fix).toMatch(/homelab-mcp verify/)
    }))

  it.live("fails when the data directory cannot be written", () =>
    Effect.gen(function*() {
      const file = join(tempDir(), "not-a-dir")
      appendFileSync(file, "x")
      const r = yield* doctor("observe", { config: { dataDir: join(file, "data") } })
      expect(r.ok).toBe(false)
      const check = r.checks.find((c) => c.name === "data-dir")
      expect(check?.status).toBe("fail")
      expect(check?.fix).toMatch(/HOMELAB_MCP_DATA_DIR/)
    }))

  it.live("turns an invalid config into one fail line naming the variable", () =>
    Effect.gen(function*() {
      const r = yield* runDoctor({
        config: Effect.fail(new ConfigInvalid({ variable: "MCP_TIER", message: "MCP_TIER=\"x\" must be observe, …" })),
        versions: { node: "22.12.0" }
      })
      expect(r).toEqual({
        ok: false,
        checks: [
          { name: "runtime", status: "ok", detail: "node v22.12.0" },
          expect.objectContaining({ name: "config", status: "fail", detail: "MCP_TIER=\"x\" must be observe, …" })
        ]
      })
      expect(JSON.parse(JSON.stringify(r))).toEqual(r)
    }))

  it("checks the runtime version: Node 20.19 or newer, or Bun", () => {
    expect(runtimeCheck({ node: "20.18.3" }).status).toBe("fail")
    expect(runtimeCheck({ node: "20.19.0" }).status).toBe("ok")
    expect(runtimeCheck({ node: "18.20.0" }).fix).toMatch(/20\.19/)
    expect(runtimeCheck({ node: "22.0.0", bun: "1.2.3" })).toEqual({
      name: "runtime",
      status: "ok",
      detail: "bun 1.2.3"
    })
  })

  it.live("names the presented and pinned TLS fingerprints, and how to re-pin", () =>
    withServer("b", () => json({ version: "9.0.10" }), (srv) =>
      Effect.gen(function*() {
        const dir = tempDir()
        const config = testConfig("observe", {
          simulated: false,
          api: Option.some({
            baseUrl: `https://127.0.0.1:${srv.port}/api2/json`,
            endpoint: `127.0.0.1:${srv.port}`,
            tokenId: "mcp@pve!mcp-observe",
            tokenSecret: Redacted.make("5e1f0c9a-7d3b-4b7e-9c1a-0badc0ffee42"),
            node: "pve",
            fingerprint: Option.some(fingerprintOfCert("a")),
            knownCertsPath: join(dir, "known_certs.json"),
            timeoutMs: 2000
          })
        })
        const r = yield* runDoctor({ config: Effect.succeed(config), node: nodeLayers, versions: { node: "22.12.0" } })
        const api = r.checks.find((c) => c.name === "api")
        expect(api?.status).toBe("fail")
        expect(api?.detail).toContain(`presented ${fingerprintOfCert("b")}, pinned is ${fingerprintOfCert("a")}`)
        expect(api?.fix).toMatch(/PVE_API_TLS_FINGERPRINT=SHA256:.*known_certs\.json/)
        expect(statusOf(r).privileges).toBe("fail")
        expect(srv.requests).toHaveLength(0)
        expect(certs.b.cert).not.toBe(certs.a.cert)
      })))

  it.live("names an SSH host-key mismatch at companion and how to re-pin", () =>
    Effect.gen(function*() {
      const ssh = Layer.succeed(SshTransport, {
        endpoint: "10.0.0.2:22",
        exec: () =>
          Effect.fail(
            new PinMismatch({
              message: "mismatch",
              channel: "ssh",
              endpoint: "10.0.0.2:22",
              expected: "SHA256:pinned",
              presented: "SHA256:presented"
            })
          )
      })
      const r = yield* doctor("companion", { node: { ...simNode("operate"), ssh } })
      const check = r.checks.find((c) => c.name === "ssh")
      expect(r.ok).toBe(false)
      expect(check?.detail).toBe(
        "SSH host key mismatch at 10.0.0.2:22: the node presented SHA256:presented, pinned is SHA256:pinned"
      )
      expect(check?.fix).toMatch(/ssh-keygen -lf .*SSH_HOST_KEY_FINGERPRINT=SHA256:presented/)
    }))
})
