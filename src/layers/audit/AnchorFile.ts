import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either, Option } from "effect"
import { randomUUID } from "node:crypto"
import type { AnchorState, HeadAnchor } from "../../domain/audit/HeadAnchor.js"
import { encodeAnchor, parseAnchor } from "../../domain/audit/HeadAnchor.js"

const encoder = new TextEncoder()

/** The anchor's path next to the log. */
export const anchorPathOf = (logPath: string) => `${logPath}.head`

/** Reads the anchor; a missing file is `None`, one that cannot be read or decoded is `Some(Left(why))`. */
export const readAnchor = (fs: FileSystem.FileSystem, anchorPath: string): Effect.Effect<AnchorState> =>
  fs.readFileString(anchorPath).pipe(
    Effect.map((text) => Option.some(parseAnchor(text))),
    Effect.catchAll((e): Effect.Effect<AnchorState> =>
      e._tag === "SystemError" && e.reason === "NotFound"
        ? Effect.succeedNone
        : Effect.succeed(Option.some(Either.left(e.message)))
    )
  )

/**
 * Writes a whole file atomically: a temporary file in the same directory, written, `fsync`ed, then renamed over
 * `target`. The temporary file is removed if any step fails. (The directory is not `fsync`ed: losing the rename in a
 * crash leaves the previous content, which is acceptable for the anchor.)
 */
export const writeAtomic = (
  fs: FileSystem.FileSystem,
  target: string,
  bytes: Uint8Array
): Effect.Effect<void, PlatformError> => {
  const temp = `${target}.tmp-${process.pid}-${randomUUID()}`
  return Effect.scoped(Effect.gen(function*() {
    const file = yield* fs.open(temp, { flag: "wx", mode: 0o600 })
    yield* file.writeAll(bytes)
    yield* file.sync
  })).pipe(
    Effect.zipRight(fs.rename(temp, target)),
    Effect.tapError(() => fs.remove(temp).pipe(Effect.ignore))
  )
}

export const writeAnchor = (fs: FileSystem.FileSystem, anchorPath: string, anchor: HeadAnchor) =>
  writeAtomic(fs, anchorPath, encoder.encode(encodeAnchor(anchor)))
