import { Effect, Option, Schema } from "effect"
import { ApiNotFound, GuestNotReady, StateNotReached } from "../domain/Errors.js"
import { GuestType, VmId } from "../domain/Ids.js"
import { ManagedSnapshotName } from "../domain/SnapshotGuard.js"
import { AppConfig } from "../services/AppConfig.js"
import { RollbackBreaker } from "../services/RollbackBreaker.js"
import { RootApi } from "../services/RootApi.js"
import { callOn } from "./pve/Decode.js"
import type { Guest } from "./pve/Guests.js"
import { findGuest } from "./pve/Guests.js"
import { deleteSnapshot, findSnapshot, listSnapshots, rollbackSnapshot } from "./pve/Snapshots.js"
import { awaitStatus, waitTaskOn } from "./pve/Tasks.js"
import { defineMutation } from "./Runner.js"

const requireSnapshot = (guest: Guest, name: string) =>
  Effect.flatMap(listSnapshots(guest), (list) =>
    Option.match(findSnapshot(list, name), {
      onSome: Effect.succeed,
      onNone: () => Effect.fail(new ApiNotFound({ message: `guest ${guest.vmid} has no snapshot ${name}`, path: name }))
    }))

/** The same tagged error with more said in its message. */
const withMessage = <E extends { readonly message: string }>(e: E, message: string): E =>
  Object.assign(Object.create(Object.getPrototypeOf(e) as object) as E, e, { message })

const power = (guest: Guest, action: "stop" | "start", target: "running" | "stopped") =>
  Effect.gen(function*() {
    const root = yield* RootApi
    const config = yield* AppConfig
    const upid = yield* callOn(root, Schema.String, {
      method: "POST",
      path: `/nodes/${root.node}/${guest.type}/${guest.vmid}/status/${action}`
    })
    yield* waitTaskOn(root, upid, `${action} of guest ${guest.vmid}`)
    yield* awaitStatus(guest.type, guest.vmid, target, {
      intervalMs: config.verifyIntervalMs,
      timeoutMs: config.verifyTimeoutMs
    })
  })

const RollbackInput = Schema.Struct({
  vmid: VmId,
  name: ManagedSnapshotName,
  stopIfRunning: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
    .annotations({ description: "A running guest is refused unless this is true; it is then stopped first." }),
  confirm: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Set true only after the user explicitly approved this rollback. Ignored when the client can ask."
  }),
  overrideCircuitBreaker: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
    .annotations({ description: "Only when the user explicitly asked for it." })
})

export const snapshotRollback = defineMutation({
  name: "snapshot_rollback",
  title: "Roll a guest back to a snapshot",
  description: "Roll a container or VM back to one of this server's mcp- snapshots: everything the guest did since " +
    "is lost. Needs the user's approval. A running guest is stopped first only with stopIfRunning, and started " +
    "again afterwards; the restart is verified by polling. Repeated rollbacks of one guest are stopped by a " +
    "circuit breaker. Audited.",
  minTier: "companion",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: RollbackInput,
  output: Schema.Struct({
    vmid: Schema.Number,
    guestType: GuestType,
    name: Schema.String,
    wasRunning: Schema.Boolean,
    restarted: Schema.Boolean,
    note: Schema.optionalWith(Schema.String, { exact: true })
  }),
  timeout: "15 minutes",
  audit: {
    vmid: (i) => i.vmid,
    isLargeChange: () => true,
    note: (i) => (i.overrideCircuitBreaker ? "circuitBreakerOverridden" : undefined)
  },
  precheck: (i) => Effect.flatMap(RollbackBreaker, (b) => b.check(`guest/${i.vmid}`, i.overrideCircuitBreaker)),
  confirm: {
    question: (i) =>
      `Roll guest ${i.vmid} back to snapshot ${i.name}; everything since that snapshot is lost.` +
      (i.stopIfRunning ? " If the guest is running it is hard-stopped first." : "") +
      (i.overrideCircuitBreaker ? " This overrides the rollback circuit breaker, which stops repeated rollbacks." : ""),
    argument: (i) => i.confirm
  },
  handler: (input) =>
    Effect.gen(function*() {
      const guest = yield* findGuest(input.vmid)
      const snapshot = yield* requireSnapshot(guest, input.name)
      const wasRunning = guest.status === "running"
      if (wasRunning && !input.stopIfRunning) {
        return yield* new GuestNotReady({
          vmid: input.vmid,
          message: `guest ${input.vmid} is running; nothing was done`
        })
      }
      if (!input.overrideCircuitBreaker) yield* Effect.flatMap(RollbackBreaker, (b) => b.strike(`guest/${input.vmid}`))
      if (wasRunning) yield* power(guest, "stop", "stopped")
      yield* rollbackSnapshot(guest, input.name).pipe(
        Effect.mapError((
          e
        ) => (wasRunning ? withMessage(e, `${e.message} (this call stopped the guest; it is still stopped)`) : e))
      )
      const base = { vmid: input.vmid, guestType: guest.type, name: input.name, wasRunning }
      if (guest.type === "qemu" && snapshot.withRam) {
        // Proxmox starts a VM by itself after rolling back to a snapshot with RAM state: only verify that it runs.
        const config = yield* AppConfig
        yield* awaitStatus(guest.type, guest.vmid, "running", {
          intervalMs: config.verifyIntervalMs,
          timeoutMs: config.verifyTimeoutMs
        })
        return {
          ...base,
          restarted: true,
          note: "restored with RAM state: the VM resumed where the snapshot was taken"
        }
      }
      const diskOnly = guest.type === "qemu" ? { note: "disk-only rollback: the VM starts as after a power loss" } : {}
      if (!wasRunning) return { ...base, restarted: false, ...diskOnly }
      yield* power(guest, "start", "running").pipe(
        Effect.mapError((e) =>
          e._tag === "StateNotReached"
            ? new StateNotReached({ ...e, message: `the rollback to ${input.name} succeeded, but ${e.message}` })
            : e
        )
      )
      return { ...base, restarted: true, ...diskOnly }
    })
})

export const snapshotDelete = defineMutation({
  name: "snapshot_delete",
  title: "Delete one of this server's snapshots",
  description: "Delete an mcp- snapshot of a container or VM. Snapshots made by people are never touched. Audited.",
  minTier: "companion",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: Schema.Struct({ vmid: VmId, name: ManagedSnapshotName }),
  output: Schema.Struct({ vmid: Schema.Number, guestType: GuestType, name: Schema.String, task: Schema.String }),
  timeout: "10 minutes",
  audit: { vmid: (i) => i.vmid },
  handler: ({ name, vmid }) =>
    Effect.gen(function*() {
      const guest = yield* findGuest(vmid)
      yield* requireSnapshot(guest, name)
      const done = yield* deleteSnapshot(guest, name)
      return { vmid, guestType: guest.type, name, task: done.upid }
    })
})
