import { Clock, Effect, Either, Option, Redacted } from "effect"
import { pveMajorOf } from "../../domain/TierPrivileges.js"
import { deleteLocalKey, generateKey, keyComment, localKeyPath, readLocalKey, writeLocalKey } from "./Keys.js"
import { BEGIN, END, parsePasteBlock, pasteScript } from "./PasteScript.js"
import { tokenIdOf } from "./Plan.js"
import type { SetupEnv } from "./Ports.js"
import { SetupApi, SetupConsole, SetupFailed } from "./Ports.js"
import type { Answers } from "./Prompts.js"
import { expireEpoch } from "./Prompts.js"
import { proofRequests, proveToken } from "./Prove.js"
import { writeRecord } from "./Record.js"
import { describeRegistration, register, registrationFor } from "./Register.js"

/**
 * `setup --bootstrap-mode paste`: print the script, read its result block back, check the pasted certificate
 * fingerprint against the one the API port presents, then prove, record and register as in auto mode. The paste
 * always creates a fresh token (the script cannot know whether this machine still has the old secret).
 */

const INSTRUCTIONS = `
In the Proxmox web UI open Datacenter > <your node> > Shell (you are root there), paste everything between the
two marker lines below, and press Enter. It changes only mcp@pve, its token, the role and ACLs of this tier, and
root's authorized_keys line for this machine; at the end it prints a block to paste back here.
`

export const pasteSetup = (a: Answers, env: SetupEnv) =>
  Effect.gen(function*() {
    const io = yield* SetupConsole
    const comment = keyComment(env.clientHost)
    const localKey = yield* readLocalKey(env.dataDir, comment)
    const newKey = a.tier === "companion" && Option.isNone(localKey) ? Option.some(generateKey(comment)) : Option.none()
    const now = yield* Clock.currentTimeMillis
    const script = pasteScript({
      tier: a.tier,
      expire: Option.map(a.expire, (e) => expireEpoch(e, now)),
      comment,
      install: a.tier === "companion"
        ? Option.map(Option.orElse(localKey, () => newKey), (k) => ({ line: k.publicLine, blob: k.blob }))
        : Option.none(),
      removeBlob: Option.map(localKey, (k) => k.blob)
    })
    yield* io.info(`${INSTRUCTIONS}\n----- copy from the next line -----\n${script}----- to the line above -----\n`)
    if (a.dryRun) {
      return yield* io.info(
        `Then: read the block back, check the API certificate of ${a.host}:${a.apiPort} against it, prove the ` +
          `token:\n${proofRequests(a.tier, "<node>").map((r) => `  ${r}\n`).join("")}` +
          `and register: ${
            describeRegistration(
              a.client,
              registrationFor(a, env, { node: "<node>", api: "<pin>", ssh: "<pin>" }, Redacted.make("")),
              env
            )
          }\nDry run: nothing was changed, written or registered.\n`
      )
    }
    yield* io.info(`\nPaste the result, from ${BEGIN} to ${END}:\n`)
    const parsed = parsePasteBlock(yield* io.readBlock(END))
    if (Either.isLeft(parsed)) {
      return yield* new SetupFailed({ message: `cannot use the pasted result: ${parsed.left}` })
    }
    const result = parsed.right
    const pve = pveMajorOf(result.version)
    if (Option.isNone(pve)) {
      return yield* new SetupFailed({ message: `unsupported Proxmox VE version "${result.version}"` })
    }
    const presented = yield* Effect.flatMap(SetupApi, (api) => api.certificate(a.host, a.apiPort))
    if (presented !== result.tlsFingerprint) {
      return yield* new SetupFailed({
        message: `the certificate presented at ${a.host}:${a.apiPort} (${presented}) is not the node's own ` +
          `(${result.tlsFingerprint}, from the web shell): a proxy or a machine in the middle answers on that port`
      })
    }
    if (Option.isSome(newKey)) yield* writeLocalKey(env.dataDir, newKey.value)
    if (a.tier !== "companion" && Option.isSome(localKey)) {
      yield* io.info(`Deleting the local key ${localKeyPath(env.dataDir)} (no longer needed below companion)\n`)
      yield* deleteLocalKey(env.dataDir)
    }
    const tokenId = tokenIdOf(a.tier)
    yield* writeRecord(env.dataDir, { host: a.host, apiPort: a.apiPort, tokenId, secret: result.secret })
    const connection = { host: a.host, port: a.apiPort, pin: presented, tokenId, secret: result.secret }
    yield* io.info("Proving the token:\n")
    yield* proveToken({ connection, tier: a.tier, pve: pve.value, node: result.node })
    const pins = { node: result.node, api: presented, ssh: result.sshHostKey }
    yield* register(a.client, registrationFor(a, env, pins, result.secret), env)
  })
