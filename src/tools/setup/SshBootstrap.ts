import { Effect, Exit, Layer, Redacted, Runtime } from "effect"
import { promises as fsp } from "node:fs"
import type { Client, ConnectConfig } from "ssh2"
import ssh2 from "ssh2"
import { fingerprintOf } from "../../domain/Fingerprint.js"
import { HOST_KEY_ALGORITHM } from "../../layers/ssh/HostKey.js"
import type { ConnectRequest, SetupNodeShape } from "./Ports.js"
import { SetupBootstrap, SetupFailed } from "./Ports.js"

/**
 * Auto mode's one root connection: ssh2, ed25519 host key only (the key the server will pin), the user confirms the
 * fingerprint before the password or key is offered, commands run one at a time until the scope closes.
 */

/** The handshake includes the user reading the host key, so it may take a while. */
const READY_TIMEOUT_MS = 10 * 60_000
const COMMAND_TIMEOUT_MS = 120_000

const failed = (message: string) => new SetupFailed({ message })

const credentials = (request: ConnectRequest) =>
  request.auth._tag === "Password"
    ? Effect.succeed<Partial<ConnectConfig>>({
      password: Redacted.value(request.auth.password),
      tryKeyboard: true,
      authHandler: ["password", "keyboard-interactive"]
    })
    : Effect.tryPromise({
      try: () => fsp.readFile(request.auth._tag === "Key" ? request.auth.path : ""),
      catch: () => failed(`cannot read the bootstrap key ${request.auth._tag === "Key" ? request.auth.path : ""}`)
    }).pipe(Effect.map((privateKey): Partial<ConnectConfig> => ({ privateKey, authHandler: ["publickey"] })))

const open = (request: ConnectRequest, extra: Partial<ConnectConfig>, runtime: Runtime.Runtime<never>) =>
  Effect.async<{ readonly client: Client; readonly hostKey: string }, SetupFailed>((resume) => {
    const client = new ssh2.Client()
    const endpoint = `${request.host}:${request.port}`
    let hostKey = ""
    let refused = false
    let done = false
    const settle = (e: Effect.Effect<{ readonly client: Client; readonly hostKey: string }, SetupFailed>) => {
      if (done) return
      done = true
      resume(e)
    }
    client.on("error", (e: Error & { level?: string }) => {
      client.end()
      settle(Effect.fail(failed(
        refused
          ? `the SSH host key of ${endpoint} was not confirmed; nothing was sent`
          : e.level === "client-authentication"
          ? `root login to ${endpoint} was refused (wrong password or key, or PermitRootLogin forbids it)`
          : `SSH to ${endpoint} failed: ${e.message}`
      )))
    })
    client.on("close", () => settle(Effect.fail(failed(`SSH to ${endpoint} closed during the handshake`))))
    client.once("ready", () => settle(Effect.succeed({ client, hostKey })))
    const config: ConnectConfig = {
      host: request.host,
      port: request.port,
      username: "root",
      ...extra,
      algorithms: { serverHostKey: [HOST_KEY_ALGORITHM] },
      readyTimeout: READY_TIMEOUT_MS,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        hostKey = fingerprintOf(key)
        Runtime.runCallback(runtime)(request.confirmHostKey(hostKey), {
          onExit: (exit) => {
            refused = !(Exit.isSuccess(exit) && exit.value)
            verify(!refused)
          }
        })
      }
    }
    if (request.auth._tag === "Password") {
      const password = Redacted.value(request.auth.password)
      client.on("keyboard-interactive", (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)))
    }
    try {
      client.connect(config)
    } catch (e) {
      // ssh2 throws at once for a key it cannot use (encrypted without passphrase, unknown format).
      settle(Effect.fail(failed(`SSH to ${endpoint} could not start: ${(e as Error).message}`)))
    }
    return Effect.sync(() => client.end())
  })

const exec = (client: Client, command: string) =>
  Effect.async<{ stdout: string; stderr: string; code: number }, SetupFailed>((resume) => {
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    client.exec(command, (e, stream) => {
      if (e !== undefined && e !== null) {
        return resume(Effect.fail(failed(`cannot run a command on the node: ${e.message}`)))
      }
      stream.on("data", (d: Buffer) => out.push(d))
      stream.stderr.on("data", (d: Buffer) => err.push(d))
      stream.on("close", (code: number | null) =>
        resume(Effect.succeed({
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          code: code ?? 255
        })))
    })
  }).pipe(
    Effect.timeoutFail({
      duration: COMMAND_TIMEOUT_MS,
      onTimeout: () => failed(`no answer from the node within ${COMMAND_TIMEOUT_MS / 1000} s`)
    })
  )

export const connectRoot = (request: ConnectRequest) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const extra = yield* credentials(request)
    const { client, hostKey } = yield* Effect.acquireRelease(open(request, extra, runtime), ({ client }) =>
      Effect.sync(() => client.end()))
    const node: SetupNodeShape = {
      hostKey,
      run: (command) =>
        exec(client, command)
    }
    return node
  })

export const SetupBootstrapLive = Layer.succeed(SetupBootstrap, { connect: connectRoot })
