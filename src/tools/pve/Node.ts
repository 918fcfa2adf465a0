import { Effect, Schema } from "effect"
import { opt } from "../../domain/SchemaUtil.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import { call, Num } from "./Decode.js"

export const NodeStatus = Schema.Struct({
  uptime: Num,
  loadavg: Schema.Array(Num),
  cpuinfo: Schema.Struct({ cpus: Num, model: opt(Schema.String) }),
  memory: Schema.Struct({ total: Num, used: Num }),
  pveversion: Schema.String,
  kversion: opt(Schema.String),
  rootfs: opt(Schema.Struct({ total: Num, used: Num, avail: Num }))
})
export type NodeStatus = typeof NodeStatus.Type

export const StorageEntry = Schema.Struct({
  storage: Schema.String,
  type: Schema.String,
  content: opt(Schema.String),
  enabled: opt(Num),
  active: opt(Num),
  total: opt(Num),
  used: opt(Num),
  avail: opt(Num),
  shared: opt(Num)
})
export type StorageEntry = typeof StorageEntry.Type

export const NetworkEntry = Schema.Struct({
  iface: Schema.String,
  type: Schema.String,
  active: opt(Num),
  address: opt(Schema.String),
  cidr: opt(Schema.String),
  bridge_ports: opt(Schema.String)
})
export type NetworkEntry = typeof NetworkEntry.Type

const nodePath = (suffix: string) => Effect.map(ProxmoxApi, (api) => `/nodes/${api.node}${suffix}`)

export const nodeStatus = nodePath("/status").pipe(Effect.flatMap((path) => call(NodeStatus, { method: "GET", path })))
export const storageList = nodePath("/storage").pipe(
  Effect.flatMap((path) => call(Schema.Array(StorageEntry), { method: "GET", path }))
)
export const networkList = nodePath("/network").pipe(
  Effect.flatMap((path) => call(Schema.Array(NetworkEntry), { method: "GET", path }))
)

export const guestConfig = (type: "lxc" | "qemu", vmid: number) =>
  nodePath(`/${type}/${vmid}/config`).pipe(
    Effect.flatMap((path) =>
      call(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { method: "GET", path })
    )
  )

/** `pve-manager/9.0.10/deb1ca70` → `9.0.10` (issue #12 of the original). */
export const managerVersion = (pveversion: string): string => {
  const match = /pve-manager\/([0-9][^/\s]*)/.exec(pveversion)
  return match?.[1] ?? pveversion
}

export const formatUptime = (seconds: number): string => {
  const d = Math.floor(seconds / 86_400)
  const h = Math.floor((seconds % 86_400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return `up ${d}d ${h}h ${m}m`
}
