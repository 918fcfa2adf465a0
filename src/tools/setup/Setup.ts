import { Clock, Effect, Option, Redacted } from "effect"
import { applyPlan } from "./Apply.js"
import type { SetupFlags } from "./Flags.js"
import { inspectNode, READ_COMMANDS } from "./Inspect.js"
import { generateKey, keyComment, localKeyPath, readLocalKey } from "./Keys.js"
import { pasteSetup } from "./Paste.js"
import { CERT_COMMAND, confirmHostKey, pinApi } from "./Pins.js"
import { planSetup, renderStep, tokenIdOf } from "./Plan.js"
import type { RootAuth, SetupEnv } from "./Ports.js"
import { SetupBootstrap, SetupConsole, SetupFailed } from "./Ports.js"
import type { Answers } from "./Prompts.js"
import { abort, completeAnswers, confirm, expireEpoch } from "./Prompts.js"
import { proofRequests, proveToken, secretStillValid } from "./Prove.js"
import { readRecord, writeRecord } from "./Record.js"
import { describeRegistration, register, registrationFor } from "./Register.js"

/**
 * `homelab-mcp setup`, auto mode: one root SSH connection (host key confirmed first), read the node, plan, apply
 * only the differences, pin the API certificate, prove the token, record it, register the server.
 */

const rootAuth = (a: Answers) =>
  Option.match(a.bootstrapKey, {
    onSome: (path): Effect.Effect<RootAuth, SetupFailed, SetupConsole> => Effect.succeed({ _tag: "Key", path }),
    onNone: () =>
      Effect.flatMap(SetupConsole, (io) => io.ask(`root password for root@${a.host} (not stored): `, true)).pipe(
        Effect.map((password): RootAuth => ({ _tag: "Password", password: Redacted.make(password) }))
      )
  })

const autoSetup = (a: Answers, env: SetupEnv) =>
  Effect.gen(function*() {
    const io = yield* SetupConsole
    const auth = yield* rootAuth(a)
    const endpoint = `${a.host}:${a.sshPort}`
    const node = yield* (yield* SetupBootstrap).connect({
      host: a.host,
      port: a.sshPort,
      auth,
      confirmHostKey: (fp) => Effect.provideService(confirmHostKey(endpoint, a.yes)(fp), SetupConsole, io)
    })
    if (a.dryRun) {
      const reads = [
        ...READ_COMMANDS,
        CERT_COMMAND,
        `TLS handshake with ${a.host}:${a.apiPort} (its certificate only; nothing is sent)`,
        "GET /version with the token recorded in setup.json, if there is one (is its secret still valid?)"
      ]
      yield* io.info(`Reading the node (read-only):\n${reads.map((c) => `  ${c}\n`).join("")}`)
    }
    const state = yield* inspectNode(node)
    yield* io.info(`Proxmox VE ${state.version} (PVE ${state.pve}), node "${state.nodeName}"\n`)
    const api = yield* pinApi(node, a.host, a.apiPort)
    const tokenId = tokenIdOf(a.tier)
    const recorded = Option.filter(
      yield* readRecord(env.dataDir),
      (r) =>
        r.host === a.host && r.apiPort === a.apiPort && r.tokenId === tokenId &&
        state.tokens.some((t) => t.tokenid === a.tier)
    )
    const connection = (secret: Redacted.Redacted<string>) => ({
      host: a.host,
      port: a.apiPort,
      pin: api,
      tokenId,
      secret
    })
    const known = Option.isSome(recorded) && (yield* secretStillValid(connection(recorded.value.secret)))
    const comment = keyComment(env.clientHost)
    const localKey = yield* readLocalKey(env.dataDir, comment)
    const newKey = a.tier === "companion" && Option.isNone(localKey) ? Option.some(generateKey(comment)) : Option.none()
    const now = yield* Clock.currentTimeMillis
    const steps = planSetup({
      tier: a.tier,
      state,
      secretKnown: known,
      expire: Option.map(a.expire, (e) => expireEpoch(e, now)),
      comment,
      localKeyPath: localKeyPath(env.dataDir),
      localKey,
      newKey
    })
    yield* io.info(
      steps.length === 0
        ? `The node already matches the ${a.tier} tier: nothing to change.\n`
        : `Changes for the ${a.tier} tier:\n${steps.map((s) => `  ${renderStep(s)}\n`).join("")}`
    )
    const pins = { node: state.nodeName, api, ssh: node.hostKey }
    if (a.dryRun) {
      const preview = registrationFor(a, env, pins, Redacted.make("(new token secret)"))
      return yield* io.info(
        `Then prove the token (GET only, with the token; each probe must be refused with 403):\n` +
          proofRequests(a.tier, state.nodeName).map((r) => `  ${r}\n`).join("") +
          `Then register: ${describeRegistration(a.client, preview, env)}\n` +
          "Dry run: nothing was changed, written or registered.\n"
      )
    }
    if (steps.length > 0 && !(yield* confirm(a.yes, "Apply these changes?"))) return yield* abort("declined")
    const applied = yield* applyPlan(node, steps, { dataDir: env.dataDir, newKey })
    const secret = Option.orElse(applied.secret, () => Option.map(recorded, (r) => r.secret))
    if (Option.isNone(secret)) return yield* new SetupFailed({ message: "no token secret after applying (internal)" })
    yield* writeRecord(env.dataDir, { host: a.host, apiPort: a.apiPort, tokenId, secret: secret.value })
    yield* io.info("Proving the token:\n")
    yield* proveToken({ connection: connection(secret.value), tier: a.tier, pve: state.pve, node: state.nodeName })
    yield* register(a.client, registrationFor(a, env, pins, secret.value), env)
  })

/** Runs the whole ceremony for the parsed flags. */
export const runSetup = (flags: SetupFlags, env: SetupEnv) =>
  Effect.gen(function*() {
    const a = yield* completeAnswers(flags)
    const io = yield* SetupConsole
    yield* io.info(
      `homelab-mcp setup: tier ${a.tier}, node ${a.host} (SSH ${a.sshPort}, API ${a.apiPort}), ${a.mode} mode, ` +
        `client ${a.client}${a.dryRun ? ", dry run" : ""}\n`
    )
    return a.mode === "paste" ? yield* pasteSetup(a, env) : yield* Effect.scoped(autoSetup(a, env))
  })
