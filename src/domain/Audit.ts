import { Schema } from "effect"
import { opt } from "./SchemaUtil.js"
import { Tier } from "./Tier.js"

export const GENESIS_HASH = "0".repeat(64)

/**
 * `unknown`: the channel was lost or timed out after the command was sent, so the node may or may not have acted.
 * Written by startup recovery for an intent the server never closed (it died): `not-applied` (the file still has
 * its old content), `applied-unconfirmed` (it has the new content), `diverged` (neither), and `unknown` for
 * operations whose effect cannot be checked (exec, lifecycle).
 */
export const AuditOutcomeKind = Schema.Literal(
  "ok",
  "error",
  "refused",
  "timeout",
  "interrupted",
  "unknown",
  "not-applied",
  "applied-unconfirmed",
  "diverged"
)
export type AuditOutcomeKind = typeof AuditOutcomeKind.Type

export const AuditErrorInfo = Schema.Struct({ code: Schema.String, message: Schema.String })

/**
 * What a managed file write is about to do, in its intent record (security.md §5.2 step 4): enough for recovery to
 * classify the target after a crash and to remove the write's temp files.
 */
export const AuditWrite = Schema.Struct({
  /** The target's descriptor: `host:<path>`, `pct:<vmid>:<path>`, `qm:<vmid>:<path>`. */
  target: Schema.String,
  targetKind: Schema.Literal("host", "pct", "qm"),
  vmid: opt(Schema.Number),
  /** The path written (symlinks already resolved). */
  path: Schema.String,
  /** SHA-256 before the write; `null`: the file did not exist. */
  prevSha256: Schema.NullOr(Schema.String),
  /** SHA-256 the write leaves; `null`: the write deletes the file. */
  newSha256: Schema.NullOr(Schema.String),
  /** The stored pre-image version, when one was kept. */
  backupPath: opt(Schema.String),
  /** `true` when the caller waived the pre-image (`allowUnbacked`): this write cannot be reverted. */
  unbacked: opt(Schema.Boolean),
  sizeBytes: Schema.Number
})
export type AuditWrite = typeof AuditWrite.Type

/**
 * One line of the audit log. Every mutation writes an `intent` line before it touches the node and an
 * `outcome` line after. `hash` = SHA-256 over `prevHash` and the canonical JSON of the line without `hash`.
 */
export const AuditRecord = Schema.Struct({
  seq: Schema.Number,
  ts: Schema.String,
  kind: Schema.Literal("intent", "outcome"),
  /** Operation id shared by the intent and its outcome. */
  id: Schema.String,
  tool: Schema.String,
  tier: Tier,
  prevHash: Schema.String,
  hash: Schema.String,
  host: opt(Schema.String),
  vmid: opt(Schema.Number),
  path: opt(Schema.String),
  /** Redacted tool arguments (intent only). */
  args: opt(Schema.Unknown),
  note: opt(Schema.String),
  isLargeChange: opt(Schema.Boolean),
  rootTier: opt(Schema.Boolean),
  /** The process that wrote the intent (recovery closes only intents of processes that are gone). */
  pid: opt(Schema.Number),
  /** The machine of that process. */
  pidHost: opt(Schema.String),
  /** Managed file writes: the intent's write plan. */
  write: opt(AuditWrite),
  /** Outcome only. */
  intentSeq: opt(Schema.Number),
  outcome: opt(AuditOutcomeKind),
  error: opt(AuditErrorInfo),
  result: opt(Schema.Unknown),
  durationMs: opt(Schema.Number)
})
export type AuditRecord = typeof AuditRecord.Type

/** An operation as `query_audit` shows it: an intent joined with its outcome, if any. */
export const AuditEntry = Schema.Struct({
  id: Schema.String,
  seq: Schema.Number,
  ts: Schema.String,
  tool: Schema.String,
  tier: Tier,
  host: opt(Schema.String),
  vmid: opt(Schema.Number),
  path: opt(Schema.String),
  args: opt(Schema.Unknown),
  note: opt(Schema.String),
  isLargeChange: opt(Schema.Boolean),
  rootTier: opt(Schema.Boolean),
  write: opt(AuditWrite),
  /** `pending` means no outcome line exists (in flight, or the server died mid-operation). */
  outcome: Schema.Literal(...AuditOutcomeKind.literals, "pending"),
  outcomeTs: opt(Schema.String),
  error: opt(AuditErrorInfo),
  result: opt(Schema.Unknown),
  durationMs: opt(Schema.Number)
})
export type AuditEntry = typeof AuditEntry.Type
