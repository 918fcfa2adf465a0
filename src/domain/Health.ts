import { Schema } from "effect"

export const HealthStatus = Schema.Literal("ok", "warn", "crit")
export type HealthStatus = typeof HealthStatus.Type

export const HEALTH_SECTIONS = ["node", "storage", "guests", "units", "updates"] as const
export const HealthSection = Schema.Literal(...HEALTH_SECTIONS)
export type HealthSection = typeof HealthSection.Type

export const Finding = Schema.Struct({
  section: HealthSection,
  check: Schema.String,
  status: HealthStatus,
  finding: Schema.String,
  detail: Schema.optionalWith(Schema.String, { exact: true })
})
export type Finding = typeof Finding.Type

export const statusFromThresholds = (value: number, warn: number, crit: number): HealthStatus =>
  value >= crit ? "crit" : value >= warn ? "warn" : "ok"

/** Any crit → crit; else any warn → warn; else ok (an empty set is ok). */
export const rollup = (findings: ReadonlyArray<{ readonly status: HealthStatus }>): HealthStatus =>
  findings.some((f) => f.status === "crit") ? "crit" : findings.some((f) => f.status === "warn") ? "warn" : "ok"

export const pct = (used: number, total: number): number => (total > 0 ? Math.round((used / total) * 1000) / 10 : 0)
