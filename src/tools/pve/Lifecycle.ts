import { Effect, Schema } from "effect"
import { GuestType } from "../../domain/Ids.js"
import { opt } from "../../domain/SchemaUtil.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Guest, PowerAction } from "./Guests.js"
import { findGuest, power } from "./Guests.js"
import { awaitStatus, waitTask } from "./Tasks.js"

export const LifecycleOutput = Schema.Struct({
  vmid: Schema.Number,
  guestType: GuestType,
  name: Schema.String,
  /** The Proxmox task id (UPID), or "" when nothing had to be done. */
  task: Schema.String,
  /** The state read back from the node after the task ended. */
  status: Schema.Literal("running", "stopped"),
  alreadyRunning: opt(Schema.Boolean),
  alreadyStopped: opt(Schema.Boolean),
  wasStopped: opt(Schema.Boolean),
  taskDurationMs: opt(Schema.Number)
})
export type LifecycleOutput = typeof LifecycleOutput.Type

const label = (guest: Guest, action: PowerAction) =>
  `${action} of ${guest.type === "lxc" ? "CT" : "VM"} ${guest.vmid}${guest.name ? ` (${guest.name})` : ""}`

/** Issues the action, follows its task to the end, then polls until the guest really is in `target`. */
export const driveTo = (guest: Guest, action: PowerAction, target: "running" | "stopped") =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const upid = yield* power(guest.type, guest.vmid, action)
    const task = yield* waitTask(upid, label(guest, action))
    yield* awaitStatus(guest.type, guest.vmid, target, {
      intervalMs: config.verifyIntervalMs,
      timeoutMs: config.verifyTimeoutMs
    })
    return {
      vmid: guest.vmid,
      guestType: guest.type,
      name: guest.name ?? "",
      task: task.upid,
      status: target,
      taskDurationMs: task.durationMs
    }
  })

const noop = (guest: Guest, status: "running" | "stopped") => ({
  vmid: guest.vmid,
  guestType: guest.type,
  name: guest.name ?? "",
  task: "",
  status
})

export const startGuest = (vmid: number) =>
  Effect.gen(function*() {
    const guest = yield* findGuest(vmid)
    if (guest.status === "running") return { ...noop(guest, "running"), alreadyRunning: true }
    return { ...(yield* driveTo(guest, "start", "running")), alreadyRunning: false }
  })

export const stopGuest = (vmid: number) =>
  Effect.gen(function*() {
    const guest = yield* findGuest(vmid)
    if (guest.status === "stopped") return { ...noop(guest, "stopped"), alreadyStopped: true }
    return { ...(yield* driveTo(guest, "stop", "stopped")), alreadyStopped: false }
  })

export const restartGuest = (vmid: number) =>
  Effect.gen(function*() {
    const guest = yield* findGuest(vmid)
    if (guest.status !== "running") return { ...(yield* driveTo(guest, "start", "running")), wasStopped: true }
    return { ...(yield* driveTo(guest, "reboot", "running")), wasStopped: false }
  })
