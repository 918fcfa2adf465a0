import { Effect, Option } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import type { Current } from "./PreImage.js"
import { classify } from "./Recovery.js"
import type { Resolved } from "./Resolve.js"

/** Steps of the managed write that talk to the node outside the core's sequence. */

/**
 * After a failed remote step: hash the target (bounded) and remove the write's temp files. `undefined` when the node
 * cannot tell (then the outcome stays as the failure says).
 */
export const settleAfterFailure = (target: BackupTarget, tag: string, before: string | null, after: string | null) =>
  Effect.gen(function*() {
    const files = yield* RemoteFiles
    yield* files.removeTemps(target, tag).pipe(Effect.timeout("10 seconds"), Effect.ignore)
    const live = yield* files.hash(target).pipe(Effect.timeout("10 seconds"), Effect.option)
    if (Option.isNone(live)) return undefined
    const sha = Option.getOrNull(live.value)
    return { state: classify(sha, before, after), sha256After: sha }
  })

/** Reads the target under its lock: its bytes, that it is absent, or (over the cap) only its hash and size. */
export const readCurrent = (resolved: Resolved, limit: number) =>
  Effect.gen(function*() {
    const files = yield* RemoteFiles
    const read = yield* files.read(resolved.target, limit).pipe(
      Effect.map(Option.match({
        onNone: (): Current => ({ kind: "absent" }),
        onSome: (content): Current => ({ kind: "content", content })
      })),
      Effect.catchTag("FileTooLarge", (e) =>
        Effect.map(files.hash(resolved.target), (sha): Current => ({
          kind: "too-large",
          sha256: Option.getOrElse(sha, () => ""),
          sizeBytes: e.sizeBytes,
          why: `the current file is ${e.sizeBytes} bytes, over the ${limit}-byte read cap`
        })))
    )
    return read
  })
