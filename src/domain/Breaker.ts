/** The rollback circuit breaker (ADR-021) as a pure evaluator over strike times (monotonic milliseconds). */
export interface BreakerSettings {
  readonly enabled: boolean
  readonly limit: number
  readonly windowMs: number
}

export type BreakerVerdict =
  | { readonly _tag: "Closed"; readonly recent: ReadonlyArray<number> }
  | { readonly _tag: "Open"; readonly recentCount: number }

/** Strikes older than the window expire; at `limit` recent strikes the breaker refuses. */
export const evaluateBreaker = (strikes: ReadonlyArray<number>, nowMs: number, s: BreakerSettings): BreakerVerdict => {
  const recent = strikes.filter((t) => nowMs - t < s.windowMs)
  if (!s.enabled || recent.length < s.limit) return { _tag: "Closed", recent }
  return { _tag: "Open", recentCount: recent.length }
}
