import type { Effect } from "effect"
import { Context } from "effect"
import type { AuditEntry, AuditOutcomeKind, AuditRecord, AuditWrite } from "../domain/Audit.js"
import type { AuditUnavailable } from "../domain/Errors.js"
import type { Tier } from "../domain/Tier.js"

export interface AuditIntent {
  /** The operation id; a managed write chooses it first, because its temp files are named by it. */
  readonly id?: string
  readonly tool: string
  readonly tier: Tier
  /** Raw arguments; the log redacts them before writing. */
  readonly args: unknown
  readonly host?: string
  readonly vmid?: number
  readonly path?: string
  readonly note?: string
  readonly isLargeChange?: boolean
  readonly rootTier?: boolean
  /** A managed file write's plan (target, hashes before and after, pre-image version). */
  readonly write?: AuditWrite
}

export interface AuditOutcome {
  readonly outcome: AuditOutcomeKind
  readonly error?: { readonly code: string; readonly message: string }
  readonly result?: unknown
  readonly note?: string
  readonly durationMs: number
}

export interface AuditHandle {
  readonly id: string
  readonly seq: number
  readonly tool: string
  readonly tier: Tier
}

export interface AuditQuery {
  readonly tool?: string
  readonly vmid?: number
  readonly pathContains?: string
  /** Inclusive lower bound (ISO date or date-time). */
  readonly since?: Date
  /** Inclusive upper bound (ISO date or date-time). */
  readonly until?: Date
  readonly outcome?: AuditEntry["outcome"]
  readonly largeOnly?: boolean
  /** Case-insensitive substring over tool, args, note, path and error. */
  readonly text?: string
  readonly limit: number
}

export interface AuditSummary {
  readonly total: number
  readonly byTool: Readonly<Record<string, number>>
  readonly byVmid: Readonly<Record<string, number>>
  readonly byOutcome: Readonly<Record<string, number>>
  readonly firstTs: string | null
  readonly lastTs: string | null
}

export interface AuditQueryResult {
  readonly summary: AuditSummary
  readonly entries: ReadonlyArray<AuditEntry>
  readonly truncated: boolean
  /**
   * Lines read that are not audit records (corrupt or torn). A large log is read only in part (its newest bytes):
   * then `truncated` is true, the summary covers only that part, and lines outside it are not counted here.
   */
  readonly skippedLines?: number
}

export interface AuditProblem {
  readonly line: number
  readonly seq?: number
  readonly reason: string
}

export interface AuditVerifyReport {
  readonly path: string
  readonly records: number
  readonly ok: boolean
  /** The first break of the chain, then any other problems found. */
  readonly problems: ReadonlyArray<AuditProblem>
}

/** Append-only, hash-chained audit log of every mutation. */
export interface AuditLogShape {
  readonly path: string
  /** Written and synced before the mutation starts; failure means the mutation must not start. */
  readonly intent: (intent: AuditIntent) => Effect.Effect<AuditHandle, AuditUnavailable>
  readonly outcome: (handle: AuditHandle, outcome: AuditOutcome) => Effect.Effect<void, AuditUnavailable>
  readonly query: (query: AuditQuery) => Effect.Effect<AuditQueryResult, AuditUnavailable>
  readonly verify: Effect.Effect<AuditVerifyReport, AuditUnavailable>
  /** Intent records that have no outcome yet (in flight here or elsewhere, or left by a crash), oldest first. */
  readonly pending: Effect.Effect<ReadonlyArray<AuditRecord>, AuditUnavailable>
}

export class AuditLog extends Context.Tag("homelab-mcp/AuditLog")<AuditLog, AuditLogShape>() {}
