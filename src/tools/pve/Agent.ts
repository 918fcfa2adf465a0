import { Clock, Duration, Effect, Schema } from "effect"
import type { ApiFailure, SshFailure } from "../../domain/Errors.js"
import { ApiUnavailable, GuestNotReady } from "../../domain/Errors.js"
import { stripControl } from "../../domain/Redact.js"
import { opt } from "../../domain/SchemaUtil.js"
import { shJoin } from "../../domain/Shell.js"
import { RootApi } from "../../services/RootApi.js"
import { SshTransport } from "../../services/SshTransport.js"
import { ToolContext } from "../../services/ToolContext.js"
import { Num } from "./Decode.js"

const ExecStatus = Schema.Struct({
  /** Absent when `qm guest exec` ran out of time and answered only with the pid: not exited (yet). */
  exited: opt(Schema.Union(Schema.Boolean, Num)),
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

const parseStatus = (stdout: string) =>
  Effect.try(() => JSON.parse(stdout) as unknown).pipe(
    Effect.flatMap(Schema.decodeUnknown(Schema.extend(ExecStatus, Schema.Struct({ pid: opt(Num) })))),
    Effect.mapError(() =>
      new ApiUnavailable({
        message: `the guest agent answered with something that is not JSON: ${stdout.slice(0, 200)}`
      })
    )
  )

/**
 * Runs `sh -c <command>` in the VM through the guest agent: `qm guest exec` (agent exec, waiting up to the time
 * limit), then `qm guest exec-status` polling while the agent reports the process still running. The agent cannot
 * kill the process: on timeout the result says so and gives its pid. The SSH wrapper gets a grace period on top, so
 * the agent's honest "not exited" answer comes back rather than a bare 124 (F2).
 */
export const agentExec = (
  vmid: number,
  command: string,
  timeoutMs: number
): Effect.Effect<AgentExecResult, ApiFailure | SshFailure | GuestNotReady, SshTransport | ToolContext> =>
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const ctx = yield* ToolContext
    const started = yield* Clock.currentTimeMillis
    const secs = Math.max(1, Math.ceil(timeoutMs / 1000))
    const first = yield* ssh.exec(
      shJoin(["qm", "guest", "exec", String(vmid), "--timeout", String(secs), "--", "sh", "-c", command]),
      {
        timeoutMs: timeoutMs + 10_000
      }
    )
    if (first.exitCode !== 0 && first.stdout.trim() === "") {
      return yield* new GuestNotReady({
        vmid,
        message: `qm guest exec failed on VM ${vmid}: ${stripControl(first.stderr).trim().slice(0, 300)}`
      })
    }
    let s = yield* parseStatus(first.stdout)
    while (!(s.exited === true || s.exited === 1) && s.pid !== undefined) {
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (elapsed >= timeoutMs) break
      yield* ctx.progress(0, undefined, `VM ${vmid}: command running for ${Math.round(elapsed / 1000)} s`)
      yield* Effect.sleep(POLL)
      const next = yield* ssh.exec(shJoin(["qm", "guest", "exec-status", String(vmid), String(s.pid)]), {
        timeoutMs: 15_000
      })
      if (next.exitCode !== 0) break
      s = { ...(yield* parseStatus(next.stdout)), pid: s.pid }
    }
    const exited = s.exited === true || s.exited === 1
    return {
      exitCode: exited ? s.exitcode ?? null : null,
      ...(s.signal === undefined ? {} : { signal: `signal ${s.signal}` }),
      timedOut: !exited,
      pid: s.pid ?? 0,
      stdout: s["out-data"] ?? "",
      stderr: s["err-data"] ?? "",
      stdoutTruncated: s["out-truncated"] === true || s["out-truncated"] === 1,
      stderrTruncated: s["err-truncated"] === true || s["err-truncated"] === 1,
      durationMs: (yield* Clock.currentTimeMillis) - started
    }
  })
