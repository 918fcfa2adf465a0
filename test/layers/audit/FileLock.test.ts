import type { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Ref } from "effect"
import { spawnSync } from "node:child_process"
import { hostname } from "node:os"
import { makeFileLock } from "../../../src/layers/audit/FileLock.js"
import { makeAuditLogJsonl } from "../../../src/layers/AuditLogJsonl.js"
import { start, tempLog } from "../../support/AuditFixtures.js"

const owner = (pid: number, ageMs = 0, host = hostname()) =>
  `${JSON.stringify({ pid, host, ts: new Date(Date.now() - ageMs).toISOString(), nonce: "n-1" })}\n`

/** A pid that is not running: a child that has exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid ?? 0x3ffffffe

const setup = Effect.gen(function*() {
  const env = yield* tempLog
  yield* env.fs.makeDirectory(`${env.dir}/state`)
  return { ...env, lock: `${env.path}.lock` }
})

const leftovers = (fs: FileSystem.FileSystem, dir: string) =>
  fs.readDirectory(`${dir}/state`).pipe(Effect.map((files) => files.filter((f) => f.includes(".lock"))))

describe("FileLock", () => {
  it.scopedLive("breaks a lock whose process is gone, one left by an earlier process with our pid, and an old one", () =>
    Effect.gen(function*() {
      const { dir, fs, lock, path } = yield* setup
      const log = yield* makeAuditLogJsonl(path)
      for (const content of [owner(deadPid()), owner(process.pid), owner(process.ppid, 31_000, "elsewhere"), ""]) {
        yield* fs.writeFileString(lock, content)
        if (content === "") yield* fs.utimes(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
        yield* log.intent(start())
        expect(yield* leftovers(fs, dir)).toEqual([])
      }
      // A breaker that died while breaking left `<lock>.break` behind: it is stale too.
      yield* fs.writeFileString(lock, owner(deadPid()))
      yield* fs.writeFileString(`${lock}.break`, owner(deadPid()))
      yield* log.intent(start())
      expect(yield* leftovers(fs, dir)).toEqual([])
      expect(yield* log.verify).toMatchObject({ ok: true, records: 5 })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("waits for a live holder, then fails naming the lock file; a fresh empty lock is not stale", () =>
    Effect.gen(function*() {
      const { fs, lock, path } = yield* setup
      const log = yield* makeAuditLogJsonl(path, [], { lock: { timeoutMs: 150 } })
      for (const content of [owner(process.ppid), owner(process.ppid, 0, "elsewhere"), ""]) {
        yield* fs.writeFileString(lock, content)
        const result = yield* Effect.either(log.intent(start()))
        expect(Either.isLeft(result) && result.left.message).toMatch(
          new RegExp(`lock ${lock}: held by another process .*delete the lock file`)
        )
        expect(yield* fs.readFileString(lock)).toBe(content)
      }
      expect(yield* fs.exists(path)).toBe(false)
      yield* fs.remove(lock)
      expect((yield* log.intent(start())).seq).toBe(1)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("releases on failure and on interruption, and an interrupted waiter leaves nothing", () =>
    Effect.gen(function*() {
      const { dir, fs, lock } = yield* setup
      const a = makeFileLock(fs, lock, { timeoutMs: 5_000, staleMs: 30_000 })
      const b = makeFileLock(fs, lock, { timeoutMs: 5_000, staleMs: 30_000 })
      expect(Either.isLeft(yield* Effect.either(a.withLock(Effect.fail("boom"))))).toBe(true)
      expect(yield* leftovers(fs, dir)).toEqual([])
      const entered = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(a.withLock(Effect.zipRight(Deferred.succeed(entered, undefined), Effect.never)))
      yield* Deferred.await(entered)
      const waiter = yield* Effect.fork(b.withLock(Effect.void))
      yield* Effect.sleep("30 millis")
      yield* Fiber.interrupt(waiter)
      expect(yield* leftovers(fs, dir)).toEqual(["audit.jsonl.lock"])
      yield* Fiber.interrupt(holder)
      expect(yield* leftovers(fs, dir)).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("lets exactly one holder in at a time, also while many contenders break a stale lock", () =>
    Effect.gen(function*() {
      const { dir, fs, lock } = yield* setup
      yield* fs.writeFileString(lock, owner(deadPid()))
      const inside = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const critical = Effect.gen(function*() {
        const n = yield* Ref.updateAndGet(inside, (x) => x + 1)
        yield* Ref.update(most, (m) => Math.max(m, n))
        yield* Effect.sleep("1 millis")
        yield* Ref.update(inside, (x) => x - 1)
      })
      const locks = Array.from({ length: 12 }, () => makeFileLock(fs, lock, { timeoutMs: 5_000, staleMs: 30_000 }))
      yield* Effect.all(locks.map((l) => Effect.repeatN(l.withLock(critical), 4)), { concurrency: "unbounded" })
      expect(yield* Ref.get(most)).toBe(1)
      expect(yield* leftovers(fs, dir)).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
