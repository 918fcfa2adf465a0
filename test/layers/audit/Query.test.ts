import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readTail } from "../../../src/layers/audit/Query.js"
import { makeAuditLogJsonl } from "../../../src/layers/AuditLogJsonl.js"
import { lines, start, tempLog } from "../../support/AuditFixtures.js"

describe("AuditLogJsonl query size cap", () => {
  it.scoped("reads only the newest bytes, drops the line cut at the window, and keeps a whole first line", () =>
    Effect.gen(function*() {
      const { dir, fs } = yield* tempLog
      const file = `${dir}/t.txt`
      yield* fs.writeFileString(file, "aaa\nbbb\nccc\n")
      const tail = (max: number) =>
        Effect.scoped(Effect.flatMap(fs.open(file), (f) => readTail(f, 12, max))).pipe(
          Effect.map(({ skippedBytes, text }) => [text, skippedBytes])
        )
      expect(yield* tail(100)).toEqual(["aaa\nbbb\nccc\n", 0])
      expect(yield* tail(12)).toEqual(["aaa\nbbb\nccc\n", 0])
      expect(yield* tail(8)).toEqual(["bbb\nccc\n", 4])
      expect(yield* tail(7)).toEqual(["ccc\n", 8])
      expect(yield* tail(2)).toEqual(["", 12])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("says the result is truncated and the summary covers only the records read", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      for (let i = 0; i < 10; i++) yield* log.outcome(yield* log.intent(start()), { outcome: "ok", durationMs: 1 })
      const raw = yield* lines(fs, path)
      const lastThree = raw.slice(-3).join("\n").length + 1
      const capped = yield* (yield* makeAuditLogJsonl(path, [], { queryMaxBytes: lastThree })).query({ limit: 50 })
      // Lines 18-20: the outcome of seq 17 (its intent unread, so not shown), then intent 19 and its outcome.
      expect(capped.truncated).toBe(true)
      expect(capped.skippedLines).toBe(0)
      expect(capped.entries.map((e) => [e.seq, e.outcome])).toEqual([[19, "ok"]])
      expect(capped.summary.total).toBe(1)
      expect(capped.summary.firstTs).toBe(capped.entries[0]?.ts)
      const whole = yield* log.query({ limit: 50 })
      expect([whole.truncated, whole.summary.total, whole.skippedLines]).toEqual([false, 10, 0])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("counts corrupt lines as skipped", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      yield* log.intent(start())
      yield* fs.writeFileString(path, `${yield* fs.readFileString(path)}garbage\n{"seq":`)
      const result = yield* log.query({ limit: 5 })
      expect([result.summary.total, result.skippedLines, result.truncated]).toEqual([1, 2, false])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
