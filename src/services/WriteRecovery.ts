import type { Effect } from "effect"
import { Context } from "effect"

export interface RecoveryReport {
  /** Intents given an outcome, by outcome kind. */
  readonly closed: Readonly<Record<string, number>>
  /** Intents left open (their process is alive, or the node could not be checked). */
  readonly left: number
  /** Temp files removed, locally and on the node. */
  readonly tempsRemoved: number
  readonly problems: ReadonlyArray<string>
}

/**
 * Startup recovery (security.md §5.2): every intent whose process is gone gets an outcome, and temp files of
 * interrupted writes are removed. It runs in the background from startup; managed writes wait for it first.
 */
export interface WriteRecoveryShape {
  /** Completes when recovery has finished (successfully or not); never fails. */
  readonly ready: Effect.Effect<RecoveryReport>
}

export class WriteRecovery extends Context.Tag("homelab-mcp/WriteRecovery")<WriteRecovery, WriteRecoveryShape>() {}
