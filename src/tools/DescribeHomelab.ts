import { Clock, Effect, Option, Schema } from "effect"
import type { Sections } from "../domain/Census.js"
import { Census, CENSUS_SECTIONS, CensusSection } from "../domain/Census.js"
import { computeDrift } from "../domain/CensusDrift.js"
import { isTrustFailure } from "../domain/Errors.js"
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
import { nodeHost } from "./census/Host.js"
import { defineTool } from "./Runner.js"

const MAX_ITEMS = 200
const STORAGE_DRIFT_PCT = 10

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

export const describeHomelab = defineTool({
  name: "describe_homelab",
  title: "Census of the homelab",
  description: "One-call census of the Proxmox node: node identity and load, storage, network, containers and VMs; " +
    "optionally each guest's redacted config (depth full) and drift since the last stored census. Sections that " +
    "need command execution report unavailableAtTier with the reason instead of failing. Read-only.",
  minTier: "observe",
  annotations: readsNode,
  input: Input,
  output: Census,
  timeout: "120 seconds",
  handler: (input) =>
    Effect.gen(function*() {
      const requested = input.sections ?? CENSUS_SECTIONS
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
      const [node, storage, network, guests] = yield* Effect.all([
        want("node") ? guard("node", "nodeStatus", nodeSection) : Effect.succeed(Option.none()),
        want("storage") ? guard("storage", "storageStatus", storageSection) : Effect.succeed(Option.none()),
        want("network") ? guard("network", "networkList", networkSection) : Effect.succeed(Option.none()),
        want("containers") || want("vms")
          ? guard(want("containers") ? "containers" : "vms", "listGuests", guestSections(input.depth, []))
          : Effect.succeed(Option.none())
      ], { concurrency: 4 })
      const truncations: Array<{ section: string; reason: string; omitted: number }> = []
      const cap = <A>(section: string, list: ReadonlyArray<A>): ReadonlyArray<A> => {
        if (list.length <= MAX_ITEMS) return list
        truncations.push({
          section,
          reason: `more than ${MAX_ITEMS} items; kept first ${MAX_ITEMS}`,
          omitted: list.length - MAX_ITEMS
        })
        return list.slice(0, MAX_ITEMS)
      }
      if (Option.isSome(node)) sections.node = node.value
      if (Option.isSome(storage)) sections.storage = cap("storage", storage.value)
      if (Option.isSome(network)) sections.network = network.value
      if (Option.isSome(guests) && want("containers")) sections.containers = cap("containers", guests.value.containers)
      if (Option.isSome(guests) && want("vms")) sections.vms = cap("vms", guests.value.vms)
      if (want("services")) sections.services = exec("failed units and docker containers inside guests")
      if (want("tailscale")) sections.tailscale = exec("tailscale status")
      const census = {
        schemaVersion: 1 as const,
        ts: new Date(yield* Clock.currentTimeMillis).toISOString(),
        host: yield* nodeHost,
        depth: input.depth,
        sections,
        errors,
        redactions: Option.match(guests, { onNone: () => 0, onSome: (g) => g.redactions }),
        ...(truncations.length > 0 ? { truncated: true, truncations } : {})
      }
      const previous = input.compareToPrevious ? Option.getOrUndefined(yield* store.latest) : undefined
      const drift = input.compareToPrevious
        ? { drift: computeDrift(previous, census, requested, STORAGE_DRIFT_PCT) }
        : {}
      const saved = input.saveSnapshot ? yield* store.save(census) : Option.none<string>()
      return {
        ...census,
        ...drift,
        ...Option.match(saved, { onNone: () => ({}), onSome: (p) => ({ snapshotPath: p }) })
      }
    })
})
