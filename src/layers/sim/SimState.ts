import type { GuestType } from "../../domain/Ids.js"
import { seedHost, seedIpLinks } from "./shell/SeedHost.js"
import type { IpLink, SimSystem, ZpoolState } from "./shell/SimSystem.js"
import { seedGuests } from "./SimSeedGuests.js"

export type {
  DockerContainer,
  IpLink,
  JournalEntry,
  SimFile,
  SimFs,
  SimSystem,
  SimUnit,
  ZpoolState
} from "./shell/SimSystem.js"

/** The state of the simulated PVE 9 node. Immutable; every change makes a new value (see `SimNode.state`). */

export type GuestStatus = "running" | "stopped"

/** Guest config as PVE keeps it in `/etc/pve/nodes/<node>/{lxc,qemu-server}/<vmid>.conf`: every value a string. */
export type ConfigMap = Readonly<Record<string, string>>

export interface SimSnapshot {
  readonly name: string
  readonly description: string
  /** Epoch seconds. */
  readonly snaptime: number
  readonly parent?: string
  readonly vmstate?: boolean
  /** The guest's config when the snapshot was taken (PVE's `[name]` section). */
  readonly config?: ConfigMap
  /** The guest's system (filesystem, journal, units) when the snapshot was taken: rollback restores it. */
  readonly system?: SimSystem
}

export interface SimGuest {
  readonly vmid: number
  readonly type: GuestType
  readonly name: string
  readonly status: GuestStatus
  /** When the guest last came up (epoch ms); uptime is derived from it while running. */
  readonly startedAtMs: number
  /** The guest's main process id while running (QEMU process, or the container's init). */
  readonly pid: number
  readonly config: ConfigMap
  readonly maxmem: number
  readonly maxdisk: number
  readonly cpus: number
  /** Memory in use while running (bytes). */
  readonly mem: number
  /** Root filesystem in use while running (bytes; PVE reports 0 for VMs). */
  readonly disk: number
  /** QEMU guest agent: enabled in the config, and answering inside the guest. */
  readonly agent: { readonly configured: boolean; readonly running: boolean }
  readonly snapshots: ReadonlyArray<SimSnapshot>
  /** Its start task ends OK but the guest falls over at once (a boot crash): the state stays stopped. */
  readonly crashesOnStart?: boolean
  /** What runs inside: its filesystem, journal, units and docker containers (`pct exec`, the agent). */
  readonly system: SimSystem
}

export interface SimStorage {
  readonly storage: string
  readonly type: string
  readonly content: string
  readonly total: number
  readonly used: number
  readonly avail: number
}

/** A state change a task makes when it ends successfully. */
export interface GuestChange {
  readonly vmid: number
  readonly status: GuestStatus
  /** true for a reboot: the guest stays running but comes up anew (uptime restarts). */
  readonly restart: boolean
}

export interface SimTask {
  readonly upid: string
  readonly pid: number
  readonly pstart: number
  /** Epoch seconds, as in the UPID. */
  readonly starttime: number
  /** vzstart, qmstop, ... */
  readonly type: string
  readonly id: string
  /** The full auth id that started it (`user@realm!tokenid`). */
  readonly user: string
  readonly startedAtMs: number
  readonly endsAt: number
  /** "OK" or the error text, as PVE's `exitstatus`. */
  readonly exitstatus: string
  /** Log lines written while the task runs (the final `TASK OK` / `TASK ERROR: ...` line is added when it ends). */
  readonly log: ReadonlyArray<string>
  readonly changes: ReadonlyArray<GuestChange>
  /** Whether `changes` were applied to the guests (done lazily, on the first read after `endsAt`). */
  readonly applied: boolean
}

export type NetworkIface = Readonly<Record<string, string | number | ReadonlyArray<string>>>
export type AptUpdate = Readonly<Record<string, string>>

