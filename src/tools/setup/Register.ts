import { Effect, Redacted } from "effect"
import type { SelectableTier } from "../../domain/Tier.js"
import type { ClientKind } from "./Flags.js"
import { localKeyPath } from "./Keys.js"
import { tokenIdOf } from "./Plan.js"
import type { SetupEnv } from "./Ports.js"
import { SetupClient, SetupConsole } from "./Ports.js"
import type { Answers } from "./Prompts.js"
import { secretFilePath, writeSecretFile } from "./Record.js"

/** What the MCP client must start: the server's own environment variables (LoadConfig), and how to pass them. */

export const SERVER_NAME = "homelab"
const MASK = "********"

export interface Registration {
  readonly tier: SelectableTier
  readonly host: string
  readonly apiPort: number
  readonly tokenId: string
  readonly secret: Redacted.Redacted<string>
  readonly node: string
  readonly apiFingerprint: string
  /** Companion only. */
  readonly ssh?: { readonly port: number; readonly keyPath: string; readonly hostKey: string }
  /** Passed on when setup itself ran with a non-default data directory. */
  readonly dataDir?: string
}

/** The registration block for the chosen tier (`ssh` only at companion). */
export const registrationFor = (
  a: Answers,
  env: SetupEnv,
  pins: { readonly node: string; readonly api: string; readonly ssh: string },
  secret: Redacted.Redacted<string>
): Registration => ({
  tier: a.tier,
  host: a.host,
  apiPort: a.apiPort,
  tokenId: tokenIdOf(a.tier),
  secret,
  node: pins.node,
  apiFingerprint: pins.api,
  ...(a.tier === "companion"
    ? { ssh: { port: a.sshPort, keyPath: localKeyPath(env.dataDir), hostKey: pins.ssh } }
    : {}),
  ...(env.passDataDir ? { dataDir: env.dataDir } : {})
})

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host)

/** The env block, in a stable order; `masked` replaces the secret for display. */
export const serverEnv = (r: Registration, masked = false): ReadonlyArray<readonly [string, string]> => [
  ["MCP_TIER", r.tier],
  ["PVE_API_BASE_URL", `https://${urlHost(r.host)}:${r.apiPort}/api2/json`],
  ["PVE_API_TOKEN_ID", r.tokenId],
  ["PVE_API_TOKEN_SECRET", masked ? MASK : Redacted.value(r.secret)],
  ["PVE_API_NODE", r.node],
  ["PVE_API_TLS_FINGERPRINT", r.apiFingerprint],
  ...(r.ssh === undefined ? [] : [
    ["SSH_HOST", r.host] as const,
    ["SSH_PORT", String(r.ssh.port)] as const,
    ["SSH_USER", "root"] as const,
    ["SSH_KEY_PATH", r.ssh.keyPath] as const,
    ["SSH_HOST_KEY_FINGERPRINT", r.ssh.hostKey] as const
  ]),
  ...(r.dataDir === undefined ? [] : [["HOMELAB_MCP_DATA_DIR", r.dataDir] as const])
]

/** The `{"mcpServers": …}` block for Claude Desktop, a project `.mcp.json` or `--client print`. */
export const mcpServersJson = (r: Registration, env: SetupEnv, masked = false): string =>
  JSON.stringify(
    {
      mcpServers: {
        [SERVER_NAME]: { command: env.command, args: env.args, env: Object.fromEntries(serverEnv(r, masked)) }
      }
    },
    null,
    2
  )

/**
 * `claude mcp add` arguments. The secret is passed as a file (`PVE_API_TOKEN_SECRET_FILE`, 0600 in the data
 * directory), never on the command line, where any local user could read it from `ps` while claude runs.
 */
export const claudeAddArgs = (r: Registration, env: SetupEnv, _masked = false): ReadonlyArray<string> => [
  ...["mcp", "add", SERVER_NAME, "--scope", "user"],
  ...serverEnv(r)
    .map(([k, v]): readonly [string, string] =>
      k === "PVE_API_TOKEN_SECRET" ? ["PVE_API_TOKEN_SECRET_FILE", secretFilePath(env.dataDir)] : [k, v]
    )
    .flatMap(([k, v]) => ["-e", `${k}=${v}`]),
  "--",
  env.command,
  ...env.args
]

const quoted = (args: ReadonlyArray<string>) =>
  args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ")

/** What registration would do, for `--dry-run` (secret masked). */
export const describeRegistration = (client: ClientKind, r: Registration, env: SetupEnv): string =>
  client === "claude-code"
    ? `claude mcp remove ${SERVER_NAME} --scope user; claude ${quoted(claudeAddArgs(r, env, true))}`
    : client === "claude-desktop"
    ? `add to ${env.desktopConfigPath}:\n${mcpServersJson(r, env, true)}`
    : `print to stdout:\n${mcpServersJson(r, env, true)}`

/** Registers the server with the chosen client. `print` writes only the JSON block to stdout. */
export const register = (client: ClientKind, r: Registration, env: SetupEnv) =>
  Effect.gen(function*() {
    const io = yield* SetupConsole
    if (client === "print") return yield* io.out(`${mcpServersJson(r, env)}\n`)
    if (client === "claude-desktop") {
      yield* io.info(
        `\nAdd this to ${env.desktopConfigPath} (merge into an existing "mcpServers"), then restart Claude Desktop.\n` +
          "It holds the token secret: keep the file private.\n"
      )
      return yield* io.out(`${mcpServersJson(r, env)}\n`)
    }
    const claude = (yield* SetupClient).claude
    yield* writeSecretFile(env.dataDir, r.secret)
    yield* io.info(`\nclaude ${quoted(claudeAddArgs(r, env, true))}\n`)
    // An earlier registration under the same name would make `add` fail; its absence is fine.
    const removed = yield* claude(["mcp", "remove", SERVER_NAME, "--scope", "user"])
    const added = removed._tag === "Missing" ? removed : yield* claude(claudeAddArgs(r, env))
    if (added._tag === "Ran" && added.code === 0) {
      return yield* io.info(`Registered "${SERVER_NAME}" with Claude Code (user scope); restart Claude Code.\n`)
    }
    yield* io.info(
      added._tag === "Missing"
        ? "The claude CLI is not on PATH; register by hand with the block below (or the command above).\n"
        : `claude mcp add failed (exit ${added.code}): ${
          added.output.replaceAll(Redacted.value(r.secret), MASK).trim()
        }; register with the block below.\n`
    )
    return yield* io.out(`${mcpServersJson(r, env)}\n`)
  })
