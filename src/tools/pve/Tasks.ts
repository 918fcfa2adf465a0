import { Clock, Duration, Effect, Option, Schema } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import { ApiUnavailable, StateNotReached, TaskFailed } from "../../domain/Errors.js"
import type { GuestType } from "../../domain/Ids.js"
import { parseUpid } from "../../domain/Upid.js"
import type { ProxmoxApiShape } from "../../services/ProxmoxApi.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import { ToolContext } from "../../services/ToolContext.js"
import { callOn, Num } from "./Decode.js"
import { currentStatus } from "./Guests.js"

const TaskStatus = Schema.Struct({
  status: Schema.String,
  exitstatus: Schema.optionalWith(Schema.String, { exact: true })
})

const LogLine = Schema.Struct({ n: Num, t: Schema.String })

export interface TaskResult {
  readonly upid: string
  readonly exitStatus: string
  readonly durationMs: number
}

const LOG_TAIL = 20
const POLL = Duration.millis(400)

const logTail = (api: ProxmoxApiShape, node: string, upid: string) =>
  callOn(api, Schema.Array(LogLine), {
    method: "GET",
    path: `/nodes/${node}/tasks/${upid}/log`,
    params: { start: 0, limit: 5000 }
  }).pipe(
    Effect.map((lines) => lines.slice(-LOG_TAIL).map((l) => l.t)),
    Effect.orElseSucceed(() => ["(the task log could not be read)"])
  )

const isOk = (exit: string) => exit === "OK" || exit.startsWith("WARNINGS")

/**
 * Follows a Proxmox task to its end. The node comes from the UPID, so a task on another cluster node is
 * followed where it runs. Sends progress while it waits; a failed task carries its log tail.
 */
export const waitTask = (
  raw: string,
  label: string
): Effect.Effect<TaskResult, ApiFailure | TaskFailed, ProxmoxApi | ToolContext> =>
  Effect.flatMap(ProxmoxApi, (api) => waitTaskOn(api, raw, label))

/** The same over an explicit API (root's pvesh at companion). */
export const waitTaskOn = (
  api: ProxmoxApiShape,
  raw: string,
  label: string
): Effect.Effect<TaskResult, ApiFailure | TaskFailed, ToolContext> =>
  Effect.gen(function*() {
    const upid = parseUpid(raw)
    if (Option.isNone(upid)) return yield* new ApiUnavailable({ message: `Proxmox returned no task id: ${raw}` })
    const ctx = yield* ToolContext
    const { node } = upid.value
    const started = yield* Clock.currentTimeMillis
    let polls = 0
    while (true) {
      const status = yield* callOn(api, TaskStatus, {
        method: "GET",
        path: `/nodes/${node}/tasks/${raw}/status`
      })
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (status.status !== "running") {
        const exitStatus = status.exitstatus ?? "unknown"
        if (isOk(exitStatus)) return { upid: raw, exitStatus, durationMs: elapsed }
        return yield* new TaskFailed({
          message: `${label} failed: ${exitStatus}`,
          upid: raw,
          exitStatus,
          logTail: yield* logTail(api, node, raw)
        })
      }
      polls += 1
      yield* ctx.progress(polls, undefined, `${label}: task running for ${Math.round(elapsed / 100) / 10} s`)
      yield* Effect.sleep(POLL)
    }
  })

/**
 * Polls the guest until it reports `expected`. An exit code is never trusted as proof of a state change.
 */
export const awaitStatus = (
  type: GuestType,
  vmid: number,
  expected: "running" | "stopped",
  options: { readonly intervalMs: number; readonly timeoutMs: number }
): Effect.Effect<void, ApiFailure | StateNotReached, ProxmoxApi | ToolContext> =>
  Effect.gen(function*() {
    const ctx = yield* ToolContext
    const started = yield* Clock.currentTimeMillis
    while (true) {
      const current = yield* currentStatus(type, vmid)
      if (current.status === expected) return
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (elapsed >= options.timeoutMs) {
        return yield* new StateNotReached({
          message: `the task finished but guest ${vmid} is still ${current.status} after ${
            Math.round(elapsed / 1000)
          } s (expected ${expected})`,
          vmid,
          expected,
          actual: current.status
        })
      }
      yield* ctx.progress(0, undefined, `waiting for guest ${vmid} to be ${expected} (now ${current.status})`)
      yield* Effect.sleep(Duration.millis(options.intervalMs))
    }
  })
