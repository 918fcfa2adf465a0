import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { COMMIT, SERVER_NAME, VERSION } from "./domain/BuildInfo.js"
import { crashSettingProblem } from "./domain/CrashPoint.js"
import type { Plan, TierPlan } from "./layers/AppLayer.js"
import { planFor } from "./layers/AppLayer.js"
import { AuditLogJsonl } from "./layers/AuditLogJsonl.js"
import { BackupStoreFs } from "./layers/BackupStoreFs.js"
import { loadConfig } from "./layers/config/LoadConfig.js"
import { serveStdio } from "./layers/McpServer.js"
import { AppConfig } from "./services/AppConfig.js"
import type { ToolContext } from "./services/ToolContext.js"
import { banner, callTool, listTools, verify, verifyBackups } from "./tools/Commands.js"

const HELP = `${SERVER_NAME} ${VERSION} — tiered, least-privilege MCP server for a Proxmox VE node

Usage:
  homelab-mcp [--simulated]                    serve MCP over stdio (what Claude Code spawns)
  homelab-mcp tools [--simulated]              list the tools registered at the configured tier
  homelab-mcp call <tool> ['<json args>']      run one tool through the MCP code path and print its result
  homelab-mcp verify [--read-data]             check the audit log's hash chain and the backup store (records, blobs,
                                               leftovers; --read-data re-hashes every stored pre-image); non-zero
                                               exit on any problem
  homelab-mcp setup [options]                  provision a node for a tier (role, user, token, ACLs, pins, key),
                                               prove the token and register the server; see setup --help
  homelab-mcp doctor [--json]                  check runtime, config, API + TLS pin, token privileges vs tier, SSH +
                                               host-key pin, data dir, audit chain, backups; exit 0 only if none fails
  homelab-mcp --version | --help

Options:
  --simulated    use the built-in simulated Proxmox node (also HOMELAB_MCP_SIMULATED=1); nothing real is touched

Configuration (environment, read once at startup; invalid values stop the server with one line naming the variable):
  MCP_TIER                   observe (default) | operate | companion
  MCP_HOST_ROOT_ENABLED      the exact acknowledgment string enables root on top of companion
  PVE_API_BASE_URL           https://<node>:8006/api2/json
  PVE_API_TOKEN_ID           e.g. mcp@pve!mcp-observe
  PVE_API_TOKEN_SECRET       the token's secret (never logged)
  PVE_API_NODE               the node name, e.g. pve
  PVE_API_TLS_FINGERPRINT    SHA256:<base64> pin of the API certificate (unset: trust on first use, recorded in
                             PVE_API_KNOWN_CERTS_PATH); a mismatch refuses before the token is sent
  PVE_API_TIMEOUT_MS         per-request timeout (15000)
  MCP_STRICT_PRIVILEGES      1: refuse to start when the token holds more than the tier needs (default: warn);
                             a token too weak for the tier always refuses to start (exit 2)
  AUDIT_LOG_PATH, BACKUP_DIR, CENSUS_DIR, HOMELAB_MCP_DATA_DIR   local data locations
  QUERY_AUDIT_DEFAULT_LIMIT, QUERY_AUDIT_MAX_LIMIT, HEALTH_*     limits and thresholds

See README.md for registration with Claude Code and Claude Desktop.`

type PlanCommand =
  | { readonly _tag: "serve" }
  | { readonly _tag: "tools" }
  | { readonly _tag: "call"; readonly tool: string; readonly json: string }

type Command =
  | PlanCommand
  | { readonly _tag: "verify"; readonly readData: boolean }
  | { readonly _tag: "doctor"; readonly json: boolean }

const parse = (argv: ReadonlyArray<string>): Command | string => {
  const [first, ...rest] = argv
  if (first === undefined) return { _tag: "serve" }
  if (first === "tools" && rest.length === 0) return { _tag: "tools" }
  if (first === "verify" && rest.every((a) => a === "--read-data")) {
    return { _tag: "verify", readData: rest.length > 0 }
  }
  if (first === "doctor" && rest.every((a) => a === "--json")) return { _tag: "doctor", json: rest.length > 0 }
  if (first === "call" && rest[0] !== undefined && rest.length <= 2) {
    return { _tag: "call", tool: rest[0], json: rest[1] ?? "{}" }
  }
  return `unknown command line: ${argv.join(" ")} (see --help)`
}

