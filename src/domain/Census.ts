import { Schema } from "effect"
import { opt } from "./SchemaUtil.js"

export const CENSUS_SECTIONS = ["node", "storage", "network", "containers", "vms", "services", "tailscale"] as const
export const CensusSection = Schema.Literal(...CENSUS_SECTIONS)
export type CensusSection = typeof CensusSection.Type

/** A section this tier cannot observe: a structured status, never an error and never a bare null. */
export const Unavailable = Schema.Struct({
  unavailableAtTier: Schema.String,
  reason: Schema.String
})
export type Unavailable = typeof Unavailable.Type

export const NodeSection = Schema.Struct({
  name: Schema.String,
  version: Schema.String,
  pveManager: Schema.String,
  kernel: opt(Schema.String),
  uptime: Schema.String,
  uptimeSec: Schema.Number,
  cpu: Schema.Number,
  load: Schema.Array(Schema.Number),
  memBytes: Schema.Number,
  memUsedBytes: Schema.Number,
  /** Companion: `zpool status -x`, and the host's failed systemd units. */
  zpool: opt(Schema.Struct({ healthy: Schema.Boolean, detail: Schema.String })),
  failedUnits: opt(Schema.Array(Schema.String))
})

export const StorageItem = Schema.Struct({
  name: Schema.String,
  type: Schema.String,
  active: Schema.Boolean,
  enabled: Schema.Boolean,
  content: opt(Schema.String),
  totalBytes: Schema.Number,
  usedBytes: Schema.Number,
  availBytes: Schema.Number
})
export type StorageItem = typeof StorageItem.Type

export const NetworkSection = Schema.Struct({
  ifaces: Schema.Array(Schema.Struct({
    name: Schema.String,
    type: Schema.String,
    active: Schema.Boolean,
    addresses: Schema.Array(Schema.String)
  })),
  bridges: Schema.Array(Schema.Struct({
    name: Schema.String,
    ports: Schema.Array(Schema.String),
    address: opt(Schema.String)
  }))
})
export type NetworkSection = typeof NetworkSection.Type

export const GuestItem = Schema.Struct({
  vmid: Schema.Number,
  name: Schema.String,
  status: Schema.String,
  lock: opt(Schema.String),
  /** Status and full depth: whether Proxmox can snapshot it, and why not. */
  snapshotCapable: opt(Schema.Struct({ capable: Schema.Boolean, reason: opt(Schema.String) })),
  config: opt(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
export type GuestItem = typeof GuestItem.Type

export const DockerItem = Schema.Struct({
  name: Schema.String,
  image: Schema.String,
  status: Schema.String,
  running: Schema.Boolean
})

export const ServiceEntry = Schema.Struct({
  vmid: Schema.Number,
  name: Schema.String,
  failedUnits: Schema.Array(Schema.String),
  docker: Schema.Array(DockerItem),
  /** Set when this guest's probes failed; the other fields are then empty. */
  error: opt(Schema.String)
})
export type ServiceEntry = typeof ServiceEntry.Type

/** Where tailscale was looked for and what was found; never a bare null (ADR-013). */
export const TailscaleSection = Schema.Struct({
  scope: Schema.Literal("host", "container", "none"),
  vmid: opt(Schema.Number),
  container: opt(Schema.String),
  self: opt(Schema.String),
  peerCount: opt(Schema.Number),
  online: opt(Schema.Boolean),
  tailnetIPs: opt(Schema.Array(Schema.String)),
  reason: opt(Schema.String)
})
export type TailscaleSection = typeof TailscaleSection.Type

export const Sections = Schema.Struct({
  node: opt(Schema.Union(NodeSection, Unavailable)),
  storage: opt(Schema.Union(Schema.Array(StorageItem), Unavailable)),
  network: opt(Schema.Union(NetworkSection, Unavailable)),
  containers: opt(Schema.Union(Schema.Array(GuestItem), Unavailable)),
  vms: opt(Schema.Union(Schema.Array(GuestItem), Unavailable)),
  services: opt(Schema.Union(Schema.Array(ServiceEntry), Unavailable)),
  tailscale: opt(Schema.Union(TailscaleSection, Unavailable))
})
export type Sections = typeof Sections.Type

const Change = Schema.Struct({ id: Schema.String, from: Schema.String, to: Schema.String })
export const SectionDrift = Schema.Struct({
  added: Schema.Array(Schema.String),
  removed: Schema.Array(Schema.String),
  changed: Schema.Array(Change)
})
export type SectionDrift = typeof SectionDrift.Type

export const Drift = Schema.Struct({
  comparedTo: Schema.NullOr(Schema.String),
  /** Per observed section; a section missing here is listed in `skipped` with the reason. */
  sections: Schema.Record({ key: Schema.String, value: SectionDrift }),
  skipped: Schema.Array(Schema.Struct({ section: Schema.String, reason: Schema.String })),
  schemaMismatch: opt(Schema.Boolean)
})
export type Drift = typeof Drift.Type

export const CensusError = Schema.Struct({ section: Schema.String, probe: Schema.String, error: Schema.String })

export const Census = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  ts: Schema.String,
  host: Schema.String,
  depth: Schema.Literal("summary", "status", "full"),
  sections: Sections,
  errors: Schema.Array(CensusError),
  redactions: Schema.Number,
  truncated: opt(Schema.Boolean),
  truncations: opt(Schema.Array(Schema.Struct({
    section: Schema.String,
    reason: Schema.String,
    omitted: Schema.Number
  }))),
  snapshotPath: opt(Schema.String),
  drift: opt(Drift)
})
export type Census = typeof Census.Type
