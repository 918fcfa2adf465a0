import { Duration, Effect, Ref } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import {
  ApiError,
  ApiForbidden,
  ApiNotFound,
  ApiUnauthorized,
  ApiUnavailable,
  PinMismatch
} from "../../domain/Errors.js"

/** Fault injection for the simulated node, modelled on pve-sim's `api.rules` knobs. */

export type FaultAction =
  /** Answer with this HTTP status and message instead of handling the request. */
  | { readonly action: "status"; readonly status: number; readonly message: string }
  /** Never answer (interruptible: only a client-side timeout helps). */
  | { readonly action: "hang" }
  /** The connection is reset: ApiUnavailable. */
  | { readonly action: "drop" }
  /** The node presents another TLS certificate than the pinned one: PinMismatch. */
  | { readonly action: "pinMismatch" }
  /** Delay the request by `ms` (Effect.sleep, so TestClock drives it), then handle it. */
  | { readonly action: "latency"; readonly ms: number }

export type FaultRule = FaultAction & {
  /** Matched against `"METHOD /path"`: a substring, `"*"` for every request, `"re:<regex>"`, or a RegExp. */
  readonly match: string | RegExp
  /** Applies this many times, then the rule is removed (default: until cleared). */
  readonly times?: number
}

interface Armed {
  readonly rule: FaultRule
  readonly remaining: number
}

const matches = (match: string | RegExp, line: string): boolean => {
  if (typeof match !== "string") return line.search(match) >= 0
  if (match === "*") return true
  if (match.startsWith("re:")) return line.search(new RegExp(match.slice(3))) >= 0
  return line.includes(match)
}

/** The error a real HTTP client would surface for a status code (as the HTTP layer classifies them). */
export const statusFailure = (status: number, message: string, path: string): ApiFailure => {
  switch (status) {
    case 401:
      return new ApiUnauthorized({ message })
    case 403:
      return new ApiForbidden({ message })
    case 404:
    case 501:
      return new ApiNotFound({ message, path })
    case 502:
    case 503:
    case 504:
      return new ApiUnavailable({ message })
    default:
      return new ApiError({ message, status })
  }
}

const PINNED = "SHA256:q0QbmUrzR7d2v9SZlE3oC0pW6k1sJ5xT8yN4aF7hG2E"
const PRESENTED = "SHA256:Zx9c8V7b6N5m4L3k2J1h0G9f8D7s6A5p4O3i2U1y0TE"

const terminal = (rule: FaultRule, line: string, path: string): Effect.Effect<void, ApiFailure> => {
  switch (rule.action) {
    case "status":
      return Effect.fail(statusFailure(rule.status, rule.message, path))
    case "hang":
      return Effect.never
    case "drop":
      return Effect.fail(new ApiUnavailable({ message: `connection reset (${line})` }))
    case "pinMismatch":
      return Effect.fail(
        new PinMismatch({
          message: `TLS certificate of simulated does not match the pinned fingerprint (expected ${PINNED}, ` +
            `presented ${PRESENTED}); refusing to send the token`,
          channel: "tls",
          endpoint: "simulated",
          expected: PINNED,
          presented: PRESENTED
        })
      )
    case "latency":
      return Effect.void
  }
}

export interface Faults {
  readonly inject: (rule: FaultRule) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
  /** Applies the rules matching `line`: every latency rule, then the first other rule (if any). */
  readonly apply: (line: string, path: string) => Effect.Effect<void, ApiFailure>
}

export const makeFaults: Effect.Effect<Faults> = Effect.map(Ref.make<ReadonlyArray<Armed>>([]), (rules) => ({
  inject: (rule) => Ref.update(rules, (rs) => [...rs, { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }]),
  clear: Ref.set(rules, []),
  apply: (line, path) =>
    Effect.gen(function*() {
      const fired = yield* Ref.modify(rules, (rs) => {
        const hit = rs.filter((a) => matches(a.rule.match, line))
        const latency = hit.filter((a) => a.rule.action === "latency")
        const first = hit.find((a) => a.rule.action !== "latency")
        const used = new Set<Armed>(first === undefined ? latency : [...latency, first])
        const next = rs
          .map((a) => (used.has(a) ? { ...a, remaining: a.remaining - 1 } : a))
          .filter((a) => a.remaining > 0)
        return [{ latency: latency.map((a) => a.rule), first: first?.rule }, next] as const
      })
      const delayMs = fired.latency.reduce((sum, r) => sum + (r.action === "latency" ? r.ms : 0), 0)
      if (delayMs > 0) yield* Effect.sleep(Duration.millis(delayMs))
      if (fired.first !== undefined) yield* terminal(fired.first, line, path)
    })
}))
