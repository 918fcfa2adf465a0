import { Either } from "effect"
import { check, has } from "./SimAccess.js"
import type { Reply, SimRequest } from "./SimContext.js"
import { ok } from "./SimContext.js"
import { listEntry } from "./SimGuests.js"
import type { SimState } from "./SimState.js"
import { KERNEL, PVE_VERSION } from "./SimState.js"

/** Node-level reads: version, node status, storage, network, apt, cluster resources. */

const GiB = 1024 * 1024 * 1024

export const SSL_FINGERPRINT =
  "5E:1A:C7:44:9B:02:D3:6F:80:11:AB:5C:E9:27:4D:96:C0:3B:72:18:E5:A6:0D:F4:93:2C:87:41:BE:69:10:D8"

export const version = (): Reply => ok({ ...PVE_VERSION })

const memory = (state: SimState) => {
  const running = state.guests.filter((g) => g.status === "running")
  const used = Math.min(state.node.memTotal, state.node.memBase + running.reduce((sum, g) => sum + g.mem, 0))
  const available = state.node.memTotal - used
  return { total: state.node.memTotal, used, free: Math.max(0, available - 6 * GiB), available }
}

const uptimeOf = (state: SimState, nowMs: number) => Math.floor((nowMs - state.node.bootedAtMs) / 1000)

const rootfs = (state: SimState) => {
  const { avail, total, used } = state.node.rootfs
  return { total, used, avail, free: total - used }
}

/** `GET /nodes/{n}/status` (Sys.Audit on /nodes/{n}). */
export const nodeStatus = (req: SimRequest): Reply =>
  Either.map(check(req.role, `/nodes/${req.state.node.name}`, "Sys.Audit"), () => {
    const { node } = req.state
    return {
      data: {
        uptime: uptimeOf(req.state, req.nowMs),
        idle: 0,
        loadavg: [...node.loadavg],
        cpu: node.cpu,
        wait: 0.000_842,
        kversion: `Linux ${KERNEL.release} ${KERNEL.version}`,
        "current-kernel": { sysname: "Linux", release: KERNEL.release, version: KERNEL.version, machine: "x86_64" },
        "boot-info": { mode: "efi", secureboot: 0 },
        cpuinfo: { ...node.cpuinfo, hvm: "1", user_hz: 100, flags: "fpu vme de pse tsc msr pae mce cx8 apic sep" },
        memory: memory(req.state),
        swap: { total: 8 * GiB, used: 0, free: 8 * GiB },
        ksm: { shared: 0 },
        rootfs: rootfs(req.state),
        pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`
      }
    }
  })

const nodeStats = (req: SimRequest) => {
  const mem = memory(req.state)
  const { node } = req.state
  return has(req.role, "Sys.Audit")
    ? {
      cpu: node.cpu,
      maxcpu: node.cpuinfo.cpus,
      mem: mem.used,
      maxmem: mem.total,
      disk: node.rootfs.used,
      maxdisk: node.rootfs.total,
      uptime: uptimeOf(req.state, req.nowMs)
    }
    : {}
}

/** `GET /nodes`: node stats only with Sys.Audit. */
export const nodeList = (req: SimRequest): Reply =>
  ok([{
    node: req.state.node.name,
    status: "online",
    type: "node",
    id: `node/${req.state.node.name}`,
    level: "",
    ...nodeStats(req),
    ssl_fingerprint: SSL_FINGERPRINT
  }])

const storageVisible = (req: SimRequest) => has(req.role, "Datastore.Audit") || has(req.role, "Datastore.AllocateSpace")

/** `GET /nodes/{n}/storage[?content=&storage=&enabled=]`. */
export const storageList = (req: SimRequest): Reply => {
  const content = req.params["content"]
  const only = req.params["storage"]
  return ok(
    req.state.storages
      .filter(() => storageVisible(req))
      .filter((s) => content === undefined || s.content.split(",").includes(String(content)))
      .filter((s) => only === undefined || s.storage === String(only))
      .map((s) => ({
        storage: s.storage,
        type: s.type,
        content: s.content,
        enabled: 1,
        active: 1,
        shared: 0,
        total: s.total,
        used: s.used,
        avail: s.avail,
        used_fraction: Number((s.used / s.total).toFixed(6))
      }))
  )
}

/** `GET /nodes/{n}/network[?type=]`. */
export const networkList = (req: SimRequest): Reply => {
  const type = req.params["type"]
  return ok(
    req.state.network
      .filter((i) => type === undefined || i["type"] === type || (type === "any_bridge" && i["type"] === "bridge"))
      .map((i) => ({ ...i }))
  )
}

/** `GET /nodes/{n}/apt/update`: needs Sys.Modify, so an auditor cannot read pending updates. */
export const aptUpdates = (req: SimRequest): Reply =>
  Either.map(
    check(req.role, `/nodes/${req.state.node.name}`, "Sys.Modify"),
    () => ({ data: req.state.aptUpdates.map((u) => ({ ...u })) })
  )

/** `GET /cluster/resources[?type=vm|storage|node|sdn]`, filtered by privilege like PVE. */
export const clusterResources = (req: SimRequest): Reply => {
  const type = req.params["type"]
  const want = (t: string) => type === undefined || type === t
  const { node } = req.state
  const nodes = want("node")
    ? [{ id: `node/${node.name}`, type: "node", node: node.name, status: "online", level: "", ...nodeStats(req) }]
    : []
  const vms = want("vm") && has(req.role, "VM.Audit")
    ? req.state.guests.map((g) => ({
      id: `${g.type}/${g.vmid}`,
      ...listEntry(g, req.nowMs),
      type: g.type,
      node: node.name,
      template: 0
    }))
    : []
  const storages = want("storage") && storageVisible(req)
    ? req.state.storages.map((s) => ({
      id: `storage/${node.name}/${s.storage}`,
      type: "storage",
      storage: s.storage,
      node: node.name,
      status: "available",
      plugintype: s.type,
      content: s.content,
      shared: 0,
      disk: s.used,
      maxdisk: s.total
    }))
    : []
  const sdn = want("sdn") && has(req.role, "SDN.Audit")
    ? [{ id: `sdn/${node.name}/localnetwork`, type: "sdn", sdn: "localnetwork", node: node.name, status: "ok" }]
    : []
  return ok([...nodes, ...vms, ...storages, ...sdn])
}
