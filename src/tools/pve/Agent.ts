import { Clock, Duration, Effect, Schema } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import { GuestNotReady } from "../../domain/Errors.js"
import { opt } from "../../domain/SchemaUtil.js"
import { RootApi } from "../../services/RootApi.js"
import { ToolContext } from "../../services/ToolContext.js"
import { callOn, Num } from "./Decode.js"

const ExecStatus = Schema.Struct({
  exited: Schema.Union(Schema.Boolean, Num),
  exitcode: opt(Num),
  signal: opt(Num),
  "out-data": opt(Schema.String),
  "err-data": opt(Schema.String),
  "out-truncated": opt(Schema.Union(Schema.Boolean, Num)),
  "err-truncated": opt(Schema.Union(Schema.Boolean, Num))
})

export interface AgentExecResult {
  readonly exitCode: number | null
  readonly signal?: string
  readonly timedOut: boolean
  readonly pid: number
  readonly stdout: string
  readonly stderr: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  readonly durationMs: number
}

const POLL = Duration.millis(200)

/** Pings the agent; a VM whose agent does not answer gets one error that names the fix. */
export const requireAgent = (vmid: number) =>
  Effect.gen(function*() {
    const api = yield* RootApi
    yield* api.request({ method: "POST", path: `/nodes/${api.node}/qemu/${vmid}/agent/ping` }).pipe(
      Effect.catchTag("ApiError", (e) =>
        Effect.fail(
          new GuestNotReady({
            vmid,
            message: `the QEMU guest agent of VM ${vmid} does not answer (${e.message}). It must be installed and ` +
              "running in the guest (qemu-guest-agent) and enabled on the VM (agent: 1); the VM must be running."
          })
        ))
    )
  })

/**
 * Runs `sh -c <command>` in the VM through the agent (agent/exec), then polls exec-status until it exits or the
 * time is up. The agent cannot kill the process: on timeout the result says so and gives its pid.
 */
export const agentExec = (
  vmid: number,
  command: string,
  timeoutMs: number
): Effect.Effect<AgentExecResult, ApiFailure, RootApi | ToolContext> =>
  Effect.gen(function*() {
    const api = yield* RootApi
    const ctx = yield* ToolContext
    const base = `/nodes/${api.node}/qemu/${vmid}/agent`
    const started = yield* Clock.currentTimeMillis
    const { pid } = yield* callOn(api, Schema.Struct({ pid: Num }), {
      method: "POST",
      path: `${base}/exec`,
      params: { command: ["sh", "-c", command] }
    })
    while (true) {
      const s = yield* callOn(api, ExecStatus, { method: "GET", path: `${base}/exec-status`, params: { pid } })
      const elapsed = (yield* Clock.currentTimeMillis) - started
      const exited = s.exited === true || s.exited === 1
      if (exited || elapsed >= timeoutMs) {
        return {
          exitCode: exited ? s.exitcode ?? null : null,
          ...(s.signal === undefined ? {} : { signal: `signal ${s.signal}` }),
          timedOut: !exited,
          pid,
          stdout: s["out-data"] ?? "",
          stderr: s["err-data"] ?? "",
          stdoutTruncated: s["out-truncated"] === true || s["out-truncated"] === 1,
          stderrTruncated: s["err-truncated"] === true || s["err-truncated"] === 1,
          durationMs: elapsed
        }
      }
      yield* ctx.progress(0, undefined, `VM ${vmid}: command running for ${Math.round(elapsed / 1000)} s`)
      yield* Effect.sleep(POLL)
    }
  })
