import { Effect, Layer, Redacted } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fingerprintOf } from "../../src/domain/Fingerprint.js"
import { shQuote } from "../../src/domain/Shell.js"
import { makeSimulatedNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { parseTokenCfg } from "../../src/layers/sim/shell/PveUserCfg.js"
import { makeSimulatedShell } from "../../src/layers/SshTransportSimulated.js"
import type { ClientRun, SetupEnv, SetupNodeShape } from "../../src/tools/setup/Ports.js"
import { SetupApi, SetupBootstrap, SetupClient, SetupConsole, SetupFailed } from "../../src/tools/setup/Ports.js"
import { certs, fingerprintOfCert } from "./PveTlsServer.js"

/**
 * `homelab-mcp setup` against the simulated node: its root shell (with `pveum`) behind SetupBootstrap, a fake API
 * that authenticates tokens from the node's token.cfg and answers `/access/permissions` and the 403 probes from the
 * node's ACLs (privilege-separated: the token's roles on `/` intersected with its user's), a scripted terminal and a
 * recording `claude`.
 */

export const HOST_KEY = fingerprintOf(Buffer.from("simulated node ed25519 host key"))
export const API_PIN = fingerprintOfCert("a")

/** Privilege each probe path needs on the fake API (the rest answer 200 to any valid token). */
const NEEDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/(syslog|journal)/, "Sys.Syslog"],
  [/\/apt\//, "Sys.Modify"],
  [/\/agent\/exec-status/, "VM.GuestAgent.Unrestricted"],
  [/\/agent\/file-read/, "VM.GuestAgent.FileRead"]
]

export interface SetupWorld {
  readonly node: SetupNodeShape
  /** Runs a command in the node's root shell, for setup of a test and for checks. */
  readonly sh: (command: string) => Effect.Effect<string>
  readonly layer: Layer.Layer<SetupBootstrap | SetupApi | SetupConsole | SetupClient>
  readonly env: SetupEnv
  /** Every command setup ran on the node, in order. */
  readonly commands: Array<string>
  readonly api: Array<string>
  readonly claude: Array<ReadonlyArray<string>>
  readonly stderr: () => string
  readonly stdout: () => string
  readonly connects: { count: number }
}

export interface WorldOptions {
  readonly answers?: ReadonlyArray<string>
  readonly pasted?: () => Effect.Effect<string>
  readonly pve?: 8 | 9
  readonly acceptHostKey?: boolean
  readonly claude?: "present" | "missing"
  /** Extra privileges the fake API adds to every token (an over-broad token made by hand). */
  readonly extra?: ReadonlyArray<string>
  readonly dataDir?: string
}

const jsonOf = <A>(text: string): A => JSON.parse(text) as A

