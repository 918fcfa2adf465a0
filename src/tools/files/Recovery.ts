import { Effect, Option } from "effect"
import { hostname } from "node:os"
import type { AuditRecord } from "../../domain/Audit.js"
import type { BackupTarget } from "../../domain/Backup.js"
import type { AuditLogShape } from "../../services/AuditLog.js"
import type { BackupStoreShape } from "../../services/BackupStore.js"
import type { RemoteFilesShape } from "../../services/RemoteFiles.js"
import type { RecoveryReport } from "../../services/WriteRecovery.js"

/** True when `pid` is a live process on this machine other than us (EPERM still means it exists). */
export const processAlive = (pid: number | undefined, host?: string): boolean => {
  // An intent written on another machine (a synced data dir) cannot be judged from here: treat it as alive.
  if (host !== undefined && host !== hostname()) return true
  if (pid === undefined || pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const targetOf = (w: NonNullable<AuditRecord["write"]>): BackupTarget =>
  w.targetKind === "host" ? { kind: "host", path: w.path } : { kind: w.targetKind, vmid: w.vmid ?? 0, path: w.path }

/** Which state the target is in, compared with the hashes the intent recorded. */
export const classify = (live: string | null, prev: string | null, next: string | null) =>
  live === prev ? "not-applied" as const : live === next ? "applied-unconfirmed" as const : "diverged" as const

/**
 * Gives every open intent of a dead process an outcome. Writes: the live target's hash decides `not-applied`,
 * `applied-unconfirmed` or `diverged` (under the target's lock), then the write's temp files are removed on the
 * node and locally. Other mutations (exec, lifecycle) cannot be checked and get `unknown`. Without node access
 * (observe, operate) write intents are left for a later start at companion.
 */
export const recoverWrites = (
  audit: AuditLogShape,
  store: BackupStoreShape,
  files: Option.Option<RemoteFilesShape>
): Effect.Effect<RecoveryReport> =>
  Effect.gen(function*() {
    const closed: Record<string, number> = {}
    const problems: Array<string> = []
    let left = 0
    let tempsRemoved = 0
    const pending = yield* Effect.orElseSucceed(audit.pending, (): ReadonlyArray<AuditRecord> => [])
    for (const intent of pending) {
      if (processAlive(intent.pid, intent.pidHost)) {
        left++
        continue
      }
      const handle = { id: intent.id, seq: intent.seq, tool: intent.tool, tier: intent.tier }
      const note = `recovered at startup: process ${intent.pid ?? "?"} ended before writing an outcome`
      const write = intent.write
      if (write === undefined) {
        const written = yield* Effect.either(audit.outcome(handle, { outcome: "unknown", note, durationMs: 0 }))
        if (written._tag === "Left") problems.push(`audit ${intent.id}: ${written.left.message}`)
        else closed.unknown = (closed.unknown ?? 0) + 1
        continue
      }
      if (Option.isNone(files)) {
        left++
        continue
      }
      const remote = files.value
      const target = targetOf(write)
      const done = yield* Effect.gen(function*() {
        yield* store.lock(target)
        // Temps first: a node script that outlived its server can then no longer commit, so the hash read next
        // is final.
        tempsRemoved += yield* remote.removeTemps(target, intent.id)
        tempsRemoved += yield* store.removeTemps(intent.id)
        const live = Option.getOrNull(yield* remote.hash(target))
        const outcome = classify(live, write.prevSha256, write.newSha256)
        yield* audit.outcome(handle, {
          outcome,
          note: `${note}; the target hashes to ${live ?? "nothing (missing)"}`,
          result: { sha256After: live },
          durationMs: 0
        })
        return outcome
      }).pipe(Effect.scoped, Effect.either)
      if (done._tag === "Left") {
        left++
        problems.push(`${write.target} (audit ${intent.id}): ${done.left.message}`)
      } else closed[done.right] = (closed[done.right] ?? 0) + 1
    }
    tempsRemoved += yield* store.removeTemps()
    return { closed, left, tempsRemoved, problems }
  })
