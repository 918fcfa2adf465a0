import { Clock, Effect, Exit, Option, Ref } from "effect"
import { descriptor } from "../../domain/Backup.js"
import { crashArmed, crashAt } from "../../domain/CrashPoint.js"
import { ContentChanged, NodeCommandFailed } from "../../domain/Errors.js"
import type { ToolFailure } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { AuditLog } from "../../services/AuditLog.js"
import { BackupStore } from "../../services/BackupStore.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import { MutationGate } from "../../services/TierGate.js"
import { WriteRecovery } from "../../services/WriteRecovery.js"
import { outcomeOf } from "../Runner.js"
import type { WriteResult } from "./Outcome.js"
import type { Current } from "./PreImage.js"
import { currentSha, keepPreImage } from "./PreImage.js"
import { auditRefusal } from "./Refusal.js"
import type { Resolved } from "./Resolve.js"
import { describeChange, sha256Hex } from "./Summary.js"
import { readCurrent, settleAfterFailure } from "./WriteSteps.js"

export interface WritePlan<E, R> {
  readonly tool: string
  readonly args: unknown
  readonly resolved: Resolved
  /** The new bytes from the current content (read under the lock); `null` deletes the file. */
  readonly compute: (current: Current) => Effect.Effect<Uint8Array | null, E, R>
  readonly expectedSha256?: string | undefined
  readonly allowUnbacked: boolean
  readonly dryRun: boolean
  readonly note?: string | undefined
}

/**
 * One managed write (security.md §5.2): per-target lock → read → compare-and-swap → pre-image durable → audit
 * intent → remote write (temp, fsync, rename) → re-read hash → audit outcome → unlock. A dry run stops after the
 * diff. Every refusal is audited; an interruption after the remote write started is recorded as `unknown`.
 */
