import type { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Either, TestClock } from "effect"
import { hostname } from "node:os"
import { targetKey } from "../../../src/domain/Backup.js"
import { bytesOf, filesUnder, host, put, restored, sha, tempStore } from "./Fixtures.js"

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem | Scope.Scope>) =>
  eff.pipe(Effect.provide(NodeFileSystem.layer))

/** `n` bytes of text that differ per label. */
const sized = (label: string, n: number) => bytesOf(label.padEnd(n, "."))

const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000

describe("BackupStoreFs retention (§6.6, N6, K2)", () => {
  it.scoped("keeps at most PER_FILE_VERSION_CAP versions per target, removing record and blob together", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore({ perFileVersionCap: 3 })
      const t = host("/etc/a")
      const results = []
      for (const i of [1, 2, 3, 4, 5]) results.push(yield* put(store, t, bytesOf(`v${i}`)))
      expect(results.map((r) => r.evicted)).toEqual([0, 0, 0, 1, 1])
      expect((yield* store.list(t)).map((v) => v.seq)).toEqual([5, 4, 3])
      expect(yield* filesUnder(fs, `${dir}/blobs`)).toEqual(["v3", "v4", "v5"].map((x) => sha(x)).sort())
      expect(yield* store.verify({ readData: true })).toMatchObject({ ok: true, versions: 3, blobs: 3 })
    })))

  it.scoped("never evicts the newest revertible version, nor a blob another target still uses", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore({ perFileVersionCap: 2 })
      const t = host("/etc/a")
      const good = yield* put(store, t, bytesOf("good"))
      yield* put(store, t, bytesOf("bad-1"))
      yield* fs.remove(`${dir}/blobs/${sha("bad-1")}`)
      yield* put(store, t, bytesOf("bad-2"))
      yield* fs.writeFileString(`${dir}/blobs/${sha("bad-2")}`, "tampered")
      // Seq 3 is the newest, but only seq 1 can be restored: it survives, the broken ones go.
      yield* put(store, t, bytesOf("next"))
      expect((yield* store.list(t)).map((v) => [v.seq, v.revertible])).toEqual([[4, true], [1, true]])
      expect(yield* restored(store, good.backupPath)).toBe("good")
      // A blob shared with another target outlives this target's version of it.
      const u = host("/etc/b")
      yield* put(store, u, bytesOf("next"))
      yield* put(store, t, bytesOf("newer"))
      yield* put(store, t, bytesOf("newest"))
      expect((yield* store.list(t)).map((v) => v.seq)).toEqual([6, 5])
      expect(yield* restored(store, (yield* store.list(u))[0]?.backupPath ?? "")).toBe("next")
    })))

  it.scoped("evicts for the global cap, then refuses (or warns) when only protected versions are left", () =>
    run(Effect.gen(function*() {
      const settings = { perFileVersionCap: 10, globalSizeCapBytes: 300 }
      const { dir, fs, store } = yield* tempStore({ ...settings, diskPressureFailSafe: "refuse" })
      yield* put(store, host("/a"), sized("a1", 100))
      yield* put(store, host("/a"), sized("a2", 100))
      yield* put(store, host("/b"), sized("b1", 100))
      const c = yield* put(store, host("/c"), sized("c1", 100))
      expect(c.evicted).toBe(1)
      expect((yield* store.list(host("/a"))).map((v) => v.seq)).toEqual([2])
      const refused = yield* Effect.either(put(store, host("/d"), sized("d1", 100)))
      expect(Either.isLeft(refused) && refused.left.message).toMatch(
        new RegExp(
          `backup store ${dir}: the backup store is over its cap of 300 bytes .*DISK_PRESSURE_FAIL_SAFE=refuse`
        )
      )
      expect(yield* store.list(host("/d"))).toEqual([])
      // A pre-image already stored adds nothing, so it still fits.
      expect((yield* put(store, host("/d"), sized("c1", 100))).warning).toBeUndefined()
      const other = (yield* tempStore({ ...settings, diskPressureFailSafe: "warn" })).store
      for (const n of ["x", "y", "z"]) yield* put(other, host(`/${n}`), sized(n, 100))
      const warned = yield* put(other, host("/w"), sized("w", 100))
      expect(warned.warning).toMatch(/over its cap of 300 bytes .*DISK_PRESSURE_FAIL_SAFE=warn/)
      expect(warned.record.seq).toBe(1)
      expect(yield* fs.exists(`${dir}/blobs/${sha("d1".padEnd(100, "."))}`)).toBe(false)
    })))

  it.scoped("orders by seq, never by timestamp: a clock 10 years ahead, then back, evicts no more than the cap (K2)", () =>
    run(Effect.gen(function*() {
      const { store } = yield* tempStore({ perFileVersionCap: 3, globalSizeCapBytes: 1_000_000 })
      const t = host("/etc/k2")
      yield* TestClock.setTime(Date.UTC(2026, 0, 1) + TEN_YEARS)
      for (const i of [1, 2]) yield* put(store, t, bytesOf(`future ${i}`))
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      for (const i of [3, 4, 5]) yield* put(store, t, bytesOf(`now ${i}`))
      yield* put(store, host("/etc/other"), bytesOf("other"))
      const listed = yield* store.list(t)
      expect(listed.map((v) => [v.seq, v.timestamp.slice(0, 4)])).toEqual([[5, "2026"], [4, "2026"], [3, "2026"]])
      expect(listed.every((v) => v.revertible)).toBe(true)
    })))

  it.scoped("skips the versions of a target another live process has locked", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore({ perFileVersionCap: 1 })
      const t = host("/etc/locked")
      yield* put(store, t, bytesOf("l1"))
      yield* put(store, t, bytesOf("l2"))
      // Written as another process would (the parent of this test run is alive), not through `lock`.
      yield* fs.writeFileString(`${dir}/locks/${targetKey(t)}.lock`, `${process.ppid}\n${hostname()}\n`)
      yield* put(store, host("/etc/other"), bytesOf("o1"))
      expect((yield* store.list(t)).map((v) => v.seq)).toEqual([2, 1])
      yield* fs.remove(`${dir}/locks/${targetKey(t)}.lock`)
      yield* put(store, host("/etc/other"), bytesOf("o2"))
      expect((yield* store.list(t)).map((v) => v.seq)).toEqual([2])
    })))
})
