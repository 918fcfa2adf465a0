import { Clock, Duration, Effect, Option, Schema } from "effect"
import type { GuestItem, Sections } from "../domain/Census.js"
import { Census, CENSUS_SECTIONS, CensusSection } from "../domain/Census.js"
import { computeDrift } from "../domain/CensusDrift.js"
import type { ApiUnauthorized, PinMismatch } from "../domain/Errors.js"
import { isTrustFailure } from "../domain/Errors.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import { CensusStore } from "../services/CensusStore.js"
import { readsNode } from "./Annotations.js"
import type { SectionFailure } from "./census/ApiSections.js"
import {
  failure,
  guestSections,
  needsCompanion,
  networkSection,
  nodeSection,
  storageSection
} from "./census/ApiSections.js"
import type { ExecFindings } from "./census/ExecSections.js"
import { execFindings } from "./census/ExecSections.js"
import { nodeHost } from "./census/Host.js"
import { defineTool } from "./Runner.js"

const Input = Schema.Struct({
  sections: Schema.optionalWith(
    Schema.Array(CensusSection).pipe(Schema.minItems(1), Schema.maxItems(CENSUS_SECTIONS.length)),
    { exact: true }
  ).annotations({ description: "Sections to include (at least one). Default: all." }),
  depth: Schema.optionalWith(Schema.Literal("summary", "status", "full"), { exact: true, default: () => "summary" })
    .annotations({ description: "summary (default): identity and state; full: also each guest's redacted config." }),
  saveSnapshot: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => true })
    .annotations({ description: "Store this census locally for later drift comparison (default true)." }),
  compareToPrevious: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
    .annotations({ description: "Report drift against the last stored census (default false)." })
})

const exec = (what: string) => needsCompanion(`${what} needs command execution on the node (SSH), companion tier`)

/** Command-execution probes (companion): given the running containers, what only a shell can see. */
export type ExecProbes<R> = (
  runningCts: ReadonlyArray<GuestItem>
) => Effect.Effect<ExecFindings, PinMismatch | ApiUnauthorized, R>

/** Over the response budget, per-guest configs go first, and the cut is recorded (never silent). */
const withinBudget = (
  census: Census,
  maxBytes: number
): { readonly census: Census; readonly truncation?: { section: string; reason: string; omitted: number } } => {
  if (JSON.stringify(census).length <= maxBytes) return { census }
  const strip = (list: ReadonlyArray<GuestItem>): ReadonlyArray<GuestItem> => list.map(({ config: _c, ...g }) => g)
  const count = (
    list: Sections["containers"]
  ) => (Array.isArray(list) ? list.filter((g) => g.config !== undefined).length : 0)
  const omitted = count(census.sections.containers) + count(census.sections.vms)
  const { containers, vms } = census.sections
  const sections: Sections = {
    ...census.sections,
    ...(Array.isArray(containers) ? { containers: strip(containers) } : {}),
    ...(Array.isArray(vms) ? { vms: strip(vms) } : {})
  }
  return {
    census: { ...census, sections },
    truncation: { section: "_response", reason: `over ${maxBytes} bytes; per-guest configs removed`, omitted }
  }
}

