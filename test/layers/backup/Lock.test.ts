import type { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Cause, Clock, Deferred, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { spawnSync } from "node:child_process"
import { hostname } from "node:os"
import { targetKey } from "../../../src/domain/Backup.js"
import { bytesOf, filesUnder, host, put, tempStore } from "./Fixtures.js"

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem | Scope.Scope>) =>
  eff.pipe(Effect.provide(NodeFileSystem.layer))

/** A pid that is not running: a child that has exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid ?? 0x3ffffffe

/** Lets real file I/O finish between TestClock steps. */
const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))

/** Advances the TestClock in 50 ms steps until the fiber ends; returns its exit and the test time it took. */
const driveUntilDone = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, start: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2_000 && (yield* Fiber.poll(fiber))._tag === "None"; i++) {
      yield* settle
      yield* TestClock.adjust("50 millis")
    }
    const exit = yield* Fiber.await(fiber)
    return { exit, elapsed: (yield* Clock.currentTimeMillis) - start }
  })

describe("BackupStoreFs per-target lock (G4)", () => {
  it.scoped("a second writer waits about 10 s for a live holder, then fails naming the target", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/app.conf")
      const lockFile = `${dir}/locks/${targetKey(t)}.lock`
      // Another process on this host (the parent of this test run) holds the lock.
      yield* fs.makeDirectory(`${dir}/locks`, { recursive: true })
      yield* fs.writeFileString(lockFile, `${process.ppid}\n${hostname()}\n`)
      const start = yield* Clock.currentTimeMillis
      const fiber = yield* Effect.fork(Effect.scoped(store.lock(t)))
      yield* settle
      yield* TestClock.adjust("5 seconds")
      yield* settle
      expect((yield* Fiber.poll(fiber))._tag).toBe("None")
      const { elapsed, exit } = yield* driveUntilDone(fiber, start)
      expect(elapsed).toBeGreaterThanOrEqual(10_000)
      expect(elapsed).toBeLessThan(11_000)
      const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.map(failure, (e) => [e._tag, e.message])).toEqual(Option.some([
        "BackupUnavailable",
        expect.stringMatching(
          /another homelab-mcp process is writing host:\/etc\/app\.conf; try again \(lock .* held by pid \d+ on /
        )
      ]))
      expect(yield* fs.readFileString(lockFile)).toBe(`${process.ppid}\n${hostname()}\n`)
    })))

  it.scoped("a writer in this process waits for the holder's scope to close, then gets the lock", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/app.conf")
      const release = yield* Deferred.make<void>()
      const held = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(
        Effect.scoped(
          Effect.zipRight(store.lock(t), Effect.zipRight(Deferred.succeed(held, undefined), Deferred.await(release)))
        )
      )
      yield* Deferred.await(held)
      const start = yield* Clock.currentTimeMillis
      const waiter = yield* Effect.fork(Effect.scoped(Effect.zipRight(store.lock(t), Clock.currentTimeMillis)))
      for (let i = 0; i < 20; i++) {
        yield* settle
        yield* TestClock.adjust("50 millis")
      }
      expect((yield* Fiber.poll(waiter))._tag).toBe("None")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const { exit } = yield* driveUntilDone(waiter, start)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* filesUnder(fs, `${dir}/locks`)).toEqual([])
    })))

  it.scoped("takes over a stale lock: a dead pid, or one this process left behind", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/app.conf")
      const lockFile = `${dir}/locks/${targetKey(t)}.lock`
      yield* fs.makeDirectory(`${dir}/locks`, { recursive: true })
      for (const stale of [`${deadPid()}\n${hostname()}\n`, `${process.pid}\n${hostname()}\n`]) {
        yield* fs.writeFileString(lockFile, stale)
        yield* Effect.scoped(Effect.gen(function*() {
          yield* store.lock(t)
          expect(yield* fs.readFileString(lockFile)).toBe(`${process.pid}\n${hostname()}\n`)
          // While held, retention leaves the target alone only when someone else holds it; a put still works.
          yield* put(store, t, bytesOf("while locked"))
        }))
        expect(yield* filesUnder(fs, `${dir}/locks`)).toEqual([])
      }
    })))
})
