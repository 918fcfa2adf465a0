import { Clock, Effect, Layer, Ref } from "effect"
import type { BreakerSettings } from "../domain/Breaker.js"
import { evaluateBreaker } from "../domain/Breaker.js"
import { CircuitOpen } from "../domain/Errors.js"
import { AppConfig } from "../services/AppConfig.js"
import { RollbackBreaker } from "../services/RollbackBreaker.js"

/** Monotonic time, so a wall-clock step (NTP) neither resets nor extends the window (security.md K1). */
const monotonicMs = Effect.map(Clock.currentTimeNanos, (ns) => Number(ns / 1_000_000n))

export const makeRollbackBreaker = (settings: BreakerSettings) =>
  Effect.gen(function*() {
    const strikes = yield* Ref.make<ReadonlyMap<string, ReadonlyArray<number>>>(new Map())
    return RollbackBreaker.of({
      check: (target, override) =>
        Effect.gen(function*() {
          if (override) return
          const now = yield* monotonicMs
          const verdict = evaluateBreaker((yield* Ref.get(strikes)).get(target) ?? [], now, settings)
          if (verdict._tag === "Open") {
            return yield* new CircuitOpen({
              message:
                `${verdict.recentCount} rollbacks of ${target} in the last ${Math.round(settings.windowMs / 60_000)} ` +
                "minutes: refused to stop a rollback loop",
              target,
              recentCount: verdict.recentCount,
              limit: settings.limit,
              windowMs: settings.windowMs
            })
          }
        }),
      strike: (target) =>
        Effect.flatMap(monotonicMs, (now) =>
          Ref.update(strikes, (m) => {
            const next = new Map(m)
            next.set(target, [...(m.get(target) ?? []).filter((t) => now - t < settings.windowMs), now])
            return next
          }))
    })
  })

export const RollbackBreakerMemory = Layer.effect(
  RollbackBreaker,
  Effect.flatMap(AppConfig, (config) => makeRollbackBreaker(config.guard.breaker))
)
