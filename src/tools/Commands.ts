import { Effect, Option } from "effect"
import { COMMIT, SERVER_NAME, VERSION } from "../domain/BuildInfo.js"
import { AuditLog } from "../services/AuditLog.js"
import { BackupStore } from "../services/BackupStore.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { ServerInfo } from "../services/ServerInfo.js"
import { ToolContext } from "../services/ToolContext.js"
import type { McpTool, ToolResult } from "./Tool.js"

const out = (text: string) => Effect.sync(() => process.stdout.write(`${text}\n`))
const err = (text: string) => Effect.sync(() => process.stderr.write(`${text}\n`))

/** One stderr line at startup: version, commit, tier, node. */
export const banner = Effect.gen(function*() {
  const info = yield* ServerInfo
  const api = yield* ProxmoxApi
  const parts = [
    `${SERVER_NAME} v${VERSION} (${COMMIT})`,
    `tier: ${info.tier}`,
    `node: ${api.node} @ ${api.endpoint}`,
    `tools: ${info.tools.length}`
  ]
  yield* err(parts.join(" | "))
  if (info.tier === "root") {
    yield* err(
      "ROOT TIER IS ON: the model can run any command and read or write any file on the host. Every action is " +
        "audited with rootTier:true. There is no de-escalation at runtime: restart without MCP_HOST_ROOT_ENABLED."
    )
  }
  for (const w of info.warnings) yield* err(`warning: ${w}`)
  const privileges = info.privileges
  if (privileges.status === "broader") {
    yield* err(`WARNING: THE API TOKEN IS BROADER THAN TIER ${info.tier.toUpperCase()}: ${privileges.warning ?? ""}`)
    yield* err("warning: set MCP_STRICT_PRIVILEGES=1 to refuse to start with such a token")
  } else if (privileges.warning !== undefined) {
    yield* err(`warning: ${privileges.warning}`)
  }
})

export const listTools = <R>(tools: ReadonlyArray<McpTool<R>>) =>
  Effect.gen(function*() {
    const info = yield* ServerInfo
    yield* out(`${tools.length} tools at tier ${info.tier}:`)
    for (const t of tools) {
      const a = t.listEntry.annotations
      const kind = a.readOnlyHint ? "read" : a.destructiveHint ? "destructive" : "write"
      yield* out(`  ${t.name.padEnd(16)} ${t.minTier.padEnd(9)} ${kind.padEnd(11)} ${t.listEntry.title}`)
    }
  })

const cliContext = (tool: string) =>
  ToolContext.of({
    tool,
    progress: (_p, _t, message) => err(`… ${message}`),
    canElicit: false,
    elicitConfirmation: () => Effect.succeed(false)
  })

const render = (result: ToolResult) =>
  result._tag === "Success" ? JSON.stringify(result.structured, null, 2) : result.text

/** Runs one tool through the same path as MCP; exit code 1 when the result is an error. */
export const callTool = <R>(tools: ReadonlyArray<McpTool<R>>, name: string, json: string) =>
  Effect.gen(function*() {
    const tool = tools.find((t) => t.name === name)
    if (tool === undefined) {
      yield* err(`unknown tool ${JSON.stringify(name)} at this tier; run "homelab-mcp tools" to list them`)
      return 2
    }
    const args = yield* Effect.try(() => JSON.parse(json) as unknown).pipe(Effect.option)
    if (Option.isNone(args)) {
      yield* err(`the arguments must be one JSON object, e.g. '{"vmid": 100}'`)
      return 2
    }
    const result = yield* tool.call(args.value).pipe(Effect.provideService(ToolContext, cliContext(name)))
    yield* (result._tag === "Success" ? out : err)(render(result))
    return result._tag === "Success" ? 0 : 1
  })

/** Checks the audit chain; one line per problem, non-zero when any. */
export const verify = Effect.gen(function*() {
  const audit = yield* AuditLog
  const report = yield* audit.verify
  for (const p of report.problems) {
    yield* out(`audit ${report.path}:${p.line}${p.seq === undefined ? "" : ` (seq ${p.seq})`}: ${p.reason}`)
  }
  yield* out(
    `audit log ${report.path}: ${report.records} records, ${
      report.ok ? "chain ok" : `${report.problems.length} problem(s)`
    }`
  )
  return report.ok ? 0 : 1
})

/** Checks the backup store (with `readData`, re-hashes every blob); one line per problem, non-zero when any. */
export const verifyBackups = (readData: boolean) =>
  Effect.gen(function*() {
    const store = yield* BackupStore
    const report = yield* store.verify({ readData })
    for (const p of report.problems) yield* out(`backup ${p.path}: ${p.reason}`)
    yield* out(
      `backup store ${report.dir}: ${report.versions} versions, ${report.blobs} blobs${
        readData ? " (contents re-hashed)" : ""
      }, ${report.ok ? "ok" : `${report.problems.length} problem(s)`}`
    )
    return report.ok ? 0 : 1
  })
