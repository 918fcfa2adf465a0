import { Schema } from "effect"

/** PVE's VMID rule (pve-common `pve-vmid`): 100 to 999999999. */
export const VmId = Schema.Number.pipe(
  Schema.int(),
  Schema.between(100, 999_999_999),
  Schema.annotations({
    title: "vmid",
    description: "Guest id (VMID) of a container or VM, 100 to 999999999."
  })
)

/** PVE's node-name rule: letters, digits and inner dashes, no dots. */
export const NodeName = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/),
  Schema.annotations({ title: "node", description: "Proxmox node name." })
)

export const GuestType = Schema.Literal("lxc", "qemu")
export type GuestType = typeof GuestType.Type
