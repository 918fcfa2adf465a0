import { Effect, Schema } from "effect"
import { readsNode } from "./Annotations.js"
import { defined } from "./PctList.js"
import { listOf } from "./pve/Guests.js"
import { defineTool } from "./Runner.js"
import { NoInput } from "./Tool.js"

const Vm = Schema.Struct({
  vmid: Schema.Number,
  name: Schema.String,
  status: Schema.String,
  lock: Schema.String,
  memMB: Schema.optionalWith(Schema.Number, { exact: true }),
  bootDiskGB: Schema.optionalWith(Schema.Number, { exact: true }),
  pid: Schema.optionalWith(Schema.Number, { exact: true }),
  cpus: Schema.optionalWith(Schema.Number, { exact: true }),
  uptimeSec: Schema.optionalWith(Schema.Number, { exact: true })
})

const Output = Schema.Struct({ vms: Schema.Array(Vm), count: Schema.Number, note: Schema.String })

const MIB = 1024 * 1024
const round2 = (n: number) => Math.round(n * 100) / 100

export const qmList = defineTool({
  name: "qm_list",
  title: "List QEMU VMs",
  description: "List the node's QEMU virtual machines with vmid, name, status, memory (MB), boot disk size (GB, " +
    "fractional) and pid when running, sorted by vmid. Read-only; uses the Proxmox API, so it works at every tier.",
  minTier: "observe",
  annotations: readsNode,
  input: NoInput,
  output: Output,
  timeout: "30 seconds",
  handler: () =>
    listOf("qemu").pipe(Effect.map((list) => ({
      vms: list.map((g) => ({
        vmid: g.vmid,
        name: g.name ?? "",
        status: g.status,
        lock: g.lock ?? "",
        ...defined("memMB", g.maxmem === undefined ? undefined : Math.round(g.maxmem / MIB)),
        ...defined("bootDiskGB", g.maxdisk === undefined ? undefined : round2(g.maxdisk / (1024 * MIB))),
        ...defined("pid", g.status === "running" && g.pid !== undefined && g.pid > 0 ? g.pid : undefined),
        ...defined("cpus", g.cpus),
        ...defined("uptimeSec", g.uptime)
      })),
      count: list.length,
      note: "Only VMs this token may audit (VM.Audit) are listed."
    })))
})
