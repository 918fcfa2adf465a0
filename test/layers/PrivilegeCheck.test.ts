import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Exit, Layer, Option } from "effect"
import { ApiUnavailable } from "../../src/domain/Errors.js"
import { privilegeVerdict } from "../../src/domain/PrivilegeVerdict.js"
import { TIERS } from "../../src/domain/Tier.js"
import type { Tier } from "../../src/domain/Tier.js"
import { tierPrivileges } from "../../src/domain/TierPrivileges.js"
import { planFor } from "../../src/layers/AppLayer.js"
import { loadConfig } from "../../src/layers/config/LoadConfig.js"
import { ProxmoxApiSimulated } from "../../src/layers/ProxmoxApiSimulated.js"
import type { SimRole } from "../../src/layers/ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "../../src/layers/SshTransportSimulated.js"
import { ProxmoxApi } from "../../src/services/ProxmoxApi.js"
import { ServerInfo } from "../../src/services/ServerInfo.js"
import { testConfig } from "../support/TestLayers.js"

const CHECKED = { privileges: { check: true, strict: false } }
const STRICT = { privileges: { check: true, strict: true } }

/** Builds the tier's layer over the simulated node with `role`, and reads ServerInfo (or the build's failure). */
const start = (tier: Tier, role: SimRole, overrides = CHECKED) => {
  const sim = ProxmoxApiSimulated.layer({ role })
  const plan = planFor(testConfig(tier, overrides), { api: sim, ssh: SshTransportSimulated.pipe(Layer.provide(sim)) })
  const layer = plan.layer as Layer.Layer<ServerInfo, { readonly _tag: string; readonly message: string }>
  return Effect.exit(Effect.provide(ServerInfo, layer))
}

const opts = { strict: false, tokenId: Option.some("mcp@pve!mcp-operate") }
const onRoot = (privs: ReadonlyArray<string>) => ({ "/": Object.fromEntries(privs.map((p) => [p, 1])) })

describe("token versus tier at startup", () => {
  it.effect("starts clean at every tier with the role setup gives it", () =>
    Effect.gen(function*() {
      for (const tier of TIERS) {
        const role: SimRole = tier === "observe" ? "auditor" : "operate"
        const info = yield* Effect.flatten(start(tier, role))
        expect(info.privileges, tier).toEqual({ status: "exact", pveVersion: "9.0.10", excess: [] })
      }
    }))

  it.effect("warns when the token is broader than the tier (PVEAdmin at observe)", () =>
    Effect.gen(function*() {
      const info = yield* Effect.flatten(start("observe", "admin"))
      expect(info.privileges.status).toBe("broader")
      const names = info.privileges.excess.map((e) => e.privilege)
      expect(names).toContain("VM.PowerMgmt")
      expect(names).toContain("Sys.Console")
      expect(info.privileges.warning).toMatch(/holds more than tier observe on PVE 9\.0\.10 needs \(.*VM\.PowerMgmt@\//)
      expect(info.privileges.warning).toMatch(/homelab-mcp setup --tier observe/)
    }))

  it.effect("refuses a token too weak for the tier, naming what is missing and the fix", () =>
    Effect.gen(function*() {
      const exit = yield* start("operate", "auditor")
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("PrivilegeRefused")
        expect(error?.message).toMatch(/too weak for tier operate on PVE 9\.0\.10: missing VM\.PowerMgmt@\/vms/)
        expect(error?.message).toMatch(/fix: homelab-mcp setup --tier operate/)
        expect(error?.message).not.toContain("\n")
      }
    }))

  it.effect("MCP_STRICT_PRIVILEGES turns broader into a refusal", () =>
    Effect.gen(function*() {
      const exit = yield* start("operate", "full", STRICT)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        expect(exit.cause.error.message).toMatch(/^MCP_STRICT_PRIVILEGES=1: .*Permissions\.Modify@\//)
      }
      const exact = yield* Effect.flatten(start("operate", "operate", STRICT))
      expect(exact.privileges.status).toBe("exact")
    }))

  it.effect("an unreachable API leaves the privileges unchecked, with the reason, and the server starts", () =>
    Effect.gen(function*() {
      const down = Layer.succeed(ProxmoxApi, {
        node: "pve",
        endpoint: "10.0.0.2:8006",
        request: () => Effect.fail(new ApiUnavailable({ message: "connect ECONNREFUSED 10.0.0.2:8006" }))
      })
      const plan = planFor(testConfig("operate", CHECKED), { api: down, ssh: Layer.die("no ssh") })
      const info = yield* Effect.provide(ServerInfo, plan.layer as Layer.Layer<ServerInfo, unknown>)
      expect(info.privileges).toEqual({
        status: "unchecked",
        pveVersion: null,
        excess: [],
        warning: "token privileges not checked: connect ECONNREFUSED 10.0.0.2:8006"
      })
    }))

  it("uses the PVE 8 tables for a PVE 8 node", () => {
    const reading = { _tag: "Read", version: "8.2.4", permissions: onRoot(tierPrivileges("operate", 8)) } as const
    expect(privilegeVerdict("operate", reading, opts)).toEqual(
      Either.right({ status: "exact", pveVersion: "8.2.4", excess: [] })
    )
    const nine = { ...reading, permissions: onRoot(tierPrivileges("operate", 9)) }
    const on8 = privilegeVerdict("operate", { ...nine, version: "8.2.4" }, opts)
    expect(Either.getOrThrow(on8).excess).toEqual([{ privilege: "VM.GuestAgent.Audit", path: "/" }])
    const unknown = Either.getOrThrow(privilegeVerdict("operate", { ...reading, version: "7.4-3" }, opts))
    expect(unknown.status).toBe("unchecked")
  })

  it("names the pveum grant for the configured token in a refusal", () => {
    const reading = { _tag: "Read", version: "9.0.3", permissions: onRoot(["VM.Audit"]) } as const
    const refused = privilegeVerdict("operate", reading, opts)
    expect(Either.isLeft(refused)).toBe(true)
    if (Either.isLeft(refused)) {
      expect(refused.left.message).toContain("mcp@pve!mcp-operate is too weak")
      expect(refused.left.message).toContain(
        "pveum acl modify / --tokens 'mcp@pve!mcp-operate' --roles HomelabMCP-Operate"
      )
      expect(refused.left.missing.map((m) => m.privilege)).toEqual(["Datastore.Audit", "Sys.Audit", "VM.PowerMgmt"])
    }
  })

  it.effect("reads MCP_STRICT_PRIVILEGES, and rejects a value that is not a flag", () =>
    Effect.gen(function*() {
      const env = (extra: Record<string, string>) =>
        loadConfig({ simulated: true }).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ HOME: "/home/op", ...extra })))),
          Effect.either
        )
      expect(Either.getOrThrow(yield* env({})).privileges).toEqual({ check: true, strict: false })
      expect(Either.getOrThrow(yield* env({ MCP_STRICT_PRIVILEGES: "1" })).privileges.strict).toBe(true)
      const bad = yield* env({ MCP_STRICT_PRIVILEGES: "yes" })
      expect(Either.isLeft(bad) && bad.left.variable).toBe("MCP_STRICT_PRIVILEGES")
    }))
})
