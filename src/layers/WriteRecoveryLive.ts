import { Deferred, Effect, Layer, Option } from "effect"
import { AuditLog } from "../services/AuditLog.js"
import { BackupStore } from "../services/BackupStore.js"
import { RemoteFiles } from "../services/RemoteFiles.js"
import type { RecoveryReport } from "../services/WriteRecovery.js"
import { WriteRecovery } from "../services/WriteRecovery.js"
import { recoverWrites } from "../tools/files/Recovery.js"

const logReport = (r: RecoveryReport) => {
  const closed = Object.entries(r.closed).map(([k, n]) => `${k}=${n}`).join(" ")
  const said = closed === "" && r.tempsRemoved === 0 && r.left === 0
    ? Effect.void
    : Effect.logWarning(
      `recovery: closed ${closed === "" ? "none" : closed}, left open ${r.left}, temp files removed ${r.tempsRemoved}`
    )
  return Effect.zipRight(said, Effect.forEach(r.problems, (p) => Effect.logWarning(`recovery: ${p}`)))
}

/** Runs recovery in the background from startup; `ready` completes when it is done. */
const start = (files: Option.Option<RemoteFiles["Type"]>) =>
  Effect.gen(function*() {
    const audit = yield* AuditLog
    const store = yield* BackupStore
    const done = yield* Deferred.make<RecoveryReport>()
    yield* recoverWrites(audit, store, files).pipe(
      Effect.tap(logReport),
      Effect.catchAllCause((cause) =>
        Effect.as(Effect.logWarning("recovery failed", cause), { closed: {}, left: 0, tempsRemoved: 0, problems: [] })
      ),
      Effect.flatMap((r) => Deferred.succeed(done, r)),
      Effect.forkScoped
    )
    return WriteRecovery.of({ ready: Deferred.await(done) })
  })

/** Companion and root: write intents are checked against the node. */
export const WriteRecoveryLive = Layer.scoped(WriteRecovery, Effect.flatMap(RemoteFiles, (f) => start(Option.some(f))))

/** Observe and operate: no node file access, so only non-write intents are closed. */
export const WriteRecoveryLocal = Layer.scoped(WriteRecovery, start(Option.none()))
