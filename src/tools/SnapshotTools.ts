import { Clock, Effect, Schema } from "effect"
import { GuestType, VmId } from "../domain/Ids.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { readsNode } from "./Annotations.js"
import { findGuest } from "./pve/Guests.js"
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  managedName,
  requireCapable,
  Snapshot
} from "./pve/Snapshots.js"
import { defineMutation, defineTool } from "./Runner.js"

export const snapshotList = defineTool({
  name: "snapshot_list",
  title: "List a guest's snapshots",
  description: "List the snapshots of a container or VM, oldest first. managed:true marks the ones this server made " +
    "(mcp- prefix); only those can be rolled back or deleted through this server. Read-only.",
  minTier: "companion",
  annotations: readsNode,
  input: Schema.Struct({ vmid: VmId }),
  output: Schema.Struct({ vmid: Schema.Number, guestType: GuestType, snapshots: Schema.Array(Snapshot) }),
  timeout: "30 seconds",
  handler: ({ vmid }) =>
    Effect.gen(function*() {
      const guest = yield* findGuest(vmid)
      return { vmid, guestType: guest.type, snapshots: yield* listSnapshots(guest) }
    })
})

export const makeSnapshotCreate = (config: AppConfigShape) =>
  defineMutation({
    name: "snapshot_create",
    title: "Snapshot a guest",
    description: `Take a snapshot (named mcp-<UTC time>) of a container or VM as a restore point before risky ` +
      `changes. Refused up front, with the reason, for guests Proxmox cannot snapshot (bind mounts, device ` +
      `passthrough, directory storage). Keeps at most ${config.guard.snapshotPerGuestCap} mcp- snapshots per guest: ` +
      `the oldest is deleted after the new one exists. ${
        config.guard.snapshotVmstate ? "VM snapshots include RAM." : "VM snapshots are disk only."
      } Audited.`,
    minTier: "companion",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    input: Schema.Struct({
      vmid: VmId,
      note: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(512)), { exact: true, default: () => "" })
        .annotations({ description: "Why the snapshot was taken; stored as its description." })
    }),
    output: Schema.Struct({
      vmid: Schema.Number,
      guestType: GuestType,
      name: Schema.String,
      task: Schema.String,
      evicted: Schema.Array(Schema.String),
      /** Old snapshots that could not be deleted; the new snapshot exists regardless. */
      evictionErrors: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
    }),
    timeout: "10 minutes",
    audit: { vmid: (i) => i.vmid },
    precheck: ({ vmid }) => Effect.flatMap(findGuest(vmid), requireCapable),
    handler: ({ note, vmid }) =>
      Effect.gen(function*() {
        const guest = yield* findGuest(vmid)
        const name = managedName(yield* Clock.currentTimeMillis)
        const done = yield* createSnapshot(guest, name, note, config.guard.snapshotVmstate)
        // Only this server's snapshots count; the one just made is never a candidate. Names embed UTC time, so a
        // name sort is chronological even when the node's clock stepped.
        const older = (yield* listSnapshots(guest)).filter((s) => s.managed && s.name !== name)
          .map((s) => s.name).sort()
        const evict = older.slice(0, Math.max(0, older.length - (config.guard.snapshotPerGuestCap - 1)))
        const evicted: Array<string> = []
        const evictionErrors: Array<string> = []
        for (const old of evict) {
          yield* deleteSnapshot(guest, old).pipe(
            Effect.match({
              onSuccess: () => evicted.push(old),
              onFailure: (e) => evictionErrors.push(`${old}: ${e.message}`)
            })
          )
        }
        return {
          vmid,
          guestType: guest.type,
          name,
          task: done.upid,
          evicted,
          ...(evictionErrors.length === 0 ? {} : { evictionErrors })
        }
      })
  })
