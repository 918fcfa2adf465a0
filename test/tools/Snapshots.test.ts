import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import type { Elicit } from "../support/TestLayers.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

const drive500 = <A, E>(eff: Effect.Effect<A, E>) => drive(eff, "500 millis")

const yes: Elicit = { canElicit: true, answer: true }
const names = (r: Record<string, unknown>) => (r.snapshots as Array<{ name: string; managed: boolean }>)

describe("snapshots", () => {
  it.effect("refuses guests Proxmox cannot snapshot, with the reason, before any call to the node", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const ct101 = failed(yield* call(h.plan, "snapshot_create", { vmid: 101 }))
      expect(ct101).toMatchObject({ code: "REFUSED" })
      expect(ct101.message).toMatch(/bind mount mp0/)
      expect(failed(yield* call(h.plan, "snapshot_create", { vmid: 102 })).message).toMatch(/dir storage 'local'/)
      expect(failed(yield* call(h.plan, "snapshot_create", { vmid: 201 })).message).toMatch(/passthrough \(hostpci0\)/)
      const sim = yield* SimNode
      expect((yield* sim.requests).filter((r) => r.includes("snapshot") && !r.startsWith("GET"))).toEqual([])
      const audit = yield* AuditLog
      expect((yield* audit.query({ tool: "snapshot_create", limit: 5 })).entries.map((e) => e.outcome)).toEqual([
        "refused",
        "refused",
        "refused"
      ])
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("creates mcp- snapshots and keeps at most the cap, evicting only its own", () => {
    const h = harness("companion", { config: {} })
    return Effect.gen(function*() {
      const created: Array<string> = []
      for (let i = 0; i < 4; i++) {
        yield* TestClock.adjust("61 seconds")
        const r = ok(yield* drive500(call(h.plan, "snapshot_create", { vmid: 200, note: `step ${i}` })))
        expect(String(r.name)).toMatch(/^mcp-\d{8}-\d{6}$/)
        created.push(String(r.name))
        if (i === 3) expect(r.evicted).toEqual([created[0]])
      }
      const list = names(ok(yield* call(h.plan, "snapshot_list", { vmid: 200 })))
      expect(list.filter((s) => s.managed).map((s) => s.name)).toEqual(created.slice(1))
      expect(list.some((s) => s.name === "clean-install" && !s.managed)).toBe(true)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("rolls back with approval, stopping and restarting a running guest, verified by polling", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const snap = ok(yield* drive500(call(h.plan, "snapshot_create", { vmid: 100 })))
      const name = String(snap.name)
      yield* drive500(call(h.plan, "pct_exec", { vmid: 100, command: "echo changed > /etc/hostname" }))
      const running = failed(yield* drive500(call(h.plan, "snapshot_rollback", { vmid: 100, name }, yes)))
      expect(running.code).toBe("GUEST_NOT_READY")
      const r = ok(yield* drive500(call(h.plan, "snapshot_rollback", { vmid: 100, name, stopIfRunning: true }, yes)))
      expect(r).toMatchObject({ wasRunning: true, restarted: true })
      const after = ok(yield* drive500(call(h.plan, "pct_exec", { vmid: 100, command: "cat /etc/hostname" })))
      expect(after.stdout).toBe("adguard-dns\n")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("refuses user snapshots and injection in names by schema; declines run nothing", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      for (const name of ["clean-install", "mcp-x; reboot", "mcp-$(id)", "mcp-a b", `mcp-${"a".repeat(40)}`]) {
        expect(failed(yield* call(h.plan, "snapshot_rollback", { vmid: 200, name }, yes)).code, name).toBe(
          "INVALID_ARGUMENTS"
        )
        expect(failed(yield* call(h.plan, "snapshot_delete", { vmid: 200, name })).code, name).toBe("INVALID_ARGUMENTS")
      }
      const declined = failed(
        yield* call(h.plan, "snapshot_rollback", { vmid: 200, name: "mcp-x" }, { canElicit: true, answer: false })
      )
      expect(declined.code).toBe("DECLINED")
      expect(failed(yield* drive500(call(h.plan, "snapshot_delete", { vmid: 200, name: "mcp-absent" }))).code).toBe(
        "NOT_FOUND"
      )
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("the circuit breaker stops the third rollback of one guest within the window", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const name = String(ok(yield* drive500(call(h.plan, "snapshot_create", { vmid: 200 }))).name)
      for (let i = 0; i < 3; i++) {
        ok(yield* drive500(call(h.plan, "snapshot_rollback", { vmid: 200, name, stopIfRunning: true }, yes)))
      }
      const tripped = failed(yield* call(h.plan, "snapshot_rollback", { vmid: 200, name, stopIfRunning: true }, yes))
      expect(tripped.code).toBe("CIRCUIT_OPEN")
      expect(`${tripped.message} ${tripped.hint}`).not.toMatch(/override/i)
      const override = ok(
        yield* drive(
          call(h.plan, "snapshot_rollback", { vmid: 200, name, stopIfRunning: true, overrideCircuitBreaker: true }, yes)
        )
      )
      expect(override.restarted).toBe(true)
      yield* TestClock.adjust("11 minutes")
      ok(yield* drive500(call(h.plan, "snapshot_rollback", { vmid: 200, name, stopIfRunning: true }, yes)))
      const audit = yield* AuditLog
      const outcomes = (yield* audit.query({ tool: "snapshot_rollback", limit: 10 })).entries.map((e) => e.outcome)
      expect(outcomes.filter((o) => o === "refused")).toHaveLength(1)
    }).pipe(Effect.provide(h.layer))
  })
})
