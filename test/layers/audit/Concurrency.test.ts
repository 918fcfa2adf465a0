import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { makeAuditLogJsonl } from "../../../src/layers/AuditLogJsonl.js"
import type { AuditLogShape } from "../../../src/services/AuditLog.js"
import { start, tempLog } from "../../support/AuditFixtures.js"

/** The whole chain holds: seq 1..total in order, and every intent has exactly one outcome. */
const expectIntact = (log: AuditLogShape, total: number) =>
  Effect.gen(function*() {
    expect(yield* log.verify).toEqual({ path: log.path, records: total, ok: true, problems: [] })
    const all = yield* log.query({ limit: total })
    expect(all.summary.total).toBe(total / 2)
    expect(all.summary.byOutcome).toEqual({ ok: total / 2 })
  })

describe("AuditLogJsonl across processes", () => {
  it.scopedLive("keeps one chain when 8 separate instances (as separate processes would) append at once", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const instances = yield* Effect.all(Array.from({ length: 8 }, () => makeAuditLogJsonl(path)))
      const checker = yield* makeAuditLogJsonl(path)
      yield* Effect.all(
        instances.map((log) =>
          Effect.forEach(
            Array.from({ length: 10 }),
            () => Effect.flatMap(log.intent(start()), (h) => log.outcome(h, { outcome: "ok", durationMs: 0 }))
          )
        ),
        { concurrency: "unbounded" }
      )
      yield* expectIntact(checker, 160)
      expect(yield* fs.exists(`${path}.lock`)).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("keeps one chain when 4 node processes append at once", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      yield* fs.makeDirectory(`${dir}/state`)
      const perProcess = 15
      const children = Array.from({ length: 4 }, () =>
        spawn(process.execPath, ["--import", "tsx", "test/support/auditAppender.ts", path, String(perProcess)], {
          stdio: ["ignore", "pipe", "pipe"]
        }))
      const stderr: Array<string> = []
      const exits = children.map((child) =>
        new Promise<number | null>((resolve) => {
          child.stderr.on("data", (chunk: Buffer) =>
            stderr.push(chunk.toString()))
          child.on("exit", (code) =>
            resolve(code))
        })
      )
      yield* Effect.promise(() =>
        Promise.all(children.map((child) =>
          new Promise<void>((resolve) =>
            createInterface({ input: child.stdout }).once("line", () => resolve())
          )
        ))
      )
      yield* fs.writeFileString(`${path}.go`, "")
      const codes = yield* Effect.promise(() => Promise.all(exits))
      expect(stderr.join("").slice(0, 2000)).toBe("")
      expect(codes).toEqual([0, 0, 0, 0])
      yield* expectIntact(yield* makeAuditLogJsonl(path), 4 * perProcess * 2)
      expect(yield* fs.exists(`${path}.lock`)).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)
})
