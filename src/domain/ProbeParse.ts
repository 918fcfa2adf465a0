/** Pure parsers of the fixed node probes used by the census and the health check. */

/** `systemctl list-units --failed --no-legend --plain`: the first token of each line. */
export const parseFailedUnits = (out: string): ReadonlyArray<string> =>
  out.split("\n").map((l) => l.trim().replace(/^[●*]\s*/, "").split(/\s+/)[0] ?? "").filter((u) => u !== "")

export interface DockerContainer {
  readonly name: string
  readonly image: string
  readonly status: string
  readonly running: boolean
}

/** `docker ps -a --format '{{.Names}}\t{{.Image}}\t{{.Status}}'`. */
export const parseDockerPs = (out: string): ReadonlyArray<DockerContainer> =>
  out.split("\n").filter((l) => l.includes("\t")).map((l) => {
    const [name = "", image = "", status = ""] = l.split("\t")
    return { name: name.trim(), image: image.trim(), status: status.trim(), running: /^Up\b/.test(status.trim()) }
  })

export interface TailscaleStatus {
  readonly self: string
  readonly peerCount: number
  readonly online: boolean
  readonly tailnetIPs: ReadonlyArray<string>
}

/** `tailscale status --json`: the node's own name (DNSName without the dot, else HostName) and its peers. */
export const parseTailscale = (out: string): TailscaleStatus | undefined => {
  try {
    const j = JSON.parse(out) as {
      Self?: { DNSName?: string; HostName?: string; Online?: boolean; TailscaleIPs?: ReadonlyArray<string> }
      Peer?: Record<string, unknown> | null
      BackendState?: string
    }
    if (typeof j !== "object" || j === null || j.Self === undefined) return undefined
    return {
      self: (j.Self.DNSName ?? "").replace(/\.$/, "") || (j.Self.HostName ?? ""),
      peerCount: Object.keys(j.Peer ?? {}).length,
      online: j.Self.Online ?? j.BackendState === "Running",
      tailnetIPs: [...(j.Self.TailscaleIPs ?? [])]
    }
  } catch {
    return undefined
  }
}

/** `zpool status -x`: healthy when empty or when it says so; no pools counts as healthy. */
export const parseZpool = (out: string): { readonly healthy: boolean; readonly detail: string } => {
  const text = out.trim()
  const healthy = text === "" || /all pools are healthy/i.test(text) || /no pools available/i.test(text)
  return { healthy, detail: text.split("\n").slice(0, 20).join("\n") }
}

export interface Filesystem {
  readonly mount: string
  readonly size: number
  readonly used: number
  readonly avail: number
}

/** `df -B1 --output=target,size,used,avail` (header skipped). */
export const parseDf = (out: string): ReadonlyArray<Filesystem> =>
  out.split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 4).map((f) => {
    const n = f.length
    return {
      mount: f.slice(0, n - 3).join(" "),
      size: Number(f[n - 3]),
      used: Number(f[n - 2]),
      avail: Number(f[n - 1])
    }
  }).filter((f) => Number.isFinite(f.size) && f.size > 0)

export const PSEUDO_MOUNTS = ["/dev", "/run", "/sys", "/proc"]

export const isPseudoMount = (mount: string) => PSEUDO_MOUNTS.some((p) => mount === p || mount.startsWith(`${p}/`))

/** `apt-get -s upgrade`: one `Inst ` line per package that would be upgraded. */
export const countAptUpgrades = (out: string): number => out.split("\n").filter((l) => l.startsWith("Inst ")).length
