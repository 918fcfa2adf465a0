import { Cause, Data, Effect, Exit, Option, Runtime } from "effect"
import { promises as fsp } from "node:fs"
import type { Client as SshClient, ConnectConfig } from "ssh2"
import ssh2 from "ssh2"
import type { PinMismatch } from "../../domain/Errors.js"
import { SshUnavailable } from "../../domain/Errors.js"
import { fingerprintOf } from "../../domain/Fingerprint.js"
import type { SshSettings } from "../../services/AppConfig.js"
import type { HostKeyPolicy } from "./HostKey.js"
import { HOST_KEY_ALGORITHM } from "./HostKey.js"

/** One failed connect attempt; only transport trouble is `retryable` (never trust or authentication failures). */
export class ConnectFailed extends Data.TaggedError("ConnectFailed")<{
  readonly error: SshUnavailable | PinMismatch
  readonly retryable: boolean
}> {}

export const KEEPALIVE_MS = 10_000
export const READY_TIMEOUT_MS = 8_000

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined
const levelOf = (e: Error): string | undefined => "level" in e && typeof e.level === "string" ? e.level : undefined

const unavailable = (message: string, retryable: boolean) =>
  new ConnectFailed({ error: new SshUnavailable({ message }), retryable })

/** Reads (on every attempt) and checks the private key; the message names the file, never its content. */
const readKey = (keyPath: string): Effect.Effect<Buffer, ConnectFailed> =>
  Effect.tryPromise({
    try: () => fsp.readFile(keyPath),
    catch: (e) =>
      unavailable(`cannot read the SSH private key ${keyPath} (SSH_KEY_PATH): ${errnoOf(e) ?? "read failed"}`, false)
  }).pipe(
    Effect.flatMap((key) => {
      const parsed = ssh2.utils.parseKey(key)
      const first = Array.isArray(parsed) ? parsed[0] : parsed
      if (first !== undefined && !(first instanceof Error) && first.isPrivateKey()) return Effect.succeed(key)
      const why = first instanceof Error ? first.message : "it holds no private key"
      return Effect.fail(unavailable(`the SSH private key ${keyPath} (SSH_KEY_PATH) cannot be used: ${why}`, false))
    })
  )

const classify = (settings: SshSettings, endpoint: string, e: Error): ConnectFailed => {
  const level = levelOf(e)
  if (level === "client-authentication") {
    return unavailable(
      `SSH authentication as ${settings.user} to ${endpoint} was rejected: the key ${settings.keyPath} ` +
        `(SSH_KEY_PATH) was not accepted; its public key may be missing from /root/.ssh/authorized_keys on the node ` +
        "(or the user is wrong). Not retried, so sshd does not penalise this address.",
      false
    )
  }
  if (level === "handshake") {
    return unavailable(`SSH handshake with ${endpoint} failed: ${e.message}; not retried`, false)
  }
  if (level === "client-timeout") {
    return unavailable(`SSH to ${endpoint}: no handshake within ${READY_TIMEOUT_MS} ms`, true)
  }
  return unavailable(`SSH to ${endpoint} failed: ${errnoOf(e) ?? e.message}`, true)
}

export interface ConnectOptions {
  readonly settings: SshSettings
  readonly endpoint: string
  readonly hostKey: HostKeyPolicy
  readonly runtime: Runtime.Runtime<never>
  /** Called once when an established connection closes, ends or errors (the cache forgets it). */
  readonly onDrop: (client: SshClient) => void
}

/** One connect attempt: TCP, handshake with the host key decided in `hostVerifier`, key-only authentication. */
export const connectOnce = (opts: ConnectOptions): Effect.Effect<SshClient, ConnectFailed> =>
  Effect.flatMap(readKey(opts.settings.keyPath), (privateKey) =>
    Effect.async<SshClient, ConnectFailed>((resume) => {
      const { endpoint, settings } = opts
      const client = new ssh2.Client()
      // Each open channel listens for the connection closing (at most 10 at once, plus our own listeners).
      client.setMaxListeners(64)
      // Late errors of a failed or dropped client are handled below or irrelevant; never an uncaught 'error'.
      client.on("error", () => undefined)
      let settled = false
      let trustFailure: Option.Option<SshUnavailable | PinMismatch> = Option.none()
      let offered: string | undefined
      let cancelCheck: (() => void) | undefined
      const settle = (effect: Effect.Effect<SshClient, ConnectFailed>) => {
        if (settled) return
        settled = true
        client.off("error", onError)
        client.off("close", onClose)
        resume(effect)
      }
      const fail = (e: Error) => {
        client.end()
        if (Option.isSome(trustFailure)) {
          return settle(Effect.fail(new ConnectFailed({ error: trustFailure.value, retryable: false })))
        }
        if (/no matching host key format/i.test(e.message)) {
          return settle(
            Effect.mapError(opts.hostKey.algorithmMismatch(offered), (error) =>
              new ConnectFailed({ error, retryable: false }))
          )
        }
        settle(Effect.fail(classify(settings, endpoint, e)))
      }
      const onError = fail
      const onClose = () =>
        fail(new Error("connection closed during setup"))
      client.on("error", onError)
      client.on("close", onClose)
      client.once("ready", () => {
        // Commands are small request/response exchanges: do not let Nagle + delayed ACK add ~40 ms per round trip.
        client.setNoDelay(true)
        let dropped = false
        const drop = () => {
          if (dropped) return
          dropped = true
          client.end()
          opts.onDrop(client)
        }
        client.on("error", drop)
        client.on("end", drop)
        client.on("close", drop)
        settle(Effect.succeed(client))
      })
      const hostVerifier = (key: Buffer, verify: (ok: boolean) => void) => {
        cancelCheck = Runtime.runCallback(opts.runtime)(opts.hostKey.verify(fingerprintOf(key)), {
          onExit: (exit) => {
            if (Exit.isFailure(exit)) trustFailure = Cause.failureOption(exit.cause)
            // A defect or interruption also refuses: fail closed.
            verify(Exit.isSuccess(exit))
          }
        })
      }
      const config: ConnectConfig = {
        host: settings.host,
        port: settings.port,
        username: settings.user,
        privateKey,
        authHandler: ["publickey"],
        hostVerifier,
        algorithms: { serverHostKey: [HOST_KEY_ALGORITHM] },
        keepaliveInterval: KEEPALIVE_MS,
        readyTimeout: READY_TIMEOUT_MS,
        // Only to name the server's host-key types in an algorithm-mismatch error; nothing is logged.
        debug: (line: string) => {
          if (offered === undefined && line.startsWith("Handshake: (remote) Host key format: ")) {
            offered = line.slice("Handshake: (remote) Host key format: ".length).replaceAll(",", ", ")
          }
        }
      }
      try {
        client.connect(config)
      } catch (e) {
        settle(Effect.fail(unavailable(`SSH to ${endpoint} could not start: ${(e as Error).message}`, false)))
      }
      return Effect.sync(() => {
        cancelCheck?.()
        client.end()
      })
    }))
