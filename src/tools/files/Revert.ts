import { Effect, Option, Schema } from "effect"
import { descriptor } from "../../domain/Backup.js"
import { FileTooLarge } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { AuditLog } from "../../services/AuditLog.js"
import { BackupStore } from "../../services/BackupStore.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import { RollbackBreaker } from "../../services/RollbackBreaker.js"
import { MutationGate, TierGate } from "../../services/TierGate.js"
import { readsNode } from "../Annotations.js"
import { defineTool } from "../Runner.js"
import { WriteResult } from "./Outcome.js"
import { auditRefusal } from "./Refusal.js"
import { checkPath, resolveForWrite } from "./Resolve.js"
import { diffOf } from "./Summary.js"
import { AGENT_WRITE_MAX_BYTES } from "./Surfaces.js"
import type { VersionInput } from "./Versions.js"
import { findVersion, requireTierFor, VersionFields } from "./Versions.js"
import { managedWrite } from "./WriteCore.js"

const DiffOutput = Schema.Struct({
  target: Schema.String,
  backupPath: Schema.String,
  timestamp: Schema.String,
  kind: Schema.String,
  revertible: Schema.Boolean,
  revertReason: Schema.optionalWith(Schema.String, { exact: true }),
  /** What a revert would change: current → stored version. */
  diff: Schema.NullOr(Schema.String),
  diffTruncated: Schema.Boolean,
  addedLines: Schema.Number,
  removedLines: Schema.Number,
  currentSha256: Schema.NullOr(Schema.String),
  backupSha256: Schema.NullOr(Schema.String),
  /** A revert would delete the file (it did not exist before the write). */
  revertDeletes: Schema.Boolean
})

export const diffConfig = defineTool({
  name: "diff_config",
  title: "Preview a revert",
  description: "Show what revert_file would change: a unified diff from the file's current content to a stored " +
    "version (by backupPath, or the newest revertible version of path/vmid). Says when a version cannot be " +
    "restored and why. Host files need the root tier. Read-only.",
  minTier: "companion",
  annotations: readsNode,
  input: Schema.Struct(VersionFields),
  output: DiffOutput,
  timeout: "60 seconds",
  handler: (input) =>
    Effect.gen(function*() {
      const { version, target } = yield* findVersion("diff_config", input)
      yield* requireTierFor("diff_config", target, (yield* TierGate).tier)
      const store = yield* BackupStore
      const files = yield* RemoteFiles
      const config = yield* AppConfig
      const head = {
        target: descriptor(target),
        backupPath: version.backupPath,
        timestamp: version.record.ts,
        kind: version.record.kind,
        backupSha256: version.record.sha256 ?? null,
        revertDeletes: version.record.kind === "absent"
      }
      // `content` re-hashes this one version (the same rule list_backups applies): no need to list them all.
      const stored = yield* Effect.either(store.content(version))
      const current = yield* files.read(target, Math.max(config.files.readFileMaxBytes, config.files.largeFileBytes))
      const currentSha256 = Option.match(current, { onNone: () => null, onSome: (c) => c.sha256 })
      if (stored._tag === "Left") {
        return {
          ...head,
          revertible: false,
          revertReason: stored.left.message,
          diff: null,
          diffTruncated: false,
          addedLines: 0,
          removedLines: 0,
          currentSha256
        }
      }
      const after = Option.getOrNull(stored.right)
      return {
        ...head,
        revertible: true,
        ...diffOf(target.path, Option.map(current, (c) => c.bytes), after),
        currentSha256
      }
    })
})

const RevertInput = Schema.Struct({
  ...VersionFields,
  overrideCircuitBreaker: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Only after the user explicitly asked: bypass the repeated-rollback breaker for this call."
  })
})

export const revertFile = defineTool({
  name: "revert_file",
  title: "Restore a file from a backup",
  description: "Restore a file to a stored version, byte for byte (by backupPath, or the newest revertible version " +
    "of path/vmid). A file that did not exist before is deleted. The content being replaced is backed up first, so " +
    "a revert can itself be reverted; audited. Repeated rollbacks of one file trip a circuit breaker. Host files " +
    "need the root tier.",
  minTier: "companion",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  input: RevertInput,
  output: WriteResult,
  timeout: "5 minutes",
  handler: (input) =>
    Effect.gen(function*() {
      const { tier } = yield* MutationGate
      const audit = yield* AuditLog
      const store = yield* BackupStore
      const breaker = yield* RollbackBreaker
      const config = yield* AppConfig
      const { version, target } = yield* findVersion("revert_file", input as VersionInput)
      const fields = {
        tool: "revert_file",
        tier,
        args: input,
        path: target.path,
        ...(target.kind === "host" ? {} : { vmid: target.vmid ?? 0 }),
        ...(tier === "root" ? { rootTier: true } : {})
      }
      yield* requireTierFor("revert_file", target, tier).pipe(Effect.catchAll((e) => auditRefusal(audit, fields, e)))
      const key = descriptor(target)
      yield* breaker.check(key, input.overrideCircuitBreaker).pipe(
        Effect.catchAll((e) => auditRefusal(audit, fields, e))
      )
      yield* checkPath("revert_file", target.path, config)
      const resolved = yield* resolveForWrite("revert_file", target.kind, target, config, false)
      const note = [
        `Reverted from backup: ${version.backupPath}`,
        ...(input.overrideCircuitBreaker ? ["circuitBreakerOverridden"] : [])
      ].join("; ")
      const result = yield* managedWrite({
        tool: "revert_file",
        args: input,
        resolved,
        compute: () =>
          Effect.flatMap(store.content(version), (bytes) =>
            Option.isSome(bytes) && target.kind === "qm" && bytes.value.length > AGENT_WRITE_MAX_BYTES
              ? Effect.fail(
                new FileTooLarge({
                  path: target.path,
                  sizeBytes: bytes.value.length,
                  capBytes: AGENT_WRITE_MAX_BYTES,
                  message: `this version is ${bytes.value.length} bytes; the guest agent can write at most ` +
                    `${AGENT_WRITE_MAX_BYTES}, so it cannot be restored through the agent`
                })
              )
              : Effect.succeed(Option.getOrNull(bytes))),
        allowUnbacked: false,
        dryRun: false,
        note
      })
      if (!input.overrideCircuitBreaker && result.changed) {
        yield* breaker.strike(key)
      }
      return { ...result, note }
    })
})
