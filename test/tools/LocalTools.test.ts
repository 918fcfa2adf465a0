import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { targetKey } from "../../src/domain/Backup.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import { call, failed, harness, ok } from "../support/TestLayers.js"

describe("list_backups", () => {
  it.effect("is empty until writes exist, and checks each stored version's bytes", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      expect(ok(yield* call(h.plan, "list_backups", { path: "/etc/hosts", vmid: 100 })).versions).toEqual([])
      const content = Buffer.from("127.0.0.1 localhost\n")
      const sha = createHash("sha256").update(content).digest("hex")
      const folder = join(h.config.backupDir, "targets", targetKey({ kind: "pct", vmid: 100, path: "/etc/hosts" }))
      mkdirSync(folder, { recursive: true })
      mkdirSync(join(h.config.backupDir, "blobs"), { recursive: true })
      writeFileSync(join(h.config.backupDir, "blobs", sha), content)
      const record = { target: "pct:100:/etc/hosts", kind: "full", sha256: sha, sizeBytes: content.length }
      writeFileSync(join(folder, "1.json"), JSON.stringify({ ...record, seq: 1, ts: "2026-11-01T10:00:00.000Z" }))
      writeFileSync(
        join(folder, "2.json"),
        JSON.stringify({ ...record, seq: 2, ts: "2026-11-02T10:00:00.000Z", sha256: "0".repeat(64) })
      )
      const listed = ok(yield* call(h.plan, "list_backups", { path: "/etc/hosts", vmid: 100 })) as {
        versions: Array<{ timestamp: string; revertible: boolean; revertReason?: string }>
      }
      expect(listed.versions.map((v) => [v.timestamp.slice(0, 10), v.revertible])).toEqual([
        ["2026-11-02", false],
        ["2026-11-01", true]
      ])
      expect(listed.versions[0]?.revertReason).toMatch(/missing/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("rejects relative and dot-dot paths", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      expect(failed(yield* call(h.plan, "list_backups", { path: "etc/hosts" })).code).toBe("INVALID_ARGUMENTS")
      expect(failed(yield* call(h.plan, "list_backups", { path: "/etc/../root/.ssh" })).code).toBe("INVALID_ARGUMENTS")
    }).pipe(Effect.provide(h.layer))
  })
})

describe("query_audit", () => {
  it.effect("filters by tool, vmid, outcome, text and whole-day bounds, newest first", () => {
    const h = harness("operate")
    return Effect.gen(function*() {
      const audit = yield* AuditLog
      const a = yield* audit.intent({ tool: "guest_start", tier: "operate", args: { vmid: 102 }, vmid: 102 })
      yield* audit.outcome(a, { outcome: "ok", durationMs: 5 })
      const b = yield* audit.intent({ tool: "guest_stop", tier: "operate", args: { vmid: 100 }, vmid: 100 })
      yield* audit.outcome(b, {
        outcome: "error",
        error: { code: "FORBIDDEN", message: "no VM.PowerMgmt" },
        durationMs: 3
      })
      yield* audit.intent({ tool: "guest_restart", tier: "operate", args: { vmid: 200 }, vmid: 200 })
      const all = ok(yield* call(h.plan, "query_audit", {})) as {
        summary: { total: number; byOutcome: Record<string, number> }
        records: Array<{ tool: string; outcome: string }>
      }
      expect(all.records.map((r) => r.tool)).toEqual(["guest_restart", "guest_stop", "guest_start"])
      expect(all.summary.byOutcome).toEqual({ ok: 1, error: 1, pending: 1 })
      const byVmid = ok(yield* call(h.plan, "query_audit", { vmid: 100 })) as { records: Array<{ tool: string }> }
      expect(byVmid.records.map((r) => r.tool)).toEqual(["guest_stop"])
      const text = ok(yield* call(h.plan, "query_audit", { textSearch: "powermgmt" })) as { records: Array<unknown> }
      expect(text.records).toHaveLength(1)
      const today = new Date(0).toISOString().slice(0, 10)
      const day = ok(yield* call(h.plan, "query_audit", { until: today, since: today })) as {
        summary: { total: number }
      }
      expect(day.summary.total).toBe(3)
      const limited = ok(yield* call(h.plan, "query_audit", { limit: 1 })) as {
        truncated: boolean
        records: Array<unknown>
      }
      expect([limited.records.length, limited.truncated]).toEqual([1, true])
      expect(failed(yield* call(h.plan, "query_audit", { limit: 201 })).code).toBe("INVALID_ARGUMENTS")
      expect(failed(yield* call(h.plan, "query_audit", { since: "yesterday" })).message).toMatch(/ISO date/)
    }).pipe(Effect.provide(h.layer))
  })
})
