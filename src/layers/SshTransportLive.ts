import type { Scope } from "effect"
import { Clock, Deferred, Duration, Effect, Exit, FiberId, Layer, Option, Schedule } from "effect"
import type { Client as SshClient } from "ssh2"
import type { PinMismatch, SshFailure } from "../domain/Errors.js"
import { NotConfigured, SshTimeout, SshUnavailable } from "../domain/Errors.js"
import { timeoutWrap } from "../domain/Shell.js"
import type { SshSettings } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import type { ExecOptions, ExecResult, SshTransportShape } from "../services/SshTransport.js"
import { SshTransport } from "../services/SshTransport.js"
import type { ChannelOutput } from "./ssh/Channels.js"
import { DEFAULT_MAX_OUTPUT_BYTES, runChannel } from "./ssh/Channels.js"
import { connectOnce } from "./ssh/Connection.js"
import { makeHostKeyPolicy } from "./ssh/HostKey.js"

/** OpenSSH `MaxSessions` (10 per connection, SFTP included): more channels queue for a slot. */
export const MAX_CHANNELS = 10
export const MAX_CONNECT_ATTEMPTS = 3
const MAX_BACKOFF = Duration.seconds(30)

/** Delay before retry n (n ≥ 1): `min(base × 2^(n-1), 30 s)` × a random factor in [0.5, 1]. */
export const reconnectSchedule = (baseMs: number) =>
  Schedule.exponential(Duration.millis(baseMs)).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, MAX_BACKOFF)),
    Schedule.jitteredWith({ min: 0.5, max: 1 }),
    Schedule.intersect(Schedule.recurs(MAX_CONNECT_ATTEMPTS - 1))
  )

/** The node-side `timeout` in whole seconds (at least 1); odd inputs (0, negative, NaN) become 1. */
const nodeSeconds = (timeoutMs: number) =>
  Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.max(1, Math.ceil(timeoutMs / 1000)) : 1

const outputCap = (n: number | undefined) =>
  n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : DEFAULT_MAX_OUTPUT_BYTES

type State =
  | { readonly _tag: "Idle" }
  | { readonly _tag: "Connecting"; readonly deferred: Deferred.Deferred<SshClient, SshUnavailable | PinMismatch> }
  | { readonly _tag: "Ready"; readonly client: SshClient }
  | { readonly _tag: "Closed" }

/**
 * Root SSH to the node over one lazily opened, persistent, host-key-pinned connection; each `exec` is a channel
 * (at most `MAX_CHANNELS` at once). The connection ends when the scope closes.
 */
