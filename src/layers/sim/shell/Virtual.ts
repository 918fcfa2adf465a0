import type { SimGuest, SimState } from "../SimState.js"
import { KERNEL } from "../SimState.js"
import type { Target } from "./Proc.js"
import type { SimFile, SimFs } from "./SimSystem.js"

/**
 * Files no one stores: `/proc` from the node's state (so `/proc/loadavg` agrees with the API), `/dev/null`, and the
 * host's `/etc/pve/nodes/<node>/{lxc,qemu-server}/<vmid>.conf` written from the guests' configs as pmxcfs shows them.
 */

/** PVE's comment encoding: `%` and control characters as `%XX`. */
const encodeText = (s: string) =>
  [...s].map((c) =>
    c === "%" || c.charCodeAt(0) < 0x20 ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}` : c
  ).join("")

const section = (config: Readonly<Record<string, string>>): string => {
  const description = (config["description"] ?? "").replace(/\n+$/, "")
  const head = description === "" ? "" : description.split("\n").map((l) => `#${encodeText(l)}\n`).join("")
  const body = Object.keys(config).filter((k) => k !== "description").sort().map((k) => `${k}: ${config[k]}\n`)
  return head + body.join("")
}

/** A guest's config file in PVE's format: current section, then one `[name]` section per snapshot. */
export const serializeConf = (g: SimGuest): string =>
  section(g.config) + g.snapshots.map((s) =>
    `\n[${s.name}]\n${
      section(
        s.config ?? {
          description: s.description,
          snaptime: String(s.snaptime),
          ...(s.parent === undefined ? {} : { parent: s.parent })
        }
      )
    }`
  ).join("")

export const memoryOf = (s: SimState) => {
  const running = s.guests.filter((g) => g.status === "running")
  const used = Math.min(s.node.memTotal, s.node.memBase + running.reduce((sum, g) => sum + g.mem, 0))
  return { total: s.node.memTotal, used, free: Math.max(0, s.node.memTotal - used - 6 * 1024 ** 3) }
}

/** Memory, cpus and uptime as seen inside the target (lxcfs gives a container its own). */
export const machineOf = (s: SimState, t: Target, nowMs: number) => {
  const g = t.kind === "guest" ? s.guests.find((x) => x.vmid === t.vmid) : undefined
  if (g === undefined) {
    const mem = memoryOf(s)
    return { ...mem, cpus: s.node.cpuinfo.cpus, uptimeSec: Math.floor((nowMs - s.node.bootedAtMs) / 1000) }
  }
  const used = g.status === "running" ? g.mem : 0
  return {
    total: g.maxmem,
    used,
    free: Math.max(0, g.maxmem - used - Math.floor(g.maxmem / 8)),
    cpus: g.cpus,
    uptimeSec: Math.max(0, Math.floor((nowMs - g.startedAtMs) / 1000))
  }
}

const meminfo = (m: { readonly total: number; readonly used: number; readonly free: number }) => {
  const kb = (n: number) => `${String(Math.floor(n / 1024)).padStart(8)} kB`
  const available = m.total - m.used
  return [
    `MemTotal:       ${kb(m.total)}`,
    `MemFree:        ${kb(m.free)}`,
    `MemAvailable:   ${kb(available)}`,
    `Buffers:        ${kb(64 * 1024 * 1024)}`,
    `Cached:         ${kb(Math.max(0, available - m.free - 64 * 1024 * 1024))}`,
    `SwapTotal:      ${kb(8 * 1024 ** 3)}`,
    `SwapFree:       ${kb(8 * 1024 ** 3)}`,
    ""
  ].join("\n")
}

const file = (content: string, mtimeMs: number, mode = 0o444, gid = 0): SimFile => ({
  content,
  mode,
  uid: 0,
  gid,
  isDir: false,
  mtimeMs
})

const device = (mtimeMs: number): SimFile => ({ ...file("", mtimeMs, 0o666), special: "char-device" })

/** The virtual entries of the target at `nowMs`, to lay over its stored filesystem. */
export const virtualFiles = (s: SimState, t: Target, nowMs: number): SimFs => {
  const m = machineOf(s, t, nowMs)
  const [l1, l5, l15] = s.node.loadavg
  const cpu = Array.from(
    { length: m.cpus },
    (_, i) =>
      `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: ${s.node.cpuinfo.model}\n` +
      `cpu MHz\t\t: ${s.node.cpuinfo.mhz}\ncpu cores\t: ${m.cpus}\n\n`
  ).join("")
  const boot = nowMs - m.uptimeSec * 1000
  const proc = (content: string) => file(content, nowMs)
  const files: Record<string, SimFile> = {
    "/proc": { content: "", mode: 0o555, uid: 0, gid: 0, isDir: true, mtimeMs: boot },
    "/proc/loadavg": proc(`${l1} ${l5} ${l15} 1/612 40512\n`),
    "/proc/uptime": proc(`${m.uptimeSec}.42 ${m.uptimeSec * m.cpus}.17\n`),
    "/proc/meminfo": proc(meminfo(m)),
    "/proc/cpuinfo": proc(cpu),
    "/proc/version": proc(
      `Linux version ${KERNEL.release} (build@proxmox) (gcc (Debian 14.2.0-19) 14.2.0) ${KERNEL.version}\n`
    ),
    "/dev/null": device(boot),
    "/dev/zero": device(boot),
    "/dev/urandom": device(boot)
  }
  if (t.kind === "host") {
    for (const g of s.guests) {
      const dirName = g.type === "lxc" ? "lxc" : "qemu-server"
      files[`/etc/pve/nodes/${s.node.name}/${dirName}/${g.vmid}.conf`] = file(serializeConf(g), boot, 0o640, 33)
    }
  }
  return files
}

/** Paths the shell may not write (pmxcfs configs are written through pct/qm/pvesh here). */
export const readOnlyPath = (path: string, t: Target, node: string): string | undefined => {
  if (path === "/proc" || path.startsWith("/proc/") || path.startsWith("/sys/")) return "Permission denied"
  if (t.kind === "host" && /^\/etc\/pve\/nodes\/[^/]+\/(lxc|qemu-server)\/\d+\.conf$/.test(path)) {
    return path.includes(`/nodes/${node}/`) ? "Permission denied" : undefined
  }
  return undefined
}