export const managedWrite = <E extends ToolFailure, R>(plan: WritePlan<E, R>) =>
  Effect.gen(function*() {
    const { tier } = yield* MutationGate
    // Intents a crashed process left open are settled before any new write.
    yield* (yield* WriteRecovery).ready
    const config = yield* AppConfig
    const audit = yield* AuditLog
    const store = yield* BackupStore
    const files = yield* RemoteFiles
    const { resolved } = plan
    const target = resolved.target
    const vmid = target.kind === "host" ? {} : { vmid: target.vmid ?? 0 }
    const fields = {
      tool: plan.tool,
      tier,
      args: plan.args,
      path: resolved.requested.path,
      ...vmid,
      ...(tier === "root" ? { rootTier: true } : {})
    }
    yield* store.lock(target).pipe(Effect.catchAll((e) => auditRefusal(audit, fields, e)))
    crashAt("after-lock")
    const limit = Math.max(config.files.readFileMaxBytes, config.files.largeFileBytes)
    const current = yield* readCurrent(resolved, limit)
    crashAt("after-read")
    const before = currentSha(current)
    if (plan.expectedSha256 !== undefined && plan.expectedSha256 !== before) {
      return yield* auditRefusal(
        audit,
        fields,
        new ContentChanged({
          path: target.path,
          expectedSha256: plan.expectedSha256,
          actualSha256: before,
          message: `${target.path} changed since it was read: it hashes to ${before ?? "nothing (deleted)"}, ` +
            `not ${plan.expectedSha256}. Nothing was written.`
        })
      )
    }
    const next = yield* plan.compute(current)
    const after = next === null ? null : sha256Hex(next)
    const change = describeChange(target.path, current, next, config)
    const base: WriteResult = {
      dryRun: plan.dryRun,
      path: resolved.requested.path,
      resolvedPath: target.path,
      ...vmid,
      changed: before !== after,
      auditId: null,
      backupPath: null,
      revertible: false,
      sha256Before: before,
      sha256After: after,
      ...change
    }
    if (plan.dryRun || before === after) return base
    const started = yield* Clock.currentTimeMillis
    const auditId = crypto.randomUUID()
    const kept = yield* keepPreImage(store, config, {
      target,
      current,
      auditId,
      newSha256: after,
      allowUnbacked: plan.allowUnbacked
    }).pipe(Effect.catchAll((e) => auditRefusal(audit, fields, e)))
    const backupPath = Option.map(kept.stored, (s) => s.backupPath)
    const remoteStarted = yield* Ref.make(false)
    const notes = [plan.note, kept.unbacked === undefined ? undefined : `UNBACKED: ${kept.unbacked}`]
      .filter((n): n is string => n !== undefined)
    const intent = {
      id: auditId,
      ...fields,
      ...(notes.length === 0 ? {} : { note: notes.join("; ") }),
      isLargeChange: change.isLargeChange,
      write: {
        target: descriptor(target),
        targetKind: target.kind,
        ...vmid,
        path: target.path,
        prevSha256: before,
        newSha256: after,
        ...Option.match(backupPath, { onNone: () => ({}), onSome: (p) => ({ backupPath: p }) }),
        ...(kept.unbacked === undefined ? {} : { unbacked: true }),
        sizeBytes: next?.length ?? 0
      }
    }
    return yield* Effect.acquireUseRelease(
      audit.intent(intent),
      () =>
        Effect.gen(function*() {
          crashAt("after-intent")
          yield* Ref.set(remoteStarted, true)
          const mode = resolved.stat.exists
            ? { mode: resolved.stat.mode, uid: resolved.stat.uid, gid: resolved.stat.gid }
            : { mode: config.files.newFileMode, uid: config.files.newFileUid, gid: config.files.newFileGid }
          const report = next === null
            ? yield* Effect.as(files.remove(target, { tag: auditId, expectSha256: before }), undefined)
            : yield* files.write(target, next, {
              tag: auditId,
              expectSha256: before,
              ...mode,
              ...(crashArmed("after-remote-tmp") ? { stopAfterStaging: true } : {})
            }).pipe(Effect.ensuring(Effect.sync(() => crashAt("after-remote-tmp"))))
          crashAt("after-remote-rename")
          const now = Option.getOrNull(yield* files.hash(target))
          if (now !== after) {
            return yield* new NodeCommandFailed({
              exitCode: null,
              message: `after the write ${target.path} hashes to ${now ?? "nothing (missing)"}, not ${
                after ?? "nothing (deleted)"
              }; the pre-image is kept${Option.isSome(backupPath) ? ` at ${backupPath.value}` : ""}`
            })
          }
          crashAt("after-verify")
          const warnings = [
            ...Option.match(kept.stored, {
              onNone: () => [],
              onSome: (s) => (s.warning === undefined ? [] : [s.warning])
            })
          ]
          return {
            ...base,
            auditId,
            backupPath: Option.getOrNull(backupPath),
            revertible: Option.isSome(backupPath) && kept.unbacked === undefined,
            ...(report === undefined ? {} : { atomic: report.atomic, notPreserved: report.notPreserved }),
            ...(kept.unbacked === undefined ? {} : { unbacked: kept.unbacked }),
            ...(warnings.length === 0 ? {} : { warnings })
          } satisfies WriteResult
        }),
      (handle, exit) =>
        Effect.gen(function*() {
          const durationMs = (yield* Clock.currentTimeMillis) - started
          const sent = yield* Ref.get(remoteStarted)
          const base = outcomeOf(exit)
          // The remote step began and did not report success: look at the target instead of guessing, and clear
          // the write's temp files (a node script may have outlived the call).
          const settled = !Exit.isSuccess(exit) && sent
            ? yield* settleAfterFailure(target, auditId, before, after)
            : undefined
          const outcome = settled !== undefined && base.outcome !== "error"
            ? { ...base, outcome: settled.state }
            : base
          const result = Exit.isSuccess(exit)
            ? { result: { sha256After: exit.value.sha256After, backupPath: exit.value.backupPath } }
            : settled === undefined
            ? {}
            : { result: settled }
          yield* audit.outcome(handle, { ...outcome, ...result, durationMs }).pipe(
            Effect.catchAll((e) => Effect.logError(`audit outcome for ${plan.tool} could not be written: ${e.message}`))
          )
          crashAt("after-outcome")
        })
    )
  }).pipe(Effect.scoped)
