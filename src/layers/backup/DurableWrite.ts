import type { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { basename, dirname } from "node:path"
import type { CrashStep } from "../../domain/CrashPoint.js"
import { crashAt } from "../../domain/CrashPoint.js"
import { BackupUnavailable } from "../../domain/Errors.js"
import { tempPrefix } from "./Layout.js"

/** Crash-test steps of one durable write: temp file written, temp file synced, renamed into place (dir synced). */
export interface CrashPoints {
  readonly tmp?: CrashStep
  readonly fsync?: CrashStep
  readonly rename?: CrashStep
}

/** A failure as the store reports it: it names the store's directory, the step and the cause (errno and all). */
export const unavailable = (dir: string, what: string, cause?: { readonly message: string }) =>
  new BackupUnavailable({
    dir,
    message: `backup store ${dir}: ${what}${cause === undefined ? "" : ` failed: ${cause.message}`}`
  })

/**
 * Durable file writes inside the store (the restic recipe): write `tmp-<auditId>-<random>` in the target's directory,
 * `fsync` it, check its size, close it, rename it over the final name, and `fsync` the directory. Any failure fails
 * with BackupUnavailable and leaves nothing behind: the temp file is removed, and a file already renamed into place
 * (its directory entry not durable) is removed again. `fsync` is never retried on a descriptor that failed (an EIO
 * may have dropped the dirty pages): the write fails, and a later write starts from scratch.
 */
export const makeDurableWriter = (fs: FileSystem.FileSystem, storeDir: string) => {
  const syncDir = (folder: string) => Effect.scoped(Effect.flatMap(fs.open(folder, { flag: "r" }), (d) => d.sync))
  const removeQuietly = (path: string) => fs.remove(path).pipe(Effect.ignore)

  const crash = (step: CrashStep | undefined) => Effect.sync(() => step === undefined ? undefined : crashAt(step))

  const writeTemp = (tmp: string, bytes: Uint8Array, points: CrashPoints) =>
    Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(tmp, { flag: "wx", mode: 0o600 })
      const written = Number(yield* file.write(bytes))
      if (written !== bytes.length) {
        return yield* Effect.fail({ message: `short write, ${written} of ${bytes.length} bytes` })
      }
      yield* crash(points.tmp)
      yield* file.sync
      yield* crash(points.fsync)
      const size = Number((yield* file.stat).size)
      if (size !== bytes.length) return yield* Effect.fail({ message: `size is ${size} bytes, not ${bytes.length}` })
    }))

  /**
   * Writes `bytes` to `path` durably; `auditId` names the temp file so recovery can find it. `points` name the
   * crash-test steps (security.md §5.3) passed on the way.
   */
  const write = (
    path: string,
    bytes: Uint8Array,
    auditId: string,
    points: CrashPoints = {}
  ): Effect.Effect<void, BackupUnavailable> =>
    Effect.gen(function*() {
      const folder = dirname(path)
      const tmp = `${folder}/${tempPrefix(auditId)}${randomBytes(6).toString("hex")}`
      const name = `${basename(folder)}/${basename(path)}`
      yield* writeTemp(tmp, bytes, points).pipe(
        Effect.mapError((e) => unavailable(storeDir, `writing ${name} (temp file ${basename(tmp)})`, e)),
        Effect.tapError(() => removeQuietly(tmp))
      )
      yield* fs.rename(tmp, path).pipe(
        Effect.mapError((e) => unavailable(storeDir, `renaming the temp file to ${name}`, e)),
        Effect.tapError(() => removeQuietly(tmp))
      )
      yield* syncDir(folder).pipe(
        Effect.mapError((e) => unavailable(storeDir, `syncing the directory of ${name}`, e)),
        Effect.tapError(() => removeQuietly(path))
      )
      yield* crash(points.rename)
    }).pipe(Effect.uninterruptible)

  return { write, syncDir }
}