const runPlan = <Tag extends string, R>(plan: TierPlan<Tag, R>, command: PlanCommand) => {
  const program = command._tag === "serve"
    ? Effect.zipRight(banner, Effect.scoped(serveStdio(plan.tools))).pipe(Effect.as(0))
    : command._tag === "tools"
    ? Effect.as(listTools(plan.tools), 0)
    : callTool(plan.tools, command.tool, command.json)
  // Every tier's layer provides the services the commands use (ServerInfo, ProxmoxApi, AuditLog); the bridge and
  // the CLI provide ToolContext per call.
  return Effect.provide(program as Effect.Effect<number, never, Exclude<R, ToolContext>>, plan.layer)
}

/** One branch per plan so each call site is checked against that tier's exact requirements. */
const dispatch = (plan: Plan, command: PlanCommand) =>
  plan._tag === "observe"
    ? runPlan(plan, command)
    : plan._tag === "operate"
    ? runPlan(plan, command)
    : runPlan(plan, command)

const main = Effect.gen(function*() {
  const args = process.argv.slice(2)
  // setup has its own flags (and --help); it reads no server configuration.
  if (args[0] === "setup") {
    // setup and doctor are loaded only when run: a serving server never pays for their code.
    const { setupCommand } = yield* Effect.promise(() => import("./tools/setup/Command.js"))
    return yield* Effect.map(setupCommand(args.slice(1)), (code) => void (process.exitCode = code))
  }
  if (args.includes("--help") || args.includes("-h")) return yield* Effect.sync(() => process.stdout.write(`${HELP}\n`))
  if (args.includes("--version")) return yield* Effect.sync(() => process.stdout.write(`${VERSION} (${COMMIT})\n`))
  const crashProblem = crashSettingProblem()
  if (crashProblem !== undefined) {
    process.stderr.write(`${SERVER_NAME}: ${crashProblem}\n`)
    process.exitCode = 2
    return
  }
  const simulated = args.includes("--simulated")
  const command = parse(args.filter((a) => a !== "--simulated"))
  if (typeof command === "string") {
    process.stderr.write(`${SERVER_NAME}: ${command}\n`)
    process.exitCode = 2
    return
  }
  if (command._tag === "doctor") {
    // Doctor loads the config itself: an invalid variable is one of its fail lines, not a startup error.
    const { doctorCommand } = yield* Effect.promise(() => import("./tools/doctor/Doctor.js"))
    process.exitCode = yield* doctorCommand({ config: loadConfig({ simulated }), json: command.json })
    return
  }
  if (command._tag === "verify") {
    // Only the local stores are needed: no API or SSH credentials, no connection to the node.
    const config = yield* loadConfig({ simulated, needsNode: false })
    const stores = Layer.merge(AuditLogJsonl, BackupStoreFs).pipe(
      Layer.provide(Layer.merge(Layer.succeed(AppConfig, config), NodeFileSystem.layer))
    )
    const codes = yield* Effect.provide(Effect.all([verify, verifyBackups(command.readData)]), stores)
    process.exitCode = Math.max(...codes)
    return
  }
  const config = yield* loadConfig({ simulated })
  const code = yield* dispatch(planFor(config), command)
  process.exitCode = code
}).pipe(
  Effect.catchAll((e: { readonly message: string }) =>
    Effect.sync(() => {
      process.stderr.write(`${SERVER_NAME}: ${e.message}\n`)
      process.exitCode = 2
    })
  )
)

const StderrLogger = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))

main.pipe(
  Effect.provide(StderrLogger),
  Logger.withMinimumLogLevel(LogLevel.Info),
  NodeRuntime.runMain({ disablePrettyLogger: true, teardown: (_exit, onExit) => onExit(Number(process.exitCode ?? 0)) })
)
