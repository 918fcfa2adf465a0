import { Effect } from "effect"
import type { CensusSection, GuestItem, NetworkSection, StorageItem, Unavailable } from "../../domain/Census.js"
import { cleanValue } from "../../domain/Redact.js"
import { snapshotCapability } from "../../domain/SnapshotGuard.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import type { Guest } from "../pve/Guests.js"
import { listGuests } from "../pve/Guests.js"
import type { NetworkEntry, StorageEntry } from "../pve/Node.js"
import { formatUptime, guestConfig, managerVersion, networkList, nodeStatus, storageList } from "../pve/Node.js"

export const needsCompanion = (reason: string): Unavailable => ({ unavailableAtTier: "companion", reason })

export const nodeSection = Effect.gen(function*() {
  const api = yield* ProxmoxApi
  const s = yield* nodeStatus
  return {
    name: api.node,
    version: managerVersion(s.pveversion),
    pveManager: s.pveversion,
    ...(s.kversion === undefined ? {} : { kernel: s.kversion }),
    uptime: formatUptime(s.uptime),
    uptimeSec: s.uptime,
    cpu: s.cpuinfo.cpus,
    load: s.loadavg.slice(0, 3),
    memBytes: s.memory.total,
    memUsedBytes: s.memory.used
  }
})

export const toStorageItem = (s: StorageEntry): StorageItem => ({
  name: s.storage,
  type: s.type,
  active: (s.active ?? 0) === 1,
  enabled: (s.enabled ?? 1) === 1,
  ...(s.content === undefined ? {} : { content: s.content }),
  totalBytes: s.total ?? 0,
  usedBytes: s.used ?? 0,
  availBytes: s.avail ?? 0
})

export const storageSection = storageList.pipe(
  Effect.map((list) => list.map(toStorageItem).sort((a, b) => a.name.localeCompare(b.name)))
)

const toNetwork = (entries: ReadonlyArray<NetworkEntry>): NetworkSection => ({
  ifaces: entries
    .map((e) => ({
      name: e.iface,
      type: e.type,
      active: (e.active ?? 0) === 1,
      addresses: e.cidr !== undefined ? [e.cidr] : e.address !== undefined ? [e.address] : []
    }))
    .sort((a, b) => a.name.localeCompare(b.name)),
  bridges: entries
    .filter((e) => e.type === "bridge")
    .map((e) => ({
      name: e.iface,
      ports: (e.bridge_ports ?? "").split(/\s+/).filter((p) => p !== ""),
      ...(e.cidr ?? e.address) === undefined ? {} : { address: (e.cidr ?? e.address) as string }
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
})

export const networkSection = networkList.pipe(Effect.map(toNetwork))

export interface GuestSections {
  readonly containers: ReadonlyArray<GuestItem>
  readonly vms: ReadonlyArray<GuestItem>
  readonly redactions: number
}

/**
 * Guests from one listing. At `status` and `full` depth each guest's config is read (VM.Audit) to decide
 * `snapshotCapable`; at `full` the redacted config is included.
 */
export const guestSections = (depth: "summary" | "status" | "full", extraKeys: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const guests = yield* listGuests
    const storageTypes = depth === "summary"
      ? {}
      : Object.fromEntries((yield* storageList).map((st) => [st.storage, st.type]))
    let redactions = 0
    const item = (g: Guest) =>
      Effect.gen(function*() {
        const base = { vmid: g.vmid, name: g.name ?? "", status: g.status, ...(g.lock ? { lock: g.lock } : {}) }
        if (depth === "summary") return base
        const raw = yield* guestConfig(g.type, g.vmid)
        const snapshotCapable = snapshotCapability(g.type, raw, storageTypes)
        if (depth === "status") return { ...base, snapshotCapable }
        const { count, value } = cleanValue(raw, extraKeys)
        redactions += count
        return { ...base, snapshotCapable, config: value as Record<string, unknown> }
      })
    const items = yield* Effect.forEach(guests, item, { concurrency: 4 })
    return {
      containers: items.filter((_, i) => guests[i]?.type === "lxc"),
      vms: items.filter((_, i) => guests[i]?.type === "qemu"),
      redactions
    } satisfies GuestSections
  })

export interface SectionFailure {
  readonly section: CensusSection
  readonly probe: string
  readonly error: string
}

export const failure =
  (section: CensusSection, probe: string) => (e: { readonly message: string }): SectionFailure => ({
    section,
    probe,
    error: e.message
  })
