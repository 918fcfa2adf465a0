import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import type { PreImage } from "../../../src/services/BackupStore.js"
import type { FaultKind } from "../../support/FaultFs.js"
import { FaultControl, layer as faultFs } from "../../support/FaultFs.js"
import { bytesOf, filesUnder, host, put, restored, tempStore } from "./Fixtures.js"

const kinds: ReadonlyArray<FaultKind> = ["ENOSPC", "EIO", "EROFS", "short"]

/** Pre-images that take different paths through `put`: a new blob, a blob already stored, a new-file marker. */
const shapes: ReadonlyArray<readonly [string, (n: number) => PreImage]> = [
  ["new blob", (n) => bytesOf(`new content ${n}\n`.repeat(50))],
  ["stored blob", () => bytesOf("v1\n")],
  ["absent", () => ({ kind: "absent" })]
]

describe("BackupStoreFs under local storage faults (G1, G3, §5.4)", () => {
  it.scoped("a fault at every call of a put fails it cleanly: nothing half-written, earlier versions intact", () =>
    Effect.gen(function*() {
      const control = yield* FaultControl
      const { dir, fs, store } = yield* tempStore({ perFileVersionCap: 1_000, globalSizeCapBytes: 1e9 })
      const t = host("/etc/app.conf")
      const other = host("/etc/other.conf")
      yield* put(store, t, bytesOf("v1\n"), "seed-1")
      yield* put(store, t, bytesOf("v2\n"), "seed-2")
      yield* put(store, other, bytesOf("v1\n"), "seed-3")
      let attempts = 0
      for (const kind of kinds) {
        for (const [shape, preImage] of shapes) {
          for (let n = 1;; n++) {
            const before = yield* store.list(t)
            yield* control.arm(kind, n)
            const result = yield* Effect.either(put(store, t, preImage(attempts), `fault-${attempts}`))
            const { calls, fired } = yield* control.status
            yield* control.arm(kind, 0)
            const label = `${kind} at call ${n} of ${calls}, ${shape}`
            if (!fired) {
              // Past the last call: the put went through untouched.
              expect(Either.isRight(result), label).toBe(true)
              expect(n, label).toBeGreaterThan(1)
              break
            }
            attempts++
            expect(Either.isLeft(result) && result.left._tag, label).toBe("BackupUnavailable")
            if (Either.isLeft(result)) {
              expect(result.left.message, label).toContain(dir)
              expect(result.left.message, label).toMatch(kind === "short" ? /short write|EIO/ : new RegExp(kind))
            }
            expect(yield* store.list(t), label).toEqual(before)
            expect(before.every((v) => v.revertible), label).toBe(true)
            expect(yield* restored(store, before[before.length - 1]?.backupPath ?? ""), label).toBe("v1\n")
            const leftovers = (yield* filesUnder(fs, dir)).filter((f) => f.includes("tmp-") || f.startsWith("locks/"))
            expect(leftovers, label).toEqual([])
            expect((yield* store.verify({ readData: true })).problems, label).toEqual([])
          }
        }
      }
      expect(attempts).toBeGreaterThan(40)
      const last = yield* put(store, t, bytesOf("after the faults\n"))
      expect(yield* restored(store, last.backupPath)).toBe("after the faults\n")
      expect(yield* restored(store, (yield* store.list(other))[0]?.backupPath ?? "")).toBe("v1\n")
    }).pipe(Effect.provide(faultFs)))

  it.scoped("a lock file torn by a full disk is removed, and the next writer gets the lock", () =>
    Effect.gen(function*() {
      const control = yield* FaultControl
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/app.conf")
      yield* control.arm("short", 1)
      const failed = yield* Effect.either(Effect.scoped(store.lock(t)))
      expect(Either.isLeft(failed) && failed.left.message).toMatch(/creating the lock .* failed/)
      expect(yield* filesUnder(fs, `${dir}/locks`)).toEqual([])
      yield* control.arm("short", 0)
      yield* Effect.scoped(store.lock(t))
    }).pipe(Effect.provide(faultFs)))
})
