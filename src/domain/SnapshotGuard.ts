import { Schema } from "effect"

/** pve-configid, as PVE validates snapshot names; ours also carry the `mcp-` prefix. */
export const MANAGED_PREFIX = "mcp-"
export const ManagedSnapshotName = Schema.String.pipe(
  Schema.pattern(/^mcp-[A-Za-z0-9_-]{1,36}$/),
  Schema.annotations({
    title: "name",
    description: "A snapshot made by this server: mcp- followed by letters, digits, _ or - (at most 40 characters).",
    message: () => "must be a snapshot made by this server: mcp- followed by letters, digits, _ or - (max 40 chars)"
  })
)

export interface Capability {
  readonly capable: boolean
  readonly reason?: string
}

const storageOf = (volume: string): string | undefined => /^([A-Za-z][A-Za-z0-9_.-]*):/.exec(volume)?.[1]

/**
 * Whether Proxmox can snapshot this guest, from its config and the node's storage types (ADR-008 §5, #15):
 * device passthrough, host bind mounts and directory-backed raw volumes block snapshots.
 */
export const snapshotCapability = (
  type: "lxc" | "qemu",
  config: Readonly<Record<string, unknown>>,
  storageTypes: Readonly<Record<string, string>>
): Capability => {
  const entries = Object.entries(config).map(([k, v]) => [k, String(v)] as const)
  const passthrough = entries.find(([k, v]) =>
    /^(hostpci|usb)\d+$/.test(k) || /^dev\d+$/.test(k) || k.startsWith("lxc.cgroup2.devices") ||
    (k === "lxc.mount.entry" && v.includes("/dev/"))
  )
  if (passthrough !== undefined) {
    return { capable: false, reason: `device passthrough (${passthrough[0]}) cannot be snapshotted` }
  }
  if (type === "lxc") {
    const bind = entries.find(([k, v]) => /^mp\d+$/.test(k) && v.startsWith("/"))
    if (bind !== undefined) {
      return {
        capable: false,
        reason: `host bind mount ${bind[0]} (${bind[1].split(",")[0]}) is not part of any snapshot; Proxmox refuses`
      }
    }
  }
  const volumes = entries.filter(([k]) =>
    type === "lxc" ? k === "rootfs" || /^mp\d+$/.test(k) : /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(k)
  )
  for (const [key, value] of volumes) {
    if (value.includes("media=cdrom") || value === "none") continue
    const storage = storageOf(value)
    const kind = storage === undefined ? undefined : storageTypes[storage]
    const qcow2 = /\.qcow2(,|$)/.test(value) || /format=qcow2/.test(value)
    if (kind === "dir" || kind === "nfs" || kind === "cifs") {
      if (type === "lxc" || !qcow2) {
        return {
          capable: false,
          reason: `${key} is on ${kind} storage '${storage}', which cannot snapshot ${
            type === "lxc" ? "containers" : "raw disks"
          }`
        }
      }
    }
  }
  return { capable: true }
}