const makeDescribeHomelab = <R>(
  config: AppConfigShape,
  minTier: "observe" | "companion",
  probes: ExecProbes<R> | undefined
) =>
  defineTool({
    name: "describe_homelab",
    title: "Census of the homelab",
    description: "One-call census of the Proxmox node: node identity and load, storage, network, containers and VMs " +
      "(depth status adds whether each guest can be snapshotted; full adds its redacted config)" +
      (probes === undefined
        ? "; failed units, docker containers and tailscale need the companion tier and say so."
        : ", failed units and docker containers per running container, tailscale and zpool.") +
      " Optionally stores the census and reports drift since the last one. Read-only.",
    minTier,
    annotations: readsNode,
    input: Input,
    output: Census,
    timeout: Duration.millis(config.census.budgetMs),
    handler: (input) =>
      Effect.gen(function*() {
        const requested = input.sections ?? CENSUS_SECTIONS
        const extraKeys = (yield* AppConfig).guard.redactionExtraKeys
        const want = (s: CensusSection) => requested.includes(s)
        const store = yield* CensusStore
        const errors: Array<SectionFailure> = []
        const sections: { -readonly [K in keyof Sections]: Sections[K] } = {}
        const guard = <A, E extends { readonly _tag: string; readonly message: string }, R>(
          s: CensusSection,
          probe: string,
          eff: Effect.Effect<A, E, R>
        ) =>
          eff.pipe(
            Effect.map(Option.some),
            Effect.catchIf(
              (e) => !isTrustFailure(e),
              (e) => Effect.sync(() => errors.push(failure(s, probe)(e))).pipe(Effect.as(Option.none()))
            )
          )
        const execWanted = probes !== undefined && (want("services") || want("tailscale") || want("node"))
        const [node, storage, network, guests] = yield* Effect.all([
          want("node") ? guard("node", "nodeStatus", nodeSection) : Effect.succeed(Option.none()),
          want("storage") ? guard("storage", "storageStatus", storageSection) : Effect.succeed(Option.none()),
          want("network") ? guard("network", "networkList", networkSection) : Effect.succeed(Option.none()),
          want("containers") || want("vms") || execWanted
            ? guard("containers", "listGuests", guestSections(input.depth, extraKeys))
            : Effect.succeed(Option.none())
        ], { concurrency: 4 })
        const running = Option.match(guests, {
          onNone: () => [],
          onSome: (g) => g.containers.filter((c) => c.status === "running")
        })
        const found = execWanted && probes !== undefined ? Option.some(yield* probes(running)) : Option.none()
        const truncations: Array<{ section: string; reason: string; omitted: number }> = []
        const cap = <A>(section: string, list: ReadonlyArray<A>): ReadonlyArray<A> => {
          const MAX_ITEMS = config.census.maxItemsPerSection
          if (list.length <= MAX_ITEMS) return list
          truncations.push({
            section,
            reason: `more than ${MAX_ITEMS} items; kept first ${MAX_ITEMS}`,
            omitted: list.length - MAX_ITEMS
          })
          return list.slice(0, MAX_ITEMS)
        }
        if (Option.isSome(node)) {
          sections.node = Option.match(found, {
            onNone: () => node.value,
            onSome: (f) => ({
              ...node.value,
              ...(f.zpool === undefined ? {} : { zpool: f.zpool }),
              ...(f.failedUnits === undefined ? {} : { failedUnits: f.failedUnits })
            })
          })
        }
        if (Option.isSome(storage)) sections.storage = cap("storage", storage.value)
        if (Option.isSome(network)) sections.network = network.value
        if (Option.isSome(guests) && want("containers")) {
          sections.containers = cap("containers", guests.value.containers)
        }
        if (Option.isSome(guests) && want("vms")) sections.vms = cap("vms", guests.value.vms)
        if (want("services")) {
          sections.services = Option.match(found, {
            onNone: () => exec("failed units and docker containers inside guests"),
            onSome: (f) => cap("services", f.services)
          })
        }
        if (want("tailscale")) {
          sections.tailscale = Option.match(found, {
            onNone: () => exec("tailscale status"),
            onSome: (f) => f.tailscale
          })
        }
        Option.map(found, (f) => errors.push(...f.errors.map((e) => ({ ...e, section: e.section as CensusSection }))))
        if (Option.isNone(guests) && want("vms")) {
          const listing = errors.find((e) => e.probe === "listGuests")
          if (listing !== undefined) errors.push({ ...listing, section: "vms" })
        }
        const budget = withinBudget({
          schemaVersion: 1 as const,
          ts: new Date(yield* Clock.currentTimeMillis).toISOString(),
          host: yield* nodeHost,
          depth: input.depth,
          sections,
          errors,
          redactions: Option.match(guests, { onNone: () => 0, onSome: (g) => g.redactions })
        }, config.census.maxResponseBytes)
        if (budget.truncation !== undefined) truncations.push(budget.truncation)
        const census: Census = {
          ...budget.census,
          ...(truncations.length > 0 ? { truncated: true, truncations } : {})
        }
        const previous = input.compareToPrevious ? Option.getOrUndefined(yield* store.latest) : undefined
        const drift = input.compareToPrevious
          ? { drift: computeDrift(previous, census, requested, config.census.storageDriftPct) }
          : {}
        const saved = input.saveSnapshot ? yield* store.save(census) : Option.none<string>()
        return {
          ...census,
          ...drift,
          ...Option.match(saved, { onNone: () => ({}), onSome: (p) => ({ snapshotPath: p }) })
        }
      })
  })

export const makeDescribeHomelabObserve = (config: AppConfigShape) =>
  makeDescribeHomelab<never>(config, "observe", undefined)

export const makeDescribeHomelabCompanion = (config: AppConfigShape) =>
  makeDescribeHomelab(config, "companion", (running) => execFindings(running, config.census.probeTimeoutMs))
