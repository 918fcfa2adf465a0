/**
 * One simulated machine as its shell sees it: the Proxmox host, a container, or a VM (through its agent). Plain
 * immutable data, kept in `SimState`; a snapshot keeps a reference to the guest's system of the moment.
 */

export interface SimFile {
  /** UTF-8 text, or raw bytes for data that is not text. Directories and symlinks have "". */
  readonly content: string | Uint8Array
  /** Permission bits (0o7777). */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly isDir: boolean
  /** Set for a symbolic link: its target, as written. */
  readonly symlink?: string
  /** Set for a device node, FIFO or socket (its content is ""; nothing stored can be read from it). */
  readonly special?: "fifo" | "char-device" | "block-device" | "socket"
  /** Epoch ms of the last change. */
  readonly mtimeMs: number
}

/** Absolute, normalised path → entry. `/` is always present; every entry's parent directory is present. */
export type SimFs = Readonly<Record<string, SimFile>>

export interface JournalEntry {
  /** Full unit name, e.g. `pveproxy.service`. */
  readonly unit: string
  /** Epoch ms. */
  readonly ts: number
  /** The syslog identifier (`pveproxy`, `systemd`, ...). */
  readonly ident: string
  readonly pid: number
  readonly message: string
}

export type UnitActiveState = "active" | "inactive" | "failed"

export interface SimUnit {
  readonly description: string
  readonly active: UnitActiveState
  /** `running`, `dead`, `failed`, `exited`. */
  readonly sub: string
  readonly enabled: string
  readonly restarts: number
  /** Its start/restart fails (the job ends in `failed`). */
  readonly failOnStart?: boolean
}

export interface DockerMount {
  readonly Type: string
  readonly Source: string
  readonly Destination: string
  readonly Mode: string
  readonly RW: boolean
  readonly Name?: string
}

export interface DockerContainer {
  /** 64 hex digits. */
  readonly id: string
  readonly name: string
  readonly image: string
  readonly running: boolean
  /** As `docker ps` shows it: `Up 3 weeks (healthy)`, `Exited (1) 2 days ago`. */
  readonly status: string
  readonly health?: string
  readonly ports: string
  readonly labels: Readonly<Record<string, string>>
  readonly env: ReadonlyArray<string>
  readonly mounts: ReadonlyArray<DockerMount>
  readonly logs: ReadonlyArray<{ readonly stream: "stdout" | "stderr"; readonly text: string }>
  /** The `tailscale status --json` document of a tailscale container. */
  readonly tailscaleStatus?: unknown
}

export interface SimSystem {
  readonly hostname: string
  readonly fs: SimFs
  readonly journal: ReadonlyArray<JournalEntry>
  readonly units: Readonly<Record<string, SimUnit>>
  /** Docker containers; absent when docker is not installed. */
  readonly docker?: ReadonlyArray<DockerContainer>
}

/** One line of `ip -br link|addr`. */
export interface IpLink {
  readonly name: string
  readonly state: string
  readonly mac: string
  readonly addrs: ReadonlyArray<string>
}

export interface ZpoolState {
  readonly pools: ReadonlyArray<string>
  /** Shows `rpool` DEGRADED with a mirror member UNAVAIL (pve-sim's `zpoolDegraded` knob). */
  readonly degraded: boolean
}