export const makeSshTransport = (settings: SshSettings): Effect.Effect<SshTransportShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const endpoint = `${settings.host}:${settings.port}`
    const runtime = yield* Effect.runtime<never>()
    const scope = yield* Effect.scope
    const hostKey = makeHostKeyPolicy(settings)
    const slots = yield* Effect.makeSemaphore(MAX_CHANNELS)
    const dropped = new WeakSet<SshClient>()
    let state: State = { _tag: "Idle" }

    const forget = (client: SshClient) => {
      dropped.add(client)
      if (state._tag === "Ready" && state.client === client) state = { _tag: "Idle" }
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const last = state
        state = { _tag: "Closed" }
        if (last._tag === "Ready") last.client.end()
      })
    )

    // Up to MAX_CONNECT_ATTEMPTS with backoff; trust and authentication failures are never retried.
    const connect = Effect.suspend(() => {
      let attempt = 0
      return connectOnce({ settings, endpoint, hostKey, runtime, onDrop: forget }).pipe(
        Effect.tapError((f) => {
          attempt += 1
          return Effect.logWarning(
            `SSH connect attempt ${attempt}/${MAX_CONNECT_ATTEMPTS} to ${endpoint} failed: ${f.error.message}`
          )
        }),
        Effect.retry({ schedule: reconnectSchedule(settings.reconnectDelayMs), while: (f) => f.retryable }),
        Effect.mapError((f) => f.error)
      )
    })

    // Concurrent callers share one in-flight connect; its result (success or failure) goes to all of them, and a
    // failure is not cached: the next call tries again.
    const getClient: Effect.Effect<SshClient, SshUnavailable | PinMismatch> = Effect.suspend(() => {
      switch (state._tag) {
        case "Ready":
          return Effect.succeed(state.client)
        case "Connecting":
          return Deferred.await(state.deferred)
        case "Closed":
          return Effect.fail(new SshUnavailable({ message: `SSH transport to ${endpoint} is shut down` }))
        case "Idle": {
          const deferred = Deferred.unsafeMake<SshClient, SshUnavailable | PinMismatch>(FiberId.none)
          state = { _tag: "Connecting", deferred }
          const settleState = (exit: Exit.Exit<SshClient, SshUnavailable | PinMismatch>) =>
            Effect.sync(() => {
              const current = state._tag === "Connecting" && state.deferred === deferred
              if (Exit.isSuccess(exit) && (!current || dropped.has(exit.value))) exit.value.end()
              if (!current) return
              state = Exit.isSuccess(exit) && !dropped.has(exit.value)
                ? { _tag: "Ready", client: exit.value }
                : { _tag: "Idle" }
            })
          return connect.pipe(
            Effect.onExit(settleState),
            Effect.exit,
            Effect.flatMap((exit) => Deferred.done(deferred, exit)),
            // Interrupted by the layer's scope closing: the waiters are released too.
            Effect.ensuring(Deferred.interrupt(deferred)),
            Effect.forkIn(scope),
            Effect.zipRight(Deferred.await(deferred))
          )
        }
      }
    })

    const exec = (script: string, options: ExecOptions): Effect.Effect<ExecResult, SshFailure> =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const secs = nodeSeconds(options.timeoutMs)
        const backstopMs = secs * 1000 + settings.commandGraceMs
        const request = {
          endpoint,
          command: timeoutWrap(secs, script, "bash"),
          maxOutputBytes: outputCap(options.maxOutputBytes),
          ...(options.stdin === undefined ? {} : { stdin: options.stdin })
        }
        const attempt = (retried: boolean): Effect.Effect<ChannelOutput, SshFailure> =>
          Effect.flatMap(getClient, (client) =>
            runChannel({ ...request, client }).pipe(
              Effect.timeoutFail({
                duration: Duration.millis(backstopMs),
                onTimeout: () =>
                  new SshTimeout({
                    timeoutMs: options.timeoutMs,
                    message: `command on ${endpoint} did not finish within its ${secs} s node-side timeout plus ` +
                      `${settings.commandGraceMs} ms grace; its channel was closed (the connection stays up). ` +
                      "A background process it started may still be running on the node."
                  })
              }),
              // The connection was gone before the command was sent: reconnect and send it once more.
              Effect.catchTag("NotConnected", (e) => {
                forget(e.client)
                return retried
                  ? Effect.fail(new SshUnavailable({ message: `SSH to ${endpoint}: not connected` }))
                  : attempt(true)
              })
            ))
        const out = yield* slots.withPermits(1)(attempt(false))
        const ended = yield* Clock.currentTimeMillis
        return { ...out, timedOut: out.exitCode === 124, durationMs: ended - started }
      })

    return SshTransport.of({ endpoint, exec })
  })

export const SshTransportLive: Layer.Layer<SshTransport, NotConfigured, AppConfig> = Layer.scoped(
  SshTransport,
  Effect.flatMap(AppConfig, (config) => {
    const settings = Option.filter(config.ssh, (s) => s.keyPath.trim() !== "")
    return Option.isNone(settings)
      ? Effect.fail(
        new NotConfigured({
          message: "root SSH to the node is not configured: set SSH_HOST and SSH_KEY_PATH (the private key for " +
            "root SSH to the node; optionally SSH_HOST_KEY_FINGERPRINT to pin its ed25519 host key)"
        })
      )
      : makeSshTransport(settings.value)
  })
)
