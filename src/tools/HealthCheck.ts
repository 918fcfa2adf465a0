import { Effect, Schema } from "effect"
import { isTrustFailure } from "../domain/Errors.js"
import type { HealthSection } from "../domain/Health.js"
import {
  Finding,
  HEALTH_SECTIONS,
  HealthSection as Section,
  HealthStatus,
  pct,
  rollup,
  statusFromThresholds
} from "../domain/Health.js"
import { AppConfig } from "../services/AppConfig.js"
import { readsNode } from "./Annotations.js"
import { listGuests } from "./pve/Guests.js"
import { guestConfig, nodeStatus, storageList } from "./pve/Node.js"
import { defineTool } from "./Runner.js"

const Input = Schema.Struct({
  sections: Schema.optionalWith(
    Schema.Array(Section).pipe(Schema.minItems(1), Schema.maxItems(HEALTH_SECTIONS.length)),
    {
      exact: true
    }
  ).annotations({ description: "Sections to check (at least one). Default: all." })
})

const Output = Schema.Struct({
  status: HealthStatus,
  findings: Schema.Array(Finding),
  errors: Schema.Array(Schema.Struct({ section: Schema.String, error: Schema.String })),
  unavailable: Schema.Array(Schema.Struct({
    section: Schema.String,
    unavailableAtTier: Schema.String,
    reason: Schema.String
  }))
})

const nodeChecks = Effect.gen(function*() {
  const { health } = yield* AppConfig
  const s = yield* nodeStatus
  const cores = Math.max(1, s.cpuinfo.cpus)
  const load1 = s.loadavg[0] ?? 0
  const ratio = Math.round((load1 / cores) * 100) / 100
  const mem = pct(s.memory.used, s.memory.total)
  return [
    {
      section: "node" as const,
      check: "load",
      status: statusFromThresholds(ratio, health.loadWarnRatio, health.loadCritRatio),
      finding: `load ${load1} on ${cores} cores`,
      detail: `ratio ${ratio} (warn ≥ ${health.loadWarnRatio}, crit ≥ ${health.loadCritRatio})`
    },
    {
      section: "node" as const,
      check: "memory",
      status: statusFromThresholds(mem, health.memWarnPct, health.memCritPct),
      finding: `memory ${mem}% used`,
      detail: `${s.memory.used} of ${s.memory.total} bytes (warn ≥ ${health.memWarnPct}%, crit ≥ ${health.memCritPct}%)`
    }
  ] satisfies ReadonlyArray<Finding>
})

const storageChecks = Effect.gen(function*() {
  const { health } = yield* AppConfig
  const list = yield* storageList
  return list.map((s): Finding => {
    if ((s.active ?? 0) !== 1) {
      return {
        section: "storage",
        check: `store:${s.storage}`,
        status: "warn",
        finding: `store ${s.storage} is not active`
      }
    }
    const used = pct(s.used ?? 0, s.total ?? 0)
    return {
      section: "storage",
      check: `store:${s.storage}`,
      status: statusFromThresholds(used, health.fsWarnPct, health.fsCritPct),
      finding: `store ${s.storage} ${used}% used`,
      detail: `${s.used ?? 0} of ${s.total ?? 0} bytes (warn ≥ ${health.fsWarnPct}%, crit ≥ ${health.fsCritPct}%)`
    }
  })
})

/** Guests marked to start at boot that are not running (configs read with VM.Audit). */
const guestChecks = Effect.gen(function*() {
  const guests = yield* listGuests
  const configs = yield* Effect.forEach(guests, (g) => guestConfig(g.type, g.vmid), { concurrency: 4 })
  const down = guests.filter((g, i) => String(configs[i]?.onboot ?? "0") === "1" && g.status !== "running")
  const finding: Finding = down.length === 0
    ? { section: "guests", check: "onboot-guests", status: "ok", finding: "every start-at-boot guest is running" }
    : {
      section: "guests",
      check: "onboot-guests",
      status: "warn",
      finding: `${down.length} start-at-boot guest(s) not running: ${
        down.map((g) => `${g.vmid}:${g.name ?? ""}`).join(", ")
      }`
    }
  return [finding]
})

const unavailable = {
  units: "failed systemd units are read with systemctl on the node (SSH), companion tier",
  updates: "pending updates need apt on the node (SSH); the API endpoint needs Sys.Modify, which no read tier has"
} as const

export const healthCheck = defineTool({
  name: "health_check",
  title: "Health check of the node",
  description: "Check the node's health with fixed thresholds: load and memory (node), storage use and activity " +
    "(storage), start-at-boot guests that are down (guests). Returns ok/warn/crit with one finding per check. " +
    "Sections this tier cannot observe are listed in unavailable with the reason, never attempted. Read-only.",
  minTier: "observe",
  annotations: readsNode,
  input: Input,
  output: Output,
  timeout: "60 seconds",
  handler: (input) =>
    Effect.gen(function*() {
      const requested = input.sections ?? HEALTH_SECTIONS
      const errors: Array<{ section: string; error: string }> = []
      const run = <E extends { readonly _tag: string; readonly message: string }, R>(
        section: HealthSection,
        eff: Effect.Effect<ReadonlyArray<Finding>, E, R>
      ) =>
        requested.includes(section)
          ? eff.pipe(
            Effect.catchIf(
              (e) => !isTrustFailure(e),
              (e) =>
                Effect.sync(() => errors.push({ section, error: e.message })).pipe(
                  Effect.as<ReadonlyArray<Finding>>([])
                )
            )
          )
          : Effect.succeed<ReadonlyArray<Finding>>([])
      const results = yield* Effect.all([
        run("node", nodeChecks),
        run("storage", storageChecks),
        run("guests", guestChecks)
      ], { concurrency: 3 })
      const findings = results.flat()
      return {
        status: rollup(findings),
        findings,
        errors,
        unavailable: (["units", "updates"] as const).filter((s) => requested.includes(s)).map((section) => ({
          section,
          unavailableAtTier: "companion",
          reason: unavailable[section]
        }))
      }
    })
})
