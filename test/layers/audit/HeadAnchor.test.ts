import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { makeAuditLogJsonl } from "../../../src/layers/AuditLogJsonl.js"
import { edit, lines, rehash, start, tempLog } from "../../support/AuditFixtures.js"

const hashOf = (line: string | undefined) => (JSON.parse(line ?? "{}") as { hash: string }).hash

const fourRecords = Effect.gen(function*() {
  const env = yield* tempLog
  const log = yield* makeAuditLogJsonl(env.path)
  for (let i = 0; i < 2; i++) yield* log.outcome(yield* log.intent(start()), { outcome: "ok", durationMs: 1 })
  return { ...env, log, anchor: `${env.path}.head` }
})

describe("AuditLogJsonl head anchor", () => {
  it.scoped("is rewritten after every append with the newest seq and hash", () =>
    Effect.gen(function*() {
      const { anchor, dir, fs, path } = yield* fourRecords
      const raw = yield* lines(fs, path)
      expect(JSON.parse(yield* fs.readFileString(anchor))).toEqual({ seq: 4, hash: hashOf(raw[3]) })
      expect((yield* fs.stat(anchor)).mode & 0o777).toBe(0o600)
      expect((yield* fs.readDirectory(`${dir}/state`)).sort()).toEqual(["audit.jsonl", "audit.jsonl.head"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("catches the last lines deleted: verify fails and appends refuse", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* fourRecords
      const raw = yield* lines(fs, path)
      yield* fs.writeFileString(path, `${raw.slice(0, 2).join("\n")}\n`)
      const report = yield* (yield* makeAuditLogJsonl(path)).verify
      expect(report.ok).toBe(false)
      expect(report.problems).toEqual([
        { line: 0, seq: 4, reason: expect.stringMatching(/ends at seq 2: records were removed from the end/) }
      ])
      const refused = yield* Effect.either((yield* makeAuditLogJsonl(path)).intent(start()))
      expect(Either.isLeft(refused) && refused.left.message).toMatch(
        /damaged \(head anchor is at seq 4.*homelab-mcp verify.*delete .*audit\.jsonl\.head\)/
      )
      yield* fs.remove(path)
      expect((yield* (yield* makeAuditLogJsonl(path)).verify).ok).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("catches a tail rewritten with consistent hashes", () =>
    Effect.gen(function*() {
      const { fs, log, path } = yield* fourRecords
      const raw = yield* lines(fs, path)
      const forged = rehash([...raw.slice(0, 3), edit(raw[3] ?? "", { outcome: "error" })], 3)
      yield* fs.writeFileString(path, `${forged.join("\n")}\n`)
      const report = yield* log.verify
      expect(report.ok).toBe(false)
      expect(report.problems).toEqual([{ line: 4, seq: 4, reason: expect.stringMatching(/rewritten/) }])
      expect(Either.isLeft(yield* Effect.either(log.intent(start())))).toBe(true)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("a missing anchor is only a warning, and the next append recreates it", () =>
    Effect.gen(function*() {
      const { anchor, fs, log, path } = yield* fourRecords
      yield* fs.remove(anchor)
      const report = yield* log.verify
      expect(report.ok).toBe(true)
      expect(report.problems).toEqual([{ line: 0, reason: expect.stringMatching(/^warning: head anchor missing/) }])
      const fresh = yield* makeAuditLogJsonl(path)
      expect((yield* fresh.intent(start())).seq).toBe(5)
      expect(yield* fresh.verify).toMatchObject({ ok: true, records: 5, problems: [] })
      expect(JSON.parse(yield* fs.readFileString(anchor))).toMatchObject({ seq: 5 })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("an anchor behind the log is fine; a corrupt one fails verify and appends", () =>
    Effect.gen(function*() {
      const { anchor, fs, log, path } = yield* fourRecords
      const behind = yield* fs.readFileString(anchor)
      yield* log.intent(start())
      yield* fs.writeFileString(anchor, behind)
      expect(yield* (yield* makeAuditLogJsonl(path)).verify).toMatchObject({ ok: true, problems: [] })
      expect((yield* (yield* makeAuditLogJsonl(path)).intent(start())).seq).toBe(6)
      yield* fs.writeFileString(anchor, "{\"seq\":6")
      const report = yield* log.verify
      expect(report.ok).toBe(false)
      expect(report.problems[0]?.reason).toMatch(/head anchor unreadable/)
      expect(Either.isLeft(yield* Effect.either((yield* makeAuditLogJsonl(path)).intent(start())))).toBe(true)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
