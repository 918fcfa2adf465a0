import type { Effect } from "effect"
import { Context } from "effect"
import type { CircuitOpen } from "../domain/Errors.js"

/** Per-target rollback counting for the life of the process (a stdio server's session). */
export interface RollbackBreakerShape {
  /** Refuses when the target had too many rollbacks in the window; an override skips the check. */
  readonly check: (target: string, override: boolean) => Effect.Effect<void, CircuitOpen>
  /** Counts one rollback of the target (overridden calls do not count). */
  readonly strike: (target: string) => Effect.Effect<void>
}

export class RollbackBreaker
  extends Context.Tag("homelab-mcp/RollbackBreaker")<RollbackBreaker, RollbackBreakerShape>()
{}
