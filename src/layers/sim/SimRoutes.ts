import { Either } from "effect"
import type { GuestType } from "../../domain/Ids.js"
import { check, permissions, ROLE_TOKEN } from "./SimAccess.js"
import type { Reply, SimRequest } from "./SimContext.js"
import { notImplemented, ok, paramError, parseVmid, pveError } from "./SimContext.js"
import { currentStatus, guestConfig, guestList, snapshotList } from "./SimGuests.js"
import {
  aptUpdates,
  clusterResources,
  networkList,
  nodeList,
  nodeStatus,
  storageList,
  version
} from "./SimNodeRoutes.js"
import type { PowerAction } from "./SimPower.js"
import { AGENT_COMMANDS, agentCommand, POWER_ACTIONS, powerAction } from "./SimPower.js"
import { taskList, taskLog, taskStatus, UPID_PATTERN } from "./SimTasks.js"

/** Route matching for the simulated PVE REST API (paths relative to `/api2/json`). */

const subdirs = (names: ReadonlyArray<string>, key = "subdir") => ok(names.map((name) => ({ [key]: name })))

const isGuestType = (s: string | undefined): s is GuestType => s === "lxc" || s === "qemu"
const isPowerAction = (s: string | undefined): s is PowerAction => POWER_ACTIONS.some((a) => a === s)

const guestRoute = (req: SimRequest, type: GuestType, rawVmid: string, sub: ReadonlyArray<string>): Reply =>
  Either.flatMap(parseVmid(rawVmid), (vmid): Reply => {
    const [first, second] = sub
    const get = req.method === "GET"
    if (sub.length === 2 && first === "status" && second === "current" && get) return currentStatus(req, type, vmid)
    if (sub.length === 2 && first === "status" && req.method === "POST" && isPowerAction(second)) {
      return powerAction(req, type, vmid, second)
    }
    if (sub.length === 1 && first === "config" && get) return guestConfig(req, type, vmid)
    if (sub.length === 1 && first === "snapshot" && get) return snapshotList(req, type, vmid)
    if (type === "qemu" && sub.length === 2 && first === "agent" && second !== undefined) {
      if (Object.hasOwn(AGENT_COMMANDS, second) && AGENT_COMMANDS[second] === req.method) {
        return agentCommand(req, vmid, second)
      }
    }
    return notImplemented(req)
  })

const taskRoute = (req: SimRequest, sub: ReadonlyArray<string>): Reply => {
  const [upid, what] = sub
  if (upid === undefined) {
    return req.method === "GET"
      ? ok(taskList(req.state, req.nowMs, req.params))
      : notImplemented(req)
  }
  if (sub.length !== 2 || req.method !== "GET" || (what !== "status" && what !== "log")) return notImplemented(req)
  if (!UPID_PATTERN.test(upid)) return paramError("upid", "unable to parse worker upid")
  const task = req.state.tasks.find((t) => t.upid === upid)
  if (what === "status") {
    return task === undefined
      ? paramError("upid", "no such task")
      : ok(taskStatus(task, req.state.node.name, req.nowMs))
  }
  return ok(
    task === undefined
      ? [{ n: 1, t: "unable to open file - No such file or directory" }]
      : taskLog(task, req.nowMs, req.params)
  )
}

const nodeRoute = (req: SimRequest, sub: ReadonlyArray<string>): Reply => {
  const [first, second, ...more] = sub
  const get = req.method === "GET"
  if (sub.length === 0 && get) {
    return subdirs(["apt", "lxc", "network", "qemu", "status", "storage", "tasks", "version"], "name")
  }
  if (first === "tasks") return taskRoute(req, sub.slice(1))
  if (isGuestType(first)) {
    if (sub.length === 1 && get) return guestList(req, first)
    if (second !== undefined) return guestRoute(req, first, second, more)
  }
  if (!get) return notImplemented(req)
  if (sub.length === 1) {
    switch (first) {
      case "status":
        return nodeStatus(req)
      case "version":
        return version()
      case "storage":
        return storageList(req)
      case "network":
        return networkList(req)
    }
  }
  if (sub.length === 2 && first === "apt" && second === "update") return aptUpdates(req)
  return notImplemented(req)
}

const accessRoute = (req: SimRequest): Reply => {
  if (req.method !== "GET" || req.segments.length !== 2 || req.segments[1] !== "permissions") {
    return notImplemented(req)
  }
  const userid = req.params["userid"]
  const path = req.params["path"]
  const node = req.state.node.name
  if (userid === undefined || String(userid) === ROLE_TOKEN[req.role]) {
    return ok(permissions(req.role, node, path === undefined ? undefined : String(path)))
  }
  return Either.map(check(req.role, "/access", "Sys.Audit"), () => ({ data: {} }))
}

const clusterRoute = (req: SimRequest): Reply => {
  const what = req.segments[1]
  if (req.method !== "GET" || req.segments.length !== 2) return notImplemented(req)
  if (what === "resources") return clusterResources(req)
  if (what === "status") {
    const name = req.state.node.name
    return Either.map(check(req.role, "/", "Sys.Audit"), () => ({
      data: [{ type: "node", id: `node/${name}`, name, ip: "127.77.0.10", local: 1, nodeid: 0, online: 1, level: "" }]
    }))
  }
  return notImplemented(req)
}

/** Answers one request against the (already settled) state. Pure: the caller stores `state` when present. */
export const route = (req: SimRequest): Reply => {
  const [head, node, ...sub] = req.segments
  const get = req.method === "GET"
  if (head === undefined) {
    return get
      ? subdirs(["access", "cluster", "nodes", "pools", "storage", "version"])
      : notImplemented(req)
  }
  if (head === "version" && node === undefined) return get ? version() : notImplemented(req)
  if (head === "access") return accessRoute(req)
  if (head === "cluster") return clusterRoute(req)
  if (head !== "nodes") return notImplemented(req)
  if (node === undefined) return get ? nodeList(req) : notImplemented(req)
  if (node !== req.state.node.name && node !== "localhost") {
    return pveError(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`
    )
  }
  return nodeRoute(req, sub)
}
