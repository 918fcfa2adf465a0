import { Effect, Option, Schema } from "effect"
import { GuestNotFound } from "../../domain/Errors.js"
import type { GuestType } from "../../domain/Ids.js"
import { opt } from "../../domain/SchemaUtil.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import { call, Num } from "./Decode.js"

export const ApiGuest = Schema.Struct({
  vmid: Num,
  name: opt(Schema.String),
  status: Schema.String,
  lock: opt(Schema.String),
  maxmem: opt(Num),
  mem: opt(Num),
  maxdisk: opt(Num),
  disk: opt(Num),
  cpus: opt(Num),
  uptime: opt(Num),
  pid: opt(Num),
  tags: opt(Schema.String),
  template: opt(Num)
})
export type ApiGuest = typeof ApiGuest.Type

export interface Guest extends ApiGuest {
  readonly type: GuestType
}

export const listOf = (type: GuestType) =>
  Effect.gen(function*() {
    const { node } = yield* ProxmoxApi
    const list = yield* call(Schema.Array(ApiGuest), { method: "GET", path: `/nodes/${node}/${type}` })
    return [...list].sort((a, b) => a.vmid - b.vmid)
  })

export const listGuests = Effect.all([listOf("lxc"), listOf("qemu")], { concurrency: 2 }).pipe(
  Effect.map(([cts, vms]): ReadonlyArray<Guest> =>
    [...cts.map((g) => ({ ...g, type: "lxc" as const })), ...vms.map((g) => ({ ...g, type: "qemu" as const }))]
      .sort((a, b) => a.vmid - b.vmid)
  )
)

const typeName = (type: GuestType) => (type === "lxc" ? "container" : "VM")

/** Looks a guest up once, up front (REQ-E1): one error shape for an absent vmid or a type mismatch. */
export const findGuest = (vmid: number, expected?: GuestType) =>
  Effect.gen(function*() {
    const guests = yield* listGuests
    const guest = Option.fromNullable(guests.find((g) => g.vmid === vmid))
    if (Option.isNone(guest)) {
      return yield* new GuestNotFound({
        vmid,
        message: `Guest ${vmid} not found (or not visible to this token) on this node`
      })
    }
    if (expected !== undefined && guest.value.type !== expected) {
      return yield* new GuestNotFound({
        vmid,
        message: `Guest ${vmid} is a ${typeName(guest.value.type)}, not a ${typeName(expected)}`
      })
    }
    return guest.value
  })

export const CurrentStatus = Schema.Struct({
  status: Schema.String,
  qmpstatus: opt(Schema.String),
  uptime: opt(Num),
  agent: opt(Num),
  name: opt(Schema.String),
  lock: opt(Schema.String)
})

export const currentStatus = (type: GuestType, vmid: number) =>
  Effect.gen(function*() {
    const { node } = yield* ProxmoxApi
    return yield* call(CurrentStatus, { method: "GET", path: `/nodes/${node}/${type}/${vmid}/status/current` })
  })

export type PowerAction = "start" | "stop" | "shutdown" | "reboot"

/** Issues a power action and returns its UPID. Mutations are never retried. */
export const power = (type: GuestType, vmid: number, action: PowerAction) =>
  Effect.gen(function*() {
    const { node } = yield* ProxmoxApi
    return yield* call(Schema.String, { method: "POST", path: `/nodes/${node}/${type}/${vmid}/status/${action}` })
  })
