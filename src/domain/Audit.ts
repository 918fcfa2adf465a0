import { Schema } from "effect"
import { opt } from "./SchemaUtil.js"
import { Tier } from "./Tier.js"

export const GENESIS_HASH = "0".repeat(64)

/** `unknown`: the channel was lost or timed out after the command was sent, so the node may or may not have acted. */
export const AuditOutcomeKind = Schema.Literal("ok", "error", "refused", "timeout", "interrupted", "unknown")
export type AuditOutcomeKind = typeof AuditOutcomeKind.Type

export const AuditErrorInfo = Schema.Struct({ code: Schema.String, message: Schema.String })

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
  /** `pending` means no outcome line exists (in flight, or the server died mid-operation). */
  outcome: Schema.Literal("ok", "error", "refused", "timeout", "interrupted", "unknown", "pending"),
  outcomeTs: opt(Schema.String),
  error: opt(AuditErrorInfo),
  result: opt(Schema.Unknown),
  durationMs: opt(Schema.Number)
})
export type AuditEntry = typeof AuditEntry.Type
