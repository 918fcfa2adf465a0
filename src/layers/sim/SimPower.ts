import { Either } from "effect"
import type { ApiError } from "../../domain/Errors.js"
import type { GuestType } from "../../domain/Ids.js"
import { check, ROLE_TOKEN } from "./SimAccess.js"
import type { Reply, SimRequest } from "./SimContext.js"
import { pveError, requireGuest } from "./SimContext.js"
import type { GuestChange, GuestStatus, SimGuest } from "./SimState.js"
import { forkWorker, pendingOn } from "./SimTasks.js"

/** Power actions (a worker task each) and the guest agent, with the checks and texts of PVE 9's handlers. */

export type PowerAction = "start" | "stop" | "shutdown" | "reboot"

export const POWER_ACTIONS: ReadonlyArray<PowerAction> = ["start", "stop", "shutdown", "reboot"]

/** How long each worker runs before its state change lands (the pve-sim's timings). */
export const TASK_MS: Readonly<Record<PowerAction, number>> = { start: 1200, stop: 600, shutdown: 1800, reboot: 2200 }

/** A worker that dies in its first steps (e.g. `VM 200 already running`) still runs briefly. */
export const FAILED_TASK_MS = 150

const who = (type: GuestType) => (type === "lxc" ? "CT" : "VM")

/**
 * Checks PVE makes in the API handler, before forking: they fail the request itself (HTTP 500).
 * pve-container `API2/LXC/Status.pm` checks the run state for all four (its reboot says "VM", as there);
 * qemu-server `API2/Qemu.pm` only for reboot; its start/stop/shutdown decide inside the worker.
 */
const handlerCheck = (g: SimGuest, action: PowerAction): Either.Either<void, ApiError> => {
  const running = g.status === "running"
  if (g.type === "lxc") {
    if (action === "start" && running) return pveError(`CT ${g.vmid} already running`)
    if ((action === "stop" || action === "shutdown") && !running) return pveError(`CT ${g.vmid} not running`)
  }
  if (action === "reboot" && !running) return pveError(`VM ${g.vmid} not running`)
  return Either.void
}

/** The guest's state once the tasks it already queued have ended (a worker waits for the config lock). */
const projected = (req: SimRequest, g: SimGuest): GuestStatus =>
  pendingOn(req.state, String(g.vmid), req.nowMs)
    .filter((t) => t.exitstatus === "OK")
    .flatMap((t) => t.changes)
    .reduce((status: GuestStatus, c) => (c.vmid === g.vmid ? c.status : status), g.status)

interface WorkerPlan {
  readonly exitstatus: string
  readonly durationMs: number
  readonly log: ReadonlyArray<string>
  readonly changes: ReadonlyArray<GuestChange>
}

const workerPlan = (req: SimRequest, g: SimGuest, action: PowerAction): WorkerPlan => {
  const status = projected(req, g)
  const done = (changes: ReadonlyArray<GuestChange>, log: ReadonlyArray<string> = []): WorkerPlan => ({
    exitstatus: "OK",
    durationMs: TASK_MS[action],
    log,
    changes
  })
  switch (action) {
    case "start":
      if (status === "running") {
        return {
          exitstatus: `${who(g.type)} ${g.vmid} already running`,
          durationMs: FAILED_TASK_MS,
          log: [],
          changes: []
        }
      }
      if (g.crashesOnStart === true) return done([], ["guest started, then stopped again"])
      return done(
        [{ vmid: g.vmid, status: "running", restart: false }],
        g.config["tpmstate0"] === undefined ? [] : ["swtpm_setup: Not overwriting existing state file."]
      )
    case "stop":
    case "shutdown":
      // qemu-server's vm_stop returns quietly when the VM is not running
      return done(status === "running" ? [{ vmid: g.vmid, status: "stopped", restart: false }] : [])
    case "reboot":
      return done([{ vmid: g.vmid, status: "running", restart: true }])
  }
}

/** `POST .../{vmid}/status/{start|stop|shutdown|reboot}` → the UPID of the worker. */
export const powerAction = (req: SimRequest, type: GuestType, vmid: number, action: PowerAction): Reply =>
  Either.gen(function*() {
    yield* check(req.role, `/vms/${vmid}`, "VM.PowerMgmt")
    const g = yield* requireGuest(req.state, type, vmid)
    yield* handlerCheck(g, action)
    const plan = workerPlan(req, g, action)
    const [upid, state] = forkWorker(req.state, {
      type: `${type === "lxc" ? "vz" : "qm"}${action}`,
      id: String(vmid),
      user: ROLE_TOKEN[req.role],
      ...plan
    }, req.nowMs)
    return { data: upid, state }
  })

/** What the guest agent's get-osinfo answers per ostype (shared by the API and `qm guest cmd`). */
export const OSINFO: Readonly<Record<string, Record<string, string>>> = {
  l26: {
    id: "debian",
    name: "Debian GNU/Linux",
    "pretty-name": "Debian GNU/Linux 13 (trixie)",
    version: "13 (trixie)",
    "version-id": "13",
    "kernel-release": "6.12.43+deb13-amd64",
    "kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.12.43-1 (2025-08-27)",
    machine: "x86_64"
  },
  win11: {
    id: "mswindows",
    name: "Microsoft Windows",
    "pretty-name": "Windows 11 Pro",
    version: "Microsoft Windows 11",
    "version-id": "11",
    variant: "client",
    "variant-id": "client",
    "kernel-release": "26100",
    "kernel-version": "10.0",
    machine: "x86_64"
  }
}

const agentResult = (g: SimGuest, command: string): unknown => {
  switch (command) {
    case "get-host-name":
      return { "host-name": g.name }
    case "get-osinfo":
      return OSINFO[g.config["ostype"] ?? "l26"] ?? OSINFO["l26"]
    default:
      return {}
  }
}

/** Informational agent commands: POST `ping`, GET `get-host-name` and `get-osinfo` (PVE 9: VM.GuestAgent.Audit). */
export const AGENT_COMMANDS: Readonly<Record<string, "GET" | "POST">> = {
  ping: "POST",
  "get-host-name": "GET",
  "get-osinfo": "GET"
}

/** `.../qemu/{vmid}/agent/<command>` → `{ result }`, after `assert_agent_available`'s three checks. */
export const agentCommand = (req: SimRequest, vmid: number, command: string): Reply =>
  Either.gen(function*() {
    yield* check(req.role, `/vms/${vmid}`, "VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted")
    const g = yield* requireGuest(req.state, "qemu", vmid)
    if (!g.agent.configured) return yield* pveError("No QEMU guest agent configured")
    if (g.status !== "running") return yield* pveError(`VM ${vmid} is not running`)
    if (!g.agent.running) return yield* pveError("QEMU guest agent is not running")
    return { data: { result: agentResult(g, command) } }
  })
