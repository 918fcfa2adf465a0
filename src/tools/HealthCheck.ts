import { Effect, Option, Schema } from "effect"
import type { SshFailure } from "../domain/Errors.js"
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
import type { AppConfigShape } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import { readsNode } from "./Annotations.js"
import type { ExecHealth } from "./census/HealthProbes.js"
import { execHealth } from "./census/HealthProbes.js"
import { listGuests } from "./pve/Guests.js"
import { guestConfig, nodeStatus, storageList } from "./pve/Node.js"
import { defineTool } from "./Runner.js"

const Input = Schema.Struct({
  sections: Schema.optionalWith(
    Schema.Array(Section).pipe(Schema.minItems(1), Schema.maxItems(HEALTH_SECTIONS.length)),
    {
      exact: true
    }
  ).annotations({ description: "Sections to check (at least one). Default: all." }),
  includePseudoFs: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Also list /dev, /run, /sys and /proc filesystems (always counted in the overall status)."
  })
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

/** Shell-only checks (companion); the observe variant lists their sections as unavailable instead. */
export type HealthProbes<R> = () => Effect.Effect<ExecHealth, SshFailure, R>

const makeHealthCheck = <R>(minTier: "observe" | "companion", probes: HealthProbes<R> | undefined) =>
  defineTool({
    name: "health_check",
    title: "Health check of the node",
    description: "Check the node's health with fixed thresholds: load and memory (node), storage use and activity " +
      "(storage), start-at-boot guests that are down (guests)" +
      (probes === undefined
        ? ". Sections this tier cannot observe (units, updates) are listed in unavailable with the reason."
        : ", ZFS pools and filesystems, failed systemd units (units) and pending updates from the cached package " +
          "lists (updates; apt update is never run).") +
      " Returns ok/warn/crit with one finding per check. Read-only.",
    minTier,
    annotations: readsNode,
    input: Input,
    output: Output,
    timeout: "60 seconds",
    handler: (input) =>
      Effect.gen(function*() {
        const requested = input.sections ?? HEALTH_SECTIONS
        const errors: Array<{ section: string; error: string }> = []
        const run = <E extends { readonly _tag: string; readonly message: string }, R2>(
          section: HealthSection,
          eff: Effect.Effect<ReadonlyArray<Finding>, E, R2>
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
        const shellWanted = probes !== undefined &&
          requested.some((s) => s === "node" || s === "storage" || s === "units" || s === "updates")
        const [api, shell] = yield* Effect.all([
          Effect.all([run("node", nodeChecks), run("storage", storageChecks), run("guests", guestChecks)], {
            concurrency: 3
          }),
          shellWanted && probes !== undefined
            ? probes().pipe(
              Effect.map(Option.some),
              Effect.catchIf(
                (e) => !isTrustFailure(e),
                (e) =>
                  Effect.sync(() => errors.push({ section: "node", error: e.message })).pipe(Effect.as(Option.none()))
              )
            )
            : Effect.succeed(Option.none<ExecHealth>())
        ], { concurrency: 2 })
        const fromShell = (section: HealthSection, pick: (h: ExecHealth) => ReadonlyArray<Finding>) =>
          requested.includes(section) ? Option.match(shell, { onNone: () => [], onSome: pick }) : []
        const pseudo = fromShell("storage", (h) => h.pseudo)
        const findings = [
          ...api.flat(),
          ...fromShell("node", (h) => h.node),
          ...fromShell("storage", (h) => h.storage),
          ...fromShell("units", (h) => h.units),
          ...fromShell("updates", (h) => h.updates)
        ]
        Option.map(shell, (h) => errors.push(...h.errors.filter((e) => requested.includes(e.section as HealthSection))))
        return {
          // A section that could not be checked is not healthy: never report ok over an error.
          status: errors.length > 0 && rollup([...findings, ...pseudo]) === "ok"
            ? "warn"
            : rollup([...findings, ...pseudo]),
          findings: input.includePseudoFs ? [...findings, ...pseudo] : findings,
          errors,
          unavailable: probes !== undefined ? [] : (["units", "updates"] as const).filter((s) => requested.includes(s))
            .map((section) => ({ section, unavailableAtTier: "companion", reason: unavailable[section] }))
        }
      })
  })

export const healthCheck = makeHealthCheck<never>("observe", undefined)

export const makeHealthCheckCompanion = (config: AppConfigShape) =>
  makeHealthCheck("companion", () => execHealth(config.health, config.guard.probeTimeoutMs))
