import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { makeAuditLogJsonl } from "../../../src/layers/AuditLogJsonl.js"
import { lines, start, tempLog } from "../../support/AuditFixtures.js"

const tornFiles = (files: ReadonlyArray<string>) => files.filter((f) => f.includes(".torn-"))

describe("AuditLogJsonl torn tail recovery", () => {
  it.scoped("moves a torn last line aside, cuts the log back, records the recovery and continues", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      yield* log.intent(start())
      const good = yield* fs.readFileString(path)
      // A torn write that also holds bytes that are not valid UTF-8: they must be kept exactly.
      const torn = new Uint8Array([...new TextEncoder().encode("{\"seq\":2,\"ts\":\"2026-"), 0xff, 0xfe])
      yield* fs.writeFile(path, new Uint8Array([...new TextEncoder().encode(good), ...torn]))
      const handle = yield* (yield* makeAuditLogJsonl(path)).intent(start("guest_stop", { tier: "root" }))
      expect(handle.seq).toBe(4)
      const [quarantine, ...others] = tornFiles(yield* fs.readDirectory(`${dir}/state`))
      expect(others).toEqual([])
      expect(quarantine).toMatch(/^audit\.jsonl\.torn-\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{8}$/)
      expect([...(yield* fs.readFile(`${dir}/state/${quarantine}`))]).toEqual([...torn])
      expect((yield* fs.stat(`${dir}/state/${quarantine}`)).mode & 0o777).toBe(0o600)
      const raw = (yield* lines(fs, path)).map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(raw.map((r) => [r.seq, r.kind, r.tool, r.tier])).toEqual([
        [1, "intent", "guest_start", "operate"],
        [2, "intent", "audit_recovery", "root"],
        [3, "outcome", "audit_recovery", "root"],
        [4, "intent", "guest_stop", "root"]
      ])
      expect(raw[1]?.note).toMatch(/torn last line \(line 2, 22 bytes.*moved to .*\.torn-.*cut back to seq 1/)
      expect(raw[1]?.args).toEqual({ quarantinedTo: `${dir}/state/${quarantine}`, bytes: 22, line: 2 })
      expect(raw[2]).toMatchObject({ outcome: "ok", intentSeq: 2 })
      expect(yield* log.verify).toMatchObject({ ok: true, records: 4, problems: [] })
      const recovery = yield* log.query({ tool: "audit_recovery", limit: 5 })
      expect(recovery.entries.map((e) => e.outcome)).toEqual(["ok"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("recovers a last line of zero bytes with a newline, and a file that is only a torn line", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      const h = yield* log.intent(start())
      yield* fs.writeFile(path, new Uint8Array([...(yield* fs.readFile(path)), 0, 0, 0, 0x0a]))
      yield* log.outcome(h, { outcome: "ok", durationMs: 1 })
      expect(yield* log.verify).toMatchObject({ ok: true, records: 4 })
      expect(yield* log.query({ outcome: "pending", limit: 5 })).toMatchObject({ summary: { total: 0 } })
      yield* fs.writeFileString(path, "{\"seq\":1,")
      yield* fs.remove(`${path}.head`)
      expect((yield* (yield* makeAuditLogJsonl(path)).intent(start())).seq).toBe(3)
      expect(yield* log.verify).toMatchObject({ ok: true, records: 3, problems: [] })
      expect(tornFiles(yield* fs.readDirectory(`${dir}/state`))).toHaveLength(2)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("refuses, and touches nothing, when the torn tail hides records cut from the end", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      for (let i = 0; i < 3; i++) yield* log.intent(start())
      const raw = yield* lines(fs, path)
      const text = `${raw[0]}\n{"seq":2,"ts`
      yield* fs.writeFileString(path, text)
      const result = yield* Effect.either((yield* makeAuditLogJsonl(path)).intent(start()))
      expect(Either.isLeft(result) && result.left.message).toMatch(/damaged \(head anchor .*removed from the end/)
      expect(yield* fs.readFileString(path)).toBe(text)
      expect(tornFiles(yield* fs.readDirectory(`${dir}/state`))).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
