import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import { call, drive, failed, harness, ok, testConfig } from "../support/TestLayers.js"

const sshLines = Effect.flatMap(
  SimNode,
  (sim) => Effect.map(sim.requests, (r) => r.filter((l) => l.startsWith("SSH ")))
)
const lastAudit = (tool: string) =>
  Effect.flatMap(AuditLog, (a) => Effect.map(a.query({ tool, limit: 1 }), (r) => r.entries[0]))

describe("pct_exec and qm_exec", () => {
  it.effect("runs in the container over SSH, audits exit code but never the output", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "cat /etc/hostname" })))
      expect(r).toMatchObject({ vmid: 100, exitCode: 0, stdout: "adguard-dns\n", timedOut: false })
      expect((yield* sshLines).some((l) => l.includes("pct exec 100 --keep-env 0 -- sh -c"))).toBe(true)
      const entry = yield* lastAudit("pct_exec")
      expect(entry).toMatchObject({ outcome: "ok", vmid: 100, result: { exitCode: 0 } })
      expect(JSON.stringify(entry?.result)).not.toContain("adguard-dns")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("redacts secrets in command output", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "pct_exec", { vmid: 101, command: "cat /opt/stacks/media/.env" })))
      expect(String(r.stdout)).toContain("[REDACTED]")
      expect(r.redactions).toBeGreaterThan(0)
      expect(String(r.stdout)).not.toMatch(/TS_AUTHKEY=(?!\[REDACTED\])/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("refuses a destructive command before anything reaches the node, and audits the refusal", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      for (
        const command of [
          "rm -rf /",
          "r''m -rf --no-preserve-root /",
          "echo x; mkfs.ext4 /dev/sda",
          "pveum user add x@pve"
        ]
      ) {
        const e = failed(yield* call(h.plan, "pct_exec", { vmid: 100, command }))
        expect(e.code, command).toBe("REFUSED")
        expect(`${e.message} ${e.hint}`).not.toMatch(/confirm|rephrase|instead/i)
      }
      expect(yield* sshLines).toEqual([])
      expect(yield* lastAudit("pct_exec")).toMatchObject({ outcome: "refused", error: { code: "REFUSED" } })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("asks before availability-class commands and runs nothing when declined", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      expect(failed(yield* call(h.plan, "pct_exec", { vmid: 100, command: "reboot" })).code).toBe(
        "CONFIRMATION_REQUIRED"
      )
      expect(
        failed(yield* call(h.plan, "pct_exec", { vmid: 100, command: "reboot" }, { canElicit: true, answer: false }))
          .code
      )
        .toBe("DECLINED")
      expect(yield* sshLines).toEqual([])
      const r = ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "echo reboot later" })))
      expect(r.stdout).toBe("reboot later\n")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("refuses a stopped container up front; shell metacharacters in the command stay data", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      expect(failed(yield* call(h.plan, "pct_exec", { vmid: 102, command: "ls" })).code).toBe("GUEST_NOT_READY")
      const quoted = ok(
        yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "printf '%s' \"a'b\\\"c $HOME\"" }))
      )
      expect(quoted.stdout).toBe("a'b\"c /root")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a command past its node-side timeout comes back as timedOut with exit 124", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "sleep 30", timeoutMs: 2000 })))
      expect(r).toMatchObject({ timedOut: true, exitCode: 124 })
      expect((yield* lastAudit("pct_exec"))?.result).toMatchObject({ timedOut: true })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("qm_exec goes through the guest agent; a stopped VM names the fix", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "qm_exec", { vmid: 200, command: "cat /etc/app/config.yml | head -n 1" })))
      expect(r.exitCode).toBe(0)
      expect((yield* sshLines).some((l) => l.includes("qm guest exec 200 --timeout 30 -- sh -c"))).toBe(true)
      const e = failed(yield* drive(call(h.plan, "qm_exec", { vmid: 201, command: "ls" })))
      expect(e.code).toBe("GUEST_NOT_READY")
      expect(e.message).toMatch(/qemu-guest-agent/)
      expect(failed(yield* call(h.plan, "qm_exec", { vmid: 100, command: "ls" })).message).toMatch(/is a container/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("qm_exec past its limit says not exited, with the guest pid", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "qm_exec", { vmid: 200, command: "sleep 100", timeoutMs: 2000 })))
      expect(r).toMatchObject({ timedOut: true, exitCode: null })
      expect(typeof r.pid).toBe("number")
      expect(String(r.note)).toMatch(/may still be running/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("SSH faults are typed: drop and pin mismatch", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "SSH pct exec", action: "drop", times: 1 })
      expect(failed(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "true" }))).code).toBe(
        "SSH_UNAVAILABLE"
      )
      expect(ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "true" }))).exitCode).toBe(0)
      yield* sim.injectFault({ match: "SSH pct exec", action: "pinMismatch", times: 1 })
      expect(failed(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "true" }))).code).toBe("PIN_MISMATCH")
    }).pipe(Effect.provide(h.layer))
  })
})

describe("tail_log", () => {
  it.effect("reads a journal redacted, and a container file", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const j = ok(yield* drive(call(h.plan, "tail_log", { unit: "custom-backup.service", lines: 20 })))
      expect(j.mode).toBe("unit")
      expect(String(j.content)).not.toMatch(/Sup3rS3cret|8d5a6f2e|SIMSIGNATURE/)
      expect(j.redactions).toBeGreaterThan(0)
      const f = ok(
        yield* drive(call(h.plan, "tail_log", { target: { kind: "pct", vmid: 101 }, path: "/opt/stacks/media/.env" }))
      )
      expect(String(f.content)).toContain("[REDACTED]")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("re-checks the path after the node resolves it: a symlink cannot lead past the rules", () => {
    const h = harness("companion", {
      config: { guard: { ...testConfig("companion").guard, pathDenylist: ["/proc", "/root"] } }
    })
    return Effect.gen(function*() {
      ok(
        yield* drive(
          call(h.plan, "pct_exec", {
            vmid: 100,
            command: "echo s > /root/notes && ln -s /root/notes /var/log/evil.log"
          })
        )
      )
      const e = failed(
        yield* drive(call(h.plan, "tail_log", { target: { kind: "pct", vmid: 100 }, path: "/var/log/evil.log" }))
      )
      expect(e.code).toBe("INVALID_ARGUMENTS")
      expect(e.message).toMatch(/resolves to \/root\/notes/)
      expect(failed(yield* drive(call(h.plan, "tail_log", { target: { kind: "pct", vmid: 102 }, unit: "nginx" }))).code)
        .toBe("GUEST_NOT_READY")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("validates before running anything", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const bad = [
        {},
        { unit: "a", path: "/var/log/x" },
        { path: "/var/log/x", since: "1 hour ago" },
        { path: "/proc/1/environ" },
        { path: "/var/log/../../etc/shadow" },
        { unit: "x; reboot" },
        { unit: "a", since: "$(reboot)" },
        { unit: "a", lines: 0 },
        { unit: "a", lines: 501 }
      ]
      for (const args of bad) {
        expect(failed(yield* call(h.plan, "tail_log", args)).code, JSON.stringify(args)).toBe("INVALID_ARGUMENTS")
      }
      expect(yield* sshLines).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })
})
