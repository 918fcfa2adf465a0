import { Either } from "effect"
import type { GuestType } from "../../domain/Ids.js"
import { check, has } from "./SimAccess.js"
import type { Reply, SimRequest } from "./SimContext.js"
import { ok, requireGuest, uptimeOf } from "./SimContext.js"
import type { SimGuest } from "./SimState.js"

/** Guest reads: lists, `status/current`, `config`, `snapshot`, shaped as PVE 9 answers them. */

/** A stable per-guest number, so the live counters look alive but stay deterministic. */
const seedOf = (vmid: number) => (vmid * 2_654_435_761) % 1000

/** One guest as `vmstatus` reports it (the entries of `GET /nodes/{n}/{lxc,qemu}`). */
export const listEntry = (g: SimGuest, nowMs: number): Record<string, unknown> => {
  const running = g.status === "running"
  const uptime = uptimeOf(g, nowMs)
  const seed = seedOf(g.vmid)
  const tags = g.config["tags"]
  const lock = g.config["lock"]
  return {
    vmid: g.vmid,
    name: g.name,
    status: g.status,
    ...(g.type === "lxc" ? { type: "lxc" } : {}),
    ...(running ? { pid: g.pid } : {}),
    uptime,
    cpus: g.cpus,
    cpu: running ? Number((0.002 + seed / 100_000).toFixed(6)) : 0,
    maxmem: g.maxmem,
    mem: running ? g.mem : 0,
    maxdisk: g.maxdisk,
    disk: running ? g.disk : 0,
    ...(g.type === "lxc"
      ? { maxswap: Number(g.config["swap"] ?? "0") * 1024 * 1024, swap: 0 }
      : { memhost: running ? g.mem : 0 }),
    netin: running ? 1000 * seed + uptime * 97 : 0,
    netout: running ? 800 * seed + uptime * 61 : 0,
    diskread: running ? 4096 * seed : 0,
    diskwrite: running ? 2048 * seed + uptime * 13 : 0,
    ...(tags === undefined ? {} : { tags }),
    ...(g.config["template"] === "1" ? { template: 1 } : {}),
    ...(lock === undefined ? {} : { lock })
  }
}

/** `GET /nodes/{n}/{lxc,qemu}`: no privilege needed; filtered to guests with VM.Audit. */
export const guestList = (req: SimRequest, type: GuestType): Reply =>
  ok(
    req.state.guests
      .filter((g) => g.type === type && has(req.role, "VM.Audit"))
      .map((g) => listEntry(g, req.nowMs))
  )

const audited = (req: SimRequest, type: GuestType, vmid: number) =>
  Either.flatMap(check(req.role, `/vms/${vmid}`, "VM.Audit"), () => requireGuest(req.state, type, vmid))

/** `GET .../{vmid}/status/current`. */
export const currentStatus = (req: SimRequest, type: GuestType, vmid: number): Reply =>
  Either.map(audited(req, type, vmid), (g) => {
    const base = { ...listEntry(g, req.nowMs), ha: { managed: 0 } }
    if (type === "lxc") return { data: base }
    const running = g.status === "running"
    const machine = g.config["machine"] ?? "pc-i440fx-10.0"
    return {
      data: {
        ...base,
        qmpstatus: g.status,
        ...(running ? { "running-qemu": "10.0.2", "running-machine": `${machine}+pve0` } : {}),
        ...(g.agent.configured ? { agent: 1 } : {})
      }
    }
  })

/** Keys PVE's config schema types as integer or boolean: it answers them as JSON numbers, the rest as strings. */
const NUMERIC: Readonly<Record<GuestType, ReadonlySet<string>>> = {
  lxc: new Set(["cores", "cpuunits", "memory", "swap", "onboot", "unprivileged", "protection", "template", "tty"]),
  qemu: new Set(["cores", "sockets", "vcpus", "numa", "onboot", "balloon", "cpuunits", "protection", "template"])
}

/** A stable 40-hex digest of a config, standing in for PVE's SHA-1 of the file. */
const digestOf = (text: string) => {
  let a = 0x811c9dc5
  let b = 0x01000193
  const out: Array<string> = []
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < text.length; i++) {
      a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0
      b = Math.imul(b + text.charCodeAt(i) + round, 0x5bd1e995) >>> 0
    }
    out.push(((a ^ b) >>> 0).toString(16).padStart(8, "0"))
  }
  return out.join("")
}

/** `GET .../{vmid}/config`. */
export const guestConfig = (req: SimRequest, type: GuestType, vmid: number): Reply =>
  Either.map(audited(req, type, vmid), (g) => {
    const entries = Object.entries(g.config).map((
      [k, v]
    ) => [k, NUMERIC[type].has(k) && /^\d+$/.test(v) ? Number(v) : v])
    return { data: { ...Object.fromEntries(entries), digest: digestOf(JSON.stringify(g.config)) } }
  })

/** `GET .../{vmid}/snapshot`: the snapshots plus PVE's `current` pseudo entry. */
export const snapshotList = (req: SimRequest, type: GuestType, vmid: number): Reply =>
  Either.map(audited(req, type, vmid), (g) => {
    const parent = g.config["parent"]
    const snaps = g.snapshots.map((s) => ({
      name: s.name,
      snaptime: s.snaptime,
      description: s.description,
      ...(type === "qemu" ? { vmstate: s.vmstate === true ? 1 : 0 } : {}),
      ...(s.parent === undefined ? {} : { parent: s.parent })
    }))
    const current = {
      name: "current",
      digest: digestOf(JSON.stringify(g.config)),
      running: g.status === "running" ? 1 : 0,
      description: "You are here!",
      ...(parent === undefined ? {} : { parent })
    }
    return { data: [...snaps, current] }
  })
