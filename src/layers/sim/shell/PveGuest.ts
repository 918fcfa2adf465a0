import { Effect, Either } from "effect"
import type { GuestType } from "../../../domain/Ids.js"
import { configPath } from "../SimContext.js"
import { listEntry } from "../SimGuests.js"
import type { SimGuest, SimState } from "../SimState.js"
import { setStatus } from "../SimTasks.js"
import type { Proc } from "./Proc.js"
import { fail, modifyState, print, stateNow } from "./Proc.js"
import type { PveArgs } from "./PveFormat.js"
import { printConfig, pveArgs, snapshotTree } from "./PveFormat.js"
import type { SnapError } from "./Snapshots.js"
import { createSnapshot, deleteSnapshot, rollbackSnapshot } from "./Snapshots.js"
import { unlines } from "./Text.js"

/** What `pct` and `qm` share: lifecycle, config, snapshots, with PVE's texts and exit 255 on errors. */

export const who = (type: GuestType) => (type === "lxc" ? "CT" : "VM")

/** The guest, or PVE's error for a malformed or unknown vmid. */
export const findGuest = (s: SimState, type: GuestType, raw: string | undefined): Either.Either<SimGuest, string> => {
  if (raw === undefined || !/^\d+$/.test(raw)) {
    return Either.left(`400 Parameter verification failed.\nvmid: type check ('integer') failed - got '${raw ?? ""}'`)
  }
  const g = s.guests.find((x) => x.vmid === Number(raw) && x.type === type)
  return g === undefined
    ? Either.left(`Configuration file '${configPath(s.node.name, type, Number(raw))}' does not exist`)
    : Either.right(g)
}

export const hostLog = (s: SimState, nowMs: number, message: string): SimState => ({
  ...s,
  host: {
    ...s.host,
    journal: [...s.host.journal, { unit: "pvedaemon.service", ts: nowMs, ident: "pvedaemon", pid: 1205, message }]
  }
})

/** Runs a change on the guest; its Left is printed as PVE prints a `die` (exit 255). */
export const change = (
  p: Proc,
  type: GuestType,
  raw: string | undefined,
  f: (s: SimState, g: SimGuest, nowMs: number) => Either.Either<SimState, string | SnapError>
): Effect.Effect<number> =>
  Effect.flatMap(
    modifyState<Either.Either<void, string | SnapError>>(p, (s, now) => {
      const g = findGuest(s, type, raw)
      if (Either.isLeft(g)) return [Either.left(g.left), s] as const
      const r = f(s, g.right, now)
      return Either.isLeft(r) ? [Either.left(r.left), s] as const : [Either.right(undefined), r.right] as const
    }),
    (r) => {
      if (Either.isRight(r)) return Effect.succeed(0)
      const e = r.left
      if (typeof e === "string") return fail(p, e, 255)
      return fail(
        p,
        e.param === undefined ? e.message : `400 Parameter verification failed.\n${e.param}: ${e.message}`,
        255
      )
    }
  )

const power = (p: Proc, type: GuestType, action: string, raw: string | undefined, o: PveArgs) =>
  change(p, type, raw, (s, g, now) => {
    const running = g.status === "running"
    const lock = g.config["lock"]
    if (lock !== undefined && !o.flag("skiplock")) return Either.left(`${who(type)} is locked (${lock})`)
    const next = (status: "running" | "stopped", restart = false) =>
      hostLog(
        { ...s, guests: setStatus(s.guests, g.vmid, status, now, restart) },
        now,
        `${action} ${who(type)} ${g.vmid}`
      )
    switch (action) {
      case "start":
        if (running) return Either.left(`${who(type)} ${g.vmid} already running`)
        return Either.right(g.crashesOnStart === true ? s : next("running"))
      case "stop":
      case "shutdown":
        if (!running) return type === "qemu" ? Either.right(s) : Either.left(`CT ${g.vmid} not running`)
        return Either.right(next("stopped"))
      default:
        if (!running) return Either.left(`${who(type)} ${g.vmid} not running`)
        return Either.right(next("running", true))
    }
  })

/** The subcommands of `pct` and `qm` with the same shape; `undefined` for the others. */
export const guestCommon = (
  type: GuestType,
  cmd: string,
  args: ReadonlyArray<string>,
  p: Proc
): Effect.Effect<number> | undefined => {
  const o = pveArgs(args)
  const [raw, name] = o.pos
  const opt = o.get
  switch (cmd) {
    case "start":
    case "stop":
    case "shutdown":
    case "reboot":
    case "reset":
      return power(p, type, cmd === "reset" ? "reboot" : cmd, raw, o)
    case "status":
    case "config":
    case "listsnapshot":
    case "pending":
      return Effect.flatMap(stateNow(p), (s) => {
        const g = findGuest(s, type, raw)
        if (Either.isLeft(g)) return fail(p, g.left, 255)
        if (cmd === "listsnapshot") return print(p, snapshotTree(g.right))
        if (cmd === "pending") {
          return print(
            p,
            unlines(Object.keys(g.right.config).sort().map((k) => `cur ${k}: ${g.right.config[k]}`))
          )
        }
        if (cmd === "config") {
          const text = printConfig(g.right, opt("snapshot"))
          return Either.isLeft(text) ? fail(p, text.left, 255) : print(p, text.right)
        }
        if (!o.flag("verbose")) return print(p, `status: ${g.right.status}\n`)
        return Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (now) => {
          const st = listEntry(g.right, now)
          return print(
            p,
            unlines([
              `status: ${g.right.status}`,
              ...Object.keys(st).filter((k) => k !== "status").sort().map((k) => `${k}: ${String(st[k])}`)
            ])
          )
        })
      })
    case "snapshot":
      if (name === undefined) {
        return fail(
          p,
          `400 not enough arguments\n${type === "lxc" ? "pct" : "qm"} snapshot <vmid> <snapname> [OPTIONS]`,
          255
        )
      }
      return change(p, type, raw, (s, g, now) => {
        const description = opt("description")
        return Either.map(
          createSnapshot(s, g, name, {
            ...(description === undefined ? {} : { description }),
            vmstate: o.flag("vmstate")
          }, now),
          (next) => hostLog(next, now, `snapshot ${name} created for ${who(type)} ${g.vmid}`)
        )
      })
    case "rollback":
      if (name === undefined) return fail(p, "400 not enough arguments", 255)
      return change(
        p,
        type,
        raw,
        (s, g, now) =>
          Either.map(
            rollbackSnapshot(s, g, name, { start: o.flag("start") }, now),
            (next) => hostLog(next, now, `rollback ${who(type)} ${g.vmid} to snapshot ${name}`)
          )
      )
    case "delsnapshot":
      if (name === undefined) return fail(p, "400 not enough arguments", 255)
      return change(p, type, raw, (s, g) => deleteSnapshot(s, g, name))
    default:
      return undefined
  }
}
