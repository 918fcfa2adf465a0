import { Clock, Duration, Effect, Layer } from "effect"
import type { ApiFailure, SshFailure } from "../domain/Errors.js"
import { PinMismatch, SshTimeout, SshUnavailable } from "../domain/Errors.js"
import type { ExecOptions, ExecResult, SshTransportShape } from "../services/SshTransport.js"
import { SshTransport } from "../services/SshTransport.js"
import type { SimNodeShape } from "./ProxmoxApiSimulated.js"
import { SimNode } from "./ProxmoxApiSimulated.js"
import type { Proc, Target } from "./sim/shell/Proc.js"
import { freshEnv } from "./sim/shell/Proc.js"
import { makeShellNode } from "./sim/shell/Run.js"

/**
 * The simulated node's root shell behind the SshTransport port: scripts run in a small POSIX-ish interpreter against
 * the same state as the simulated API (`pct start` shows in the API at once, an API start in `pct list`). Like the
 * real transport it runs the script under the node-side `timeout` (exit 124), caps each stream, and backs that up
 * with a client timeout. Fault rules of the SimNode matching `"SSH <script>"` apply: hang, drop, pinMismatch, latency.
 */

/** What the client waits beyond the node-side timeout before it gives up on the channel. */
export const CLIENT_GRACE_MS = 10_000
const DEFAULT_CAP = 1024 * 1024

const PINNED = "SHA256:b3BlbnNzaC1waW5uZWQtaG9zdC1rZXktc2ltdWxhdGVk"
const PRESENTED = "SHA256:YW5vdGhlci1ob3N0LWtleS1wcmVzZW50ZWQtYnktc2lt"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A stream capped at `cap` UTF-8 bytes, as the bytes arrive. */
const cappedStream = (cap: number) => {
  const chunks: Array<string> = []
  let bytes = 0
  let truncated = false
  return {
    push: (s: string) => {
      if (s === "") return
      const size = encoder.encode(s).length
      if (bytes + size <= cap) {
        chunks.push(s)
        bytes += size
        return
      }
      truncated = true
      const room = Math.max(0, cap - bytes)
      if (room > 0) chunks.push(decoder.decode(encoder.encode(s).subarray(0, room)).replace(/\uFFFD+$/, ""))
      bytes = cap
    },
    text: () => chunks.join(""),
    truncated: () => truncated
  }
}

const toSshFailure = (e: ApiFailure): SshFailure => {
  switch (e._tag) {
    case "PinMismatch":
      return new PinMismatch({
        message: `SSH host key of simulated does not match the pinned fingerprint (expected ${PINNED}, presented ` +
          `${PRESENTED}); refusing to authenticate`,
        channel: "ssh",
        endpoint: "simulated",
        expected: PINNED,
        presented: PRESENTED
      })
    case "ApiUnavailable":
      return new SshUnavailable({ message: "simulated: connection reset by peer" })
    default:
      return new SshUnavailable({ message: `simulated: ${e.message}` })
  }
}

/** The SshTransport of a simulated node. */
export const makeSimulatedShell = (sim: SimNodeShape): SshTransportShape => {
  const node = makeShellNode(sim)
  const exec = (script: string, options: ExecOptions): Effect.Effect<ExecResult, SshFailure> =>
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      yield* Effect.mapError(sim.applyFaults(`SSH ${script}`), toSshFailure)
      const cap = options.maxOutputBytes ?? DEFAULT_CAP
      const stdout = cappedStream(cap)
      const stderr = cappedStream(cap)
      const host = (yield* sim.current).host
      const target: Target = { kind: "host" }
      const stdin = options.stdin === undefined
        ? ""
        : typeof options.stdin === "string"
        ? options.stdin
        : decoder.decode(options.stdin)
      const proc: Proc = {
        node,
        target,
        env: freshEnv(target, host.hostname),
        stdin,
        out: stdout.push,
        err: stderr.push
      }
      const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000))
      const code = yield* Effect.timeoutTo(Effect.ensuring(node.script(script, proc), sim.persist), {
        duration: Duration.seconds(seconds),
        onTimeout: (): number | undefined => undefined,
        onSuccess: (c): number | undefined => c
      })
      const ended = yield* Clock.currentTimeMillis
      return {
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: code ?? 124,
        timedOut: code === undefined,
        stdoutTruncated: stdout.truncated(),
        stderrTruncated: stderr.truncated(),
        durationMs: ended - started
      }
    }).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(options.timeoutMs + CLIENT_GRACE_MS),
        onTimeout: () =>
          new SshTimeout({
            message: `no answer from simulated within ${options.timeoutMs + CLIENT_GRACE_MS} ms; channel closed`,
            timeoutMs: options.timeoutMs
          })
      })
    )
  return { endpoint: "simulated", exec }
}

/** The simulated shell of the SimNode in context (see `ProxmoxApiSimulated.layer`). */
export const SshTransportSimulated: Layer.Layer<SshTransport, never, SimNode> = Layer.effect(
  SshTransport,
  Effect.map(SimNode, makeSimulatedShell)
)
