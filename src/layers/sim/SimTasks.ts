import type { ApiParams } from "../../services/ProxmoxApi.js"
import type { GuestChange, GuestStatus, SimGuest, SimState, SimTask } from "./SimState.js"

/** Worker tasks: UPIDs in PVE's format, status and log as `/nodes/{n}/tasks/...` shows them. */

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0")

/** PVE's `PVE::UPID::decode` pattern. */
export const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/

/** A deterministic pid for a guest that came up at `atMs`. */
const guestPid = (vmid: number, atMs: number) => 10_000 + ((Math.floor(atMs / 1000) + vmid * 7) % 50_000)

/** Sets a guest's run state as of `atMs` (a no-op for an unknown vmid). */
export const setStatus = (
  guests: ReadonlyArray<SimGuest>,
  vmid: number,
  status: GuestStatus,
  atMs: number,
  restart = false
): ReadonlyArray<SimGuest> =>
  guests.map((g): SimGuest => {
    if (g.vmid !== vmid) return g
    if (status === "stopped") return { ...g, status, startedAtMs: 0, pid: 0 }
    if (g.status === "running" && !restart) return g
    return { ...g, status, startedAtMs: atMs, pid: guestPid(vmid, atMs) }
  })

/** Applies the changes of every task that ended by `nowMs`, in the order they ended. */
export const settle = (state: SimState, nowMs: number): SimState => {
  const due = state.tasks.filter((t) => !t.applied && t.endsAt <= nowMs).sort((a, b) => a.endsAt - b.endsAt)
  if (due.length === 0) return state
  const guests = due.reduce(
    (acc, t) =>
      t.exitstatus === "OK"
        ? t.changes.reduce((gs, c: GuestChange) => setStatus(gs, c.vmid, c.status, t.endsAt, c.restart), acc)
        : acc,
    state.guests
  )
  const done = new Set(due.map((t) => t.upid))
  return { ...state, guests, tasks: state.tasks.map((t) => (done.has(t.upid) ? { ...t, applied: true } : t)) }
}

/** The tasks on `id` still running at `nowMs` (a new task on the same guest waits for its config lock). */
export const pendingOn = (state: SimState, id: string, nowMs: number): ReadonlyArray<SimTask> =>
  state.tasks.filter((t) => t.id === id && t.endsAt > nowMs)

export interface NewTask {
  readonly type: string
  readonly id: string
  readonly user: string
  readonly durationMs: number
  readonly exitstatus: string
  readonly log: ReadonlyArray<string>
  readonly changes: ReadonlyArray<GuestChange>
}

/** Forks a worker: returns its UPID and the state that records it. */
export const forkWorker = (state: SimState, task: NewTask, nowMs: number): readonly [string, SimState] => {
  const pid = state.nextPid
  const pstart = Math.floor((nowMs - state.node.bootedAtMs) / 10)
  const starttime = Math.floor(nowMs / 1000)
  const upid = `UPID:${state.node.name}:${hex8(pid)}:${hex8(pstart)}:${
    hex8(starttime)
  }:${task.type}:${task.id}:${task.user}:`
  const begins = Math.max(nowMs, ...pendingOn(state, task.id, nowMs).map((t) => t.endsAt))
  const created: SimTask = {
    upid,
    pid,
    pstart,
    starttime,
    type: task.type,
    id: task.id,
    user: task.user,
    startedAtMs: nowMs,
    endsAt: begins + task.durationMs,
    exitstatus: task.exitstatus,
    log: task.log,
    changes: task.changes,
    applied: false
  }
  return [upid, { ...state, tasks: [...state.tasks, created], nextPid: pid + 1 }]
}

const isRunning = (t: SimTask, nowMs: number) => nowMs < t.endsAt

/** `user@realm!tokenid` → PVE's `user` and `tokenid` fields. */
const owner = (authid: string) => {
  const bang = authid.indexOf("!")
  return bang < 0 ? { user: authid } : { user: authid.slice(0, bang), tokenid: authid.slice(bang + 1) }
}

const ident = (t: SimTask, node: string) => ({
  upid: t.upid,
  node,
  pid: t.pid,
  pstart: t.pstart,
  starttime: t.starttime,
  type: t.type,
  id: t.id,
  ...owner(t.user)
})

/** `GET /nodes/{n}/tasks/{upid}/status`. */
export const taskStatus = (t: SimTask, node: string, nowMs: number) =>
  isRunning(t, nowMs)
    ? { ...ident(t, node), status: "running" }
    : { ...ident(t, node), status: "stopped", exitstatus: t.exitstatus }

const num = (v: ApiParams[string], fallback: number) => {
  const n = Number(v)
  return v === undefined || v === "" || !Number.isFinite(n) ? fallback : Math.max(0, Math.floor(n))
}

/** PVE's `dump_logfile`: lines numbered from 1, `start` skipped, at most `limit` (0 = all), "no content" if empty. */
export const dumpLog = (lines: ReadonlyArray<string>, params: ApiParams | undefined) => {
  const start = num(params?.["start"], 0)
  const limit = num(params?.["limit"], 50)
  if (lines.length === 0) return [{ n: 1, t: "no content" }]
  const shown = lines.slice(start, limit === 0 ? undefined : start + limit)
  return shown.map((t, i) => ({ n: start + i + 1, t }))
}

/** `GET /nodes/{n}/tasks/{upid}/log`. */
export const taskLog = (t: SimTask, nowMs: number, params: ApiParams | undefined) =>
  dumpLog(
    isRunning(t, nowMs)
      ? t.log
      : [...t.log, t.exitstatus === "OK" ? "TASK OK" : `TASK ERROR: ${t.exitstatus}`],
    params
  )

/** `GET /nodes/{n}/tasks`: newest first; finished tasks carry `endtime` and their exit status as `status`. */
export const taskList = (state: SimState, nowMs: number, params: ApiParams | undefined) => {
  const vmid = params?.["vmid"]
  const type = params?.["typefilter"]
  const activeOnly = params?.["source"] === "active"
  return [...state.tasks]
    .filter((t) => (vmid === undefined || t.id === String(vmid)) && (type === undefined || t.type === String(type)))
    .filter((t) => !activeOnly || isRunning(t, nowMs))
    .sort((a, b) => b.startedAtMs - a.startedAtMs)
    .slice(num(params?.["start"], 0), num(params?.["start"], 0) + num(params?.["limit"], 50))
    .map((t) =>
      isRunning(t, nowMs)
        ? ident(t, state.node.name)
        : { ...ident(t, state.node.name), endtime: Math.floor(t.endsAt / 1000), status: t.exitstatus }
    )
}
