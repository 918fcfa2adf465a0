import { Effect, Option, Schema } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import { GuardRefused } from "../../domain/Errors.js"
import { opt } from "../../domain/SchemaUtil.js"
import type { Capability } from "../../domain/SnapshotGuard.js"
import { MANAGED_PREFIX, snapshotCapability } from "../../domain/SnapshotGuard.js"
import type { ProxmoxApiShape } from "../../services/ProxmoxApi.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import { RootApi } from "../../services/RootApi.js"
import { callOn, Num } from "./Decode.js"
import type { Guest } from "./Guests.js"
import { guestConfig, storageList } from "./Node.js"
import { waitTaskOn } from "./Tasks.js"

const ApiSnapshot = Schema.Struct({
  name: Schema.String,
  description: opt(Schema.String),
  snaptime: opt(Num),
  parent: opt(Schema.String),
  vmstate: opt(Num)
})

export const Snapshot = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  createdAt: Schema.NullOr(Schema.String),
  parent: Schema.NullOr(Schema.String),
  withRam: Schema.Boolean,
  /** Made by this server (`mcp-` prefix): only these are ever rolled back, deleted or evicted. */
  managed: Schema.Boolean
})
export type Snapshot = typeof Snapshot.Type

const path = (api: ProxmoxApiShape, guest: Guest) => `/nodes/${api.node}/${guest.type}/${guest.vmid}/snapshot`

/** The guest's snapshots, oldest first, without PVE's `current` pseudo-entry. */
export const listSnapshots = (guest: Guest) =>
  Effect.gen(function*() {
    const api = yield* ProxmoxApi
    const list = yield* callOn(api, Schema.Array(ApiSnapshot), { method: "GET", path: path(api, guest) })
    return list
      .filter((s) => s.name !== "current")
      .map((s): Snapshot => ({
        name: s.name,
        description: (s.description ?? "").trim(),
        createdAt: s.snaptime === undefined ? null : new Date(s.snaptime * 1000).toISOString(),
        parent: s.parent ?? null,
        withRam: (s.vmstate ?? 0) === 1,
        managed: s.name.startsWith(MANAGED_PREFIX)
      }))
      .sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.name.localeCompare(b.name))
  })

/** Reads the config and storage types with the token (VM.Audit, Datastore.Audit) and decides. */
export const capabilityOf = (guest: Guest): Effect.Effect<Capability, ApiFailure, ProxmoxApi> =>
  Effect.gen(function*() {
    const [config, storages] = yield* Effect.all([guestConfig(guest.type, guest.vmid), storageList], {
      concurrency: 2
    })
    return snapshotCapability(guest.type, config, Object.fromEntries(storages.map((s) => [s.storage, s.type])))
  })

/** Refuses up front, with the reason, when Proxmox cannot snapshot this guest. */
export const requireCapable = (guest: Guest) =>
  Effect.flatMap(capabilityOf(guest), (c) =>
    c.capable
      ? Effect.void
      : Effect.fail(
        new GuardRefused({
          rule: "snapshot-capability",
          message:
            `guest ${guest.vmid} cannot be snapshotted: ${c.reason ?? "unsupported"}. A backup (vzdump) is the ` +
            "way to keep a restore point for it"
        })
      ))

const task =
  (method: "POST" | "DELETE", suffix: string, params: Record<string, string | number>, label: string) =>
  (guest: Guest) =>
    Effect.gen(function*() {
      const root = yield* RootApi
      const upid = yield* callOn(root, Schema.String, { method, path: `${path(root, guest)}${suffix}`, params })
      return yield* waitTaskOn(root, upid, label)
    })

export const createSnapshot = (guest: Guest, name: string, description: string, vmstate: boolean) =>
  task("POST", "", {
    snapname: name,
    ...(description === "" ? {} : { description }),
    ...(guest.type === "qemu" ? { vmstate: vmstate ? 1 : 0 } : {})
  }, `snapshot ${name} of guest ${guest.vmid}`)(guest)

export const deleteSnapshot = (guest: Guest, name: string) =>
  task("DELETE", `/${name}`, {}, `delete snapshot ${name} of guest ${guest.vmid}`)(guest)

export const rollbackSnapshot = (guest: Guest, name: string) =>
  task("POST", `/${name}/rollback`, {}, `rollback of guest ${guest.vmid} to ${name}`)(guest)

/** `mcp-YYYYMMDD-HHMMSS` in UTC: sorts chronologically and passes pve-configid. */
export const managedName = (nowMs: number) =>
  `${MANAGED_PREFIX}${new Date(nowMs).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`

export const findSnapshot = (list: ReadonlyArray<Snapshot>, name: string) =>
  Option.fromNullable(list.find((s) => s.name === name))