export const makeWorld = (options: WorldOptions = {}) =>
  Effect.gen(function*() {
    const { sim } = yield* makeSimulatedNode()
    const shell = makeSimulatedShell(sim)
    const commands: Array<string> = []
    const run = (command: string) =>
      Effect.map(shell.exec(command, { timeoutMs: 30_000 }), (r) => ({
        stdout: options.pve === 8 && command === "pveversion"
          ? "pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-9-pve)\n"
          : r.stdout,
        stderr: r.stderr,
        code: r.exitCode ?? 255
      })).pipe(Effect.mapError((e) => new SetupFailed({ message: e.message })))
    const sh = (command: string) => Effect.map(Effect.orDie(run(command)), (r) => r.stdout)
    yield* sh(`printf '%s' ${shQuote(certs.a.cert)} > /etc/pve/local/pve-ssl.pem`)
    const node: SetupNodeShape = {
      hostKey: HOST_KEY,
      run: (command) => Effect.zipRight(Effect.sync(() => commands.push(command)), run(command))
    }
    const connects = { count: 0 }
    const answers = [...(options.answers ?? [])]
    let err = ""
    let out = ""
    const api: Array<string> = []
    const claude: Array<ReadonlyArray<string>> = []

    const privilegesOf = (tokenId: string) =>
      Effect.gen(function*() {
        const roles = jsonOf<Array<{ roleid: string; privs: string }>>(
          yield* sh("pveum role list --output-format json")
        )
        const acls = jsonOf<Array<{ path: string; roleid: string; ugid: string }>>(
          yield* sh("pveum acl list --output-format json")
        )
        const on = (ugid: string) =>
          new Set(
            acls.filter((a) => a.ugid === ugid && a.path === "/").flatMap((a) =>
              (roles.find((r) => r.roleid === a.roleid)?.privs ?? "").split(",").filter((p) => p !== "")
            )
          )
        const user = on(tokenId.split("!")[0] ?? "")
        return [...[...on(tokenId)].filter((p) => user.has(p)), ...(options.extra ?? [])]
      })

    const layer = Layer.mergeAll(
      Layer.succeed(SetupBootstrap, {
        connect: (request) =>
          Effect.gen(function*() {
            if (!(yield* request.confirmHostKey(HOST_KEY))) {
              return yield* new SetupFailed({ message: "host key not confirmed; nothing was sent" })
            }
            connects.count++
            return node
          })
      }),
      Layer.succeed(SetupApi, {
        certificate: () => Effect.succeed(API_PIN),
        get: (call) =>
          Effect.gen(function*() {
            api.push(`GET ${call.path}`)
            if (call.pin !== API_PIN) return yield* new SetupFailed({ message: "pin mismatch" })
            const secrets = parseTokenCfg(yield* sh("cat /etc/pve/priv/token.cfg"))
            if (secrets.get(call.tokenId) !== Redacted.value(call.secret)) return { status: 401, body: undefined }
            const privs = yield* privilegesOf(call.tokenId)
            if (call.path === "/access/permissions") {
              const map = Object.fromEntries(privs.map((p) => [p, 1]))
              return { status: 200, body: { data: { "/": map, "/nodes": map, "/storage": map, "/vms": map } } }
            }
            if (call.path === "/nodes/pve/qemu") return { status: 200, body: { data: [{ vmid: 200 }] } }
            const needs = NEEDS.find(([re]) => re.test(call.path))?.[1]
            return needs === undefined || privs.includes(needs)
              ? { status: 200, body: { data: {} } }
              : { status: 403, body: undefined }
          })
      }),
      Layer.succeed(SetupConsole, {
        info: (text) => Effect.sync(() => void (err += text)),
        out: (text) => Effect.sync(() => void (out += text)),
        ask: (question) =>
          Effect.suspend(() => {
            err += question
            const answer = answers.shift()
            return answer === undefined
              ? Effect.fail(new SetupFailed({ message: `no scripted answer for: ${question}` }))
              : Effect.succeed(answer)
          }),
        readBlock: () =>
          options.pasted === undefined
            ? Effect.fail(new SetupFailed({ message: "nothing pasted" }))
            : options.pasted()
      }),
      Layer.succeed(SetupClient, {
        claude: (args) =>
          Effect.sync((): ClientRun => {
            if (options.claude !== "present") return { _tag: "Missing" }
            claude.push(args)
            return { _tag: "Ran", code: 0, output: "" }
          })
      })
    )
    const env: SetupEnv = {
      dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), "homelab-mcp-setup-")),
      passDataDir: false,
      clientHost: "laptop",
      command: "/usr/bin/node",
      args: ["/opt/homelab-mcp/dist/server.cjs"],
      desktopConfigPath: "/home/me/.config/Claude/claude_desktop_config.json"
    }
    const world: SetupWorld = {
      node,
      sh,
      layer,
      env,
      commands,
      api,
      claude,
      stderr: () => err,
      stdout: () => out,
      connects
    }
    return world
  })

/** The commands of a run that change the node (everything but the read-only inspection). */
export const changes = (commands: ReadonlyArray<string>): ReadonlyArray<string> =>
  commands.filter((c) => !/^(pveversion|hostname|cat |pveum \S+( token)? list)/.test(c))
