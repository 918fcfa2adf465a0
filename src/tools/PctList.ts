import { Effect, Schema } from "effect"
import { readsNode } from "./Annotations.js"
import { listOf } from "./pve/Guests.js"
import { defineTool } from "./Runner.js"
import { NoInput } from "./Tool.js"

const Container = Schema.Struct({
  vmid: Schema.Number,
  name: Schema.String,
  status: Schema.String,
  lock: Schema.String,
  cpus: Schema.optionalWith(Schema.Number, { exact: true }),
  memBytes: Schema.optionalWith(Schema.Number, { exact: true }),
  maxMemBytes: Schema.optionalWith(Schema.Number, { exact: true }),
  maxDiskBytes: Schema.optionalWith(Schema.Number, { exact: true }),
  uptimeSec: Schema.optionalWith(Schema.Number, { exact: true })
})

const Output = Schema.Struct({
  containers: Schema.Array(Container),
  count: Schema.Number,
  note: Schema.String
})

const defined = <K extends string>(key: K, value: number | undefined): { readonly [P in K]?: number } =>
  (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: number }

export const pctList = defineTool({
  name: "pct_list",
  title: "List LXC containers",
  description: "List the node's LXC containers with vmid, name, status (running/stopped) and lock, sorted by vmid. " +
    "Read-only; uses the Proxmox API, so it works at every tier.",
  minTier: "observe",
  annotations: readsNode,
  input: NoInput,
  output: Output,
  timeout: "30 seconds",
  handler: () =>
    listOf("lxc").pipe(Effect.map((list) => ({
      containers: list.map((g) => ({
        vmid: g.vmid,
        name: g.name ?? "",
        status: g.status,
        lock: g.lock ?? "",
        ...defined("cpus", g.cpus),
        ...defined("memBytes", g.mem),
        ...defined("maxMemBytes", g.maxmem),
        ...defined("maxDiskBytes", g.maxdisk),
        ...defined("uptimeSec", g.uptime)
      })),
      count: list.length,
      note: "Only containers this token may audit (VM.Audit) are listed."
    })))
})

export { defined }