export interface SimNodeInfo {
  readonly name: string
  readonly bootedAtMs: number
  readonly cpuinfo: {
    readonly cpus: number
    readonly model: string
    readonly sockets: number
    readonly cores: number
    readonly mhz: string
  }
  readonly memTotal: number
  /** Memory the host itself uses; running guests add theirs. */
  readonly memBase: number
  readonly rootfs: { readonly total: number; readonly used: number; readonly avail: number }
  readonly loadavg: readonly [string, string, string]
  readonly cpu: number
}

export interface SimState {
  readonly node: SimNodeInfo
  readonly guests: ReadonlyArray<SimGuest>
  readonly storages: ReadonlyArray<SimStorage>
  readonly network: ReadonlyArray<NetworkIface>
  readonly aptUpdates: ReadonlyArray<AptUpdate>
  readonly tasks: ReadonlyArray<SimTask>
  /** Next worker pid for a task's UPID. */
  readonly nextPid: number
  /** The node's own system, as its shell sees it (`/etc/pve`, journal, units). */
  readonly host: SimSystem
  readonly ipLinks: ReadonlyArray<IpLink>
  readonly zpool: ZpoolState
}

export const PVE_VERSION = { version: "9.0.10", release: "9.0", repoid: "deb1ca707ec72a89" } as const
export const KERNEL = {
  release: "6.14.11-2-pve",
  version: "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)"
} as const

const DAY = 86_400_000

/** The homelab of /work/shared/pve-sim (node `pve`, PVE 9.0.10), as it looks at `nowMs`. */
export const seedState = (nowMs: number, node = "pve"): SimState => ({
  node: {
    name: node,
    bootedAtMs: nowMs - 12 * DAY - 4 * 3_600_000 - 17 * 60_000,
    cpuinfo: { cpus: 6, model: "Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz", sockets: 1, cores: 6, mhz: "2100.000" },
    memTotal: 33_488_027_648,
    memBase: 2_684_354_560,
    rootfs: { total: 100_861_726_720, used: 14_213_398_528, avail: 81_478_115_328 },
    loadavg: ["0.12", "0.20", "0.18"],
    cpu: 0.031_847
  },
  guests: seedGuests(nowMs),
  storages: [
    {
      storage: "local",
      type: "dir",
      content: "backup,images,iso,rootdir,vztmpl",
      total: 100_861_726_720,
      used: 14_213_398_528,
      avail: 81_478_115_328
    },
    {
      storage: "local-lvm",
      type: "lvmthin",
      content: "images,rootdir",
      total: 374_538_764_288,
      used: 41_909_403_648,
      avail: 332_629_360_640
    }
  ],
  network: [
    {
      iface: "enp3s0",
      type: "eth",
      method: "manual",
      method6: "manual",
      families: ["inet"],
      active: 1,
      exists: 1,
      priority: 3
    },
    {
      iface: "vmbr0",
      type: "bridge",
      method: "static",
      method6: "manual",
      families: ["inet"],
      active: 1,
      autostart: 1,
      address: "127.77.0.10",
      netmask: "24",
      cidr: "127.77.0.10/24",
      gateway: "127.77.0.1",
      bridge_ports: "enp3s0",
      bridge_stp: "off",
      bridge_fd: "0",
      priority: 4
    }
  ],
  aptUpdates: [
    apt("pve-manager", "Proxmox Virtual Environment Management Tools", "9.0.11", "9.0.10", "amd64", "important"),
    apt("proxmox-kernel-6.14", "Latest Proxmox Kernel Image", "6.14.11-3", "6.14.11-2", "all", "optional"),
    apt("libpve-common-perl", "Proxmox VE base library", "9.0.11", "9.0.10", "all", "optional")
  ],
  tasks: [],
  nextPid: 0x0003_1A2C,
  host: seedHost(nowMs, node),
  ipLinks: seedIpLinks,
  zpool: { pools: [], degraded: false }
})

function apt(pkg: string, title: string, version: string, old: string, arch: string, priority: string): AptUpdate {
  return {
    Package: pkg,
    Title: title,
    Version: version,
    OldVersion: old,
    Arch: arch,
    Priority: priority,
    Section: pkg.endsWith("-perl") ? "perl" : "admin",
    Origin: "Proxmox",
    Description: title
  }
}
