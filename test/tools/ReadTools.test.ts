import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { call, failed, harness, ok } from "../support/TestLayers.js"

describe("observe tools on the simulated node", () => {
  it.effect("pct_list and qm_list read the API, sorted, with float boot disks", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const cts = ok(yield* call(h.plan, "pct_list", {})) as { containers: Array<{ vmid: number; status: string }> }
      expect(cts.containers.map((c) => c.vmid)).toEqual([100, 101, 102])
      expect(cts.containers.find((c) => c.vmid === 102)?.status).toBe("stopped")
      const vms = ok(yield* call(h.plan, "qm_list", {})) as {
        vms: Array<{ vmid: number; bootDiskGB?: number; pid?: number }>
      }
      expect(vms.vms.map((v) => v.vmid)).toEqual([200, 201])
      expect(Number.isInteger(vms.vms[0]?.bootDiskGB ?? 0.5) || (vms.vms[0]?.bootDiskGB ?? 0) < 10_000).toBe(true)
      expect(vms.vms.find((v) => v.vmid === 201)?.pid).toBeUndefined()
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("qm_agent_ping answers available, unavailable, and a uniform error for a container", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      expect(ok(yield* call(h.plan, "qm_agent_ping", { vmid: 200 }))).toEqual({ vmid: 200, available: true })
      const stopped = ok(yield* call(h.plan, "qm_agent_ping", { vmid: 201 }))
      expect(stopped.available).toBe(false)
      expect(String(stopped.error)).toMatch(/not running/)
      const ct = failed(yield* call(h.plan, "qm_agent_ping", { vmid: 100 }))
      expect(ct.code).toBe("GUEST_NOT_FOUND")
      expect(ct.message).toMatch(/100 is a container, not a VM/)
      expect(failed(yield* call(h.plan, "qm_agent_ping", { vmid: 999 })).message).toMatch(/Guest 999 not found/)
      expect(failed(yield* call(h.plan, "qm_agent_ping", { vmid: 99 })).code).toBe("INVALID_ARGUMENTS")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a hanging API call ends in a typed TIMEOUT at the tool's limit", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "GET /nodes/pve/lxc", action: "hang" })
      const fiber = yield* Effect.fork(call(h.plan, "pct_list", {}))
      yield* TestClock.adjust("31 seconds")
      const error = failed(yield* Fiber.join(fiber))
      expect(error.code).toBe("TIMEOUT")
      expect(error.message).toMatch(/pct_list did not finish within 30s/)
      yield* sim.clearFaults
      expect(ok(yield* call(h.plan, "pct_list", {})).count).toBe(3)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("an API 500 is a typed API_ERROR with the node's message, and the next call recovers", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({
        match: "GET /nodes/pve/qemu",
        action: "status",
        status: 500,
        message: "simulated outage",
        times: 1
      })
      const error = failed(yield* call(h.plan, "qm_list", {}))
      expect(error.code).toBe("API_ERROR")
      expect(error.message).toMatch(/simulated outage/)
      expect(ok(yield* call(h.plan, "qm_list", {})).count).toBe(2)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a pin mismatch is PIN_MISMATCH with a hint to re-pin, never retried", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "*", action: "pinMismatch" })
      const error = failed(yield* call(h.plan, "pct_list", {}))
      expect(error.code).toBe("PIN_MISMATCH")
      expect(error.hint).toMatch(/verify the new fingerprint out of band/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("server_info reports version, tier, tools and data paths", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const info = ok(yield* call(h.plan, "server_info", {}))
      expect(info).toMatchObject({ name: "homelab-mcp", tier: "observe", simulated: true, node: "pve" })
      expect(info.tools).toContain("query_audit")
      expect(info.tools).not.toContain("guest_start")
      expect((info.dataPaths as Record<string, string>).auditLog).toBe(h.config.auditLogPath)
    }).pipe(Effect.provide(h.layer))
  })
})
