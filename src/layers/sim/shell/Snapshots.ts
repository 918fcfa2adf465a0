import { Either } from "effect"
import { snapshotCapability } from "../../../domain/SnapshotGuard.js"
import type { ConfigMap, SimGuest, SimSnapshot, SimState } from "../SimState.js"
import { setStatus } from "../SimTasks.js"

/**
 * Snapshots as PVE's AbstractConfig makes them, on the shared state: the config section and a copy of the guest's
 * system (its files, journal, units), so a rollback really restores files. Used by `pct`/`qm` and by `pvesh`.
 */

export interface SnapError {
  readonly message: string
  /** A parameter error (`400 Parameter verification failed.`), raised before any worker starts. */
  readonly param?: string
}

type Result = Either.Either<SimState, SnapError>

const who = (g: SimGuest) => (g.type === "lxc" ? "CT" : "VM")
const err = (message: string): Result => Either.left({ message })

const omit = (c: ConfigMap, keys: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(Object.entries(c).filter(([k]) => !keys.includes(k)))

const replaceGuest = (s: SimState, g: SimGuest): SimState => ({
  ...s,
  guests: s.guests.map((x) => (x.vmid === g.vmid ? g : x))
})

export const validSnapname = (name: string) => /^[A-Za-z][A-Za-z0-9_-]{1,39}$/.test(name)

export const createSnapshot = (
  s: SimState,
  g: SimGuest,
  name: string,
  o: { readonly description?: string; readonly vmstate?: boolean },
  nowMs: number
): Result => {
  if (!validSnapname(name)) {
    return Either.left({ message: `invalid format - invalid configuration ID '${name}'`, param: "snapname" })
  }
  if (name === "current" || name === "vzdump") return err(`unable to use snapshot name '${name}' (reserved name)`)
  if (g.snapshots.some((x) => x.name === name)) return err(`snapshot name '${name}' already used`)
  const lock = g.config["lock"]
  if (lock !== undefined) return err(`${who(g)} is locked (${lock})`)
  const capable = snapshotCapability(g.type, g.config, Object.fromEntries(s.storages.map((x) => [x.storage, x.type])))
  if (!capable.capable) return err("snapshot feature is not available")
  const snaptime = Math.floor(nowMs / 1000)
  const parent = g.config["parent"]
  const vmstate = g.type === "qemu" && o.vmstate === true && g.status === "running"
  const config: Record<string, string> = {
    ...omit(g.config, ["parent", "description"]),
    ...(parent === undefined ? {} : { parent }),
    ...(o.description === undefined || o.description === "" ? {} : { description: o.description }),
    snaptime: String(snaptime),
    ...(vmstate ? { vmstate: `local-lvm:vm-${g.vmid}-state-${name},size=4G` } : {})
  }
  const snap: SimSnapshot = {
    name,
    description: o.description ?? "",
    snaptime,
    ...(parent === undefined ? {} : { parent }),
    ...(g.type === "qemu" ? { vmstate } : {}),
    config,
    system: g.system
  }
  return Either.right(
    replaceGuest(s, { ...g, snapshots: [...g.snapshots, snap], config: { ...g.config, parent: name } })
  )
}

export const rollbackSnapshot = (
  s: SimState,
  g: SimGuest,
  name: string,
  o: { readonly start?: boolean },
  nowMs: number
): Result => {
  const snap = g.snapshots.find((x) => x.name === name)
  if (snap === undefined) return err(`snapshot '${name}' does not exist`)
  const lock = g.config["lock"]
  if (lock !== undefined && lock !== "rollback") return err(`${who(g)} is locked (${lock})`)
  const base = snap.config === undefined
    ? omit(g.config, ["parent"])
    : omit(snap.config, ["snaptime", "vmstate", "parent"])
  const restored: SimGuest = { ...g, config: { ...base, parent: name }, system: snap.system ?? g.system }
  const running = o.start === true || (g.type === "qemu" && snap.vmstate === true)
  const stopped = setStatus(replaceGuest(s, restored).guests, g.vmid, "stopped", nowMs)
  return Either.right({ ...s, guests: running ? setStatus(stopped, g.vmid, "running", nowMs) : stopped })
}

export const deleteSnapshot = (s: SimState, g: SimGuest, name: string): Result => {
  const snap = g.snapshots.find((x) => x.name === name)
  if (snap === undefined) return err(`snapshot '${name}' does not exist`)
  const reparent = (c: ConfigMap): ConfigMap =>
    c["parent"] !== name ? c : snap.parent === undefined ? omit(c, ["parent"]) : { ...c, parent: snap.parent }
  const snapshots = g.snapshots.filter((x) => x.name !== name).map((x): SimSnapshot => {
    if (x.parent !== name) return x
    const { parent: _, ...rest } = x
    return {
      ...rest,
      ...(snap.parent === undefined ? {} : { parent: snap.parent }),
      ...(x.config === undefined ? {} : { config: reparent(x.config) })
    }
  })
  return Either.right(replaceGuest(s, { ...g, snapshots, config: reparent(g.config) }))
}
