import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import type { Elicit } from "../support/TestLayers.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

const posts = Effect.gen(function*() {
  const sim = yield* SimNode
  return (yield* sim.requests).filter((r) => r.startsWith("POST"))
})

const entries = (tool: string) =>
  Effect.gen(function*() {
    const audit = yield* AuditLog
    return (yield* audit.query({ tool, limit: 50 })).entries
  })

describe("guest lifecycle at operate", () => {
  it.effect("guest_start follows the task, verifies the state by polling and audits intent + outcome", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const result = ok(yield* drive(call(h.plan, "guest_start", { vmid: 102 })))
      expect(result).toMatchObject({
        vmid: 102,
        guestType: "lxc",
        name: "legacy-nginx",
        status: "running",
        alreadyRunning: false
      })
      expect(String(result.task)).toMatch(/^UPID:pve:.*:vzstart:102:/)
      const cts = ok(yield* call(h.plan, "pct_list", {})) as { containers: Array<{ vmid: number; status: string }> }
      expect(cts.containers.find((c) => c.vmid === 102)?.status).toBe("running")
      const [entry] = yield* entries("guest_start")
      expect(entry).toMatchObject({ tool: "guest_start", vmid: 102, outcome: "ok", tier: "operate" })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("start of a running guest and stop of a stopped guest are audited no-ops with no POST", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      expect(ok(yield* call(h.plan, "guest_start", { vmid: 100 }))).toMatchObject({ alreadyRunning: true, task: "" })
      expect(ok(yield* call(h.plan, "guest_stop", { vmid: 102, confirm: true }))).toMatchObject({
        alreadyStopped: true,
        task: ""
      })
      expect(yield* posts).toEqual([])
      expect((yield* entries("guest_start"))[0]?.outcome).toBe("ok")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("the auditor token's 403 comes back as FORBIDDEN naming VM.PowerMgmt, state unchanged", () => {
    const h = harness("operate", { role: "auditor" })
    return Effect.gen(function*() {
      const error = failed(yield* drive(call(h.plan, "guest_start", { vmid: 102 })))
      expect(error.code).toBe("FORBIDDEN")
      expect(error.message).toMatch(/VM\.PowerMgmt/)
      expect(error.hint).toMatch(/lacks VM\.PowerMgmt on \/vms\/102/)
      const cts = ok(yield* call(h.plan, "pct_list", {})) as { containers: Array<{ vmid: number; status: string }> }
      expect(cts.containers.find((c) => c.vmid === 102)?.status).toBe("stopped")
      const [entry] = yield* entries("guest_start")
      expect(entry).toMatchObject({ outcome: "error", error: { code: "FORBIDDEN" } })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a failing POST is reported once and never resent", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "POST /nodes/pve/lxc/102/status/start", action: "drop" })
      const error = failed(yield* drive(call(h.plan, "guest_start", { vmid: 102 })))
      expect(error.code).toBe("UNAVAILABLE")
      expect(yield* posts).toHaveLength(1)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a mutation that hangs ends at the tool's limit and is audited as timeout", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "POST /nodes/pve/lxc/102/status/start", action: "hang" })
      const fiber = yield* Effect.fork(call(h.plan, "guest_start", { vmid: 102 }))
      for (let i = 0; i < 200 && (yield* Fiber.poll(fiber))._tag === "None"; i++) yield* TestClock.adjust("1 second")
      const error = failed(yield* Fiber.join(fiber))
      expect(error.code).toBe("TIMEOUT")
      const [entry] = yield* entries("guest_start")
      expect(entry).toMatchObject({ outcome: "timeout", error: { code: "TIMEOUT" } })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("an unknown vmid fails up front with GUEST_NOT_FOUND and changes nothing", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const error = failed(yield* call(h.plan, "guest_restart", { vmid: 999 }))
      expect(error).toMatchObject({ code: "GUEST_NOT_FOUND" })
      expect(error.message).not.toMatch(/nodes\/pve/)
      expect(yield* posts).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a task that ends OK is not trusted: the state is polled and STATE_NOT_VERIFIED reported", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.setCrashOnStart(102, true)
      const error = failed(yield* drive(call(h.plan, "guest_start", { vmid: 102 })))
      expect(error.code).toBe("STATE_NOT_VERIFIED")
      expect(error.message).toMatch(/guest 102 is still stopped after 10 s \(expected running\)/)
      expect((yield* entries("guest_start"))[0]).toMatchObject({
        outcome: "error",
        error: { code: "STATE_NOT_VERIFIED" }
      })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("guest_restart reboots a running VM and waits until it runs again", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const result = ok(yield* drive(call(h.plan, "guest_restart", { vmid: 200 })))
      expect(result).toMatchObject({ vmid: 200, guestType: "qemu", status: "running", wasStopped: false })
      expect(String(result.task)).toMatch(/:qmreboot:200:/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("guest_restart of a stopped guest starts it and says so", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const result = ok(yield* drive(call(h.plan, "guest_restart", { vmid: 201 })))
      expect(result).toMatchObject({ vmid: 201, status: "running", wasStopped: true })
    }).pipe(Effect.provide(h.layer))
  })
})

describe("guest_stop confirmation", () => {
  const stop = (elicit: Elicit, args: Record<string, unknown>) => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const result = yield* drive(call(h.plan, "guest_stop", { vmid: 100, ...args }, elicit))
      return { result, posts: yield* posts, audit: yield* entries("guest_stop") }
    }).pipe(Effect.provide(h.layer))
  }

  it.effect("asks the human through elicitation and stops only on approval", () =>
    Effect.gen(function*() {
      const approved = yield* stop({ canElicit: true, answer: true }, {})
      expect(ok(approved.result)).toMatchObject({ status: "stopped", alreadyStopped: false })
      expect(approved.audit[0]).toMatchObject({ outcome: "ok", note: "confirmed by the user" })
      const declined = yield* stop({ canElicit: true, answer: false }, { confirm: true })
      expect(failed(declined.result).code).toBe("DECLINED")
      expect(declined.posts).toEqual([])
      expect(declined.audit[0]).toMatchObject({ outcome: "refused" })
    }))

  it.effect("without elicitation it needs confirm:true and the refusal does not say how to lift it", () =>
    Effect.gen(function*() {
      const refused = yield* stop({ canElicit: false }, {})
      const error = failed(refused.result)
      expect(error.code).toBe("CONFIRMATION_REQUIRED")
      expect(`${error.message} ${error.hint}`).not.toMatch(/confirm/i)
      expect(refused.posts).toEqual([])
      const confirmed = yield* stop({ canElicit: false }, { confirm: true })
      expect(ok(confirmed.result)).toMatchObject({ status: "stopped" })
    }))
})

describe("audit fail-closed", () => {
  it.effect("refuses a mutation when the audit log cannot be written, before touching the node", () => {
    const h = harness("operate", { config: { auditLogPath: "/proc/version/audit.jsonl" } })
    return Effect.gen(function*() {
      const error = failed(yield* call(h.plan, "guest_start", { vmid: 102 }))
      expect(error.code).toBe("AUDIT_UNAVAILABLE")
      expect(yield* posts).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })
})
