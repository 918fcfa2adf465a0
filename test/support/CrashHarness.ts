import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RUNTIME, serverEnv } from "./Spawn.js"

/** The test bundle: the shipped one refuses MCP_TEST_CRASH_AT. */
export const TEST_SERVER = join(process.cwd(), "dist", "server-test.cjs")

export const ROOT_ACK = "I-understand-Claude-gets-root-and-can-break-this-node"

/** One persistent simulated node and one data dir, shared by every server started against them. */
export interface CrashNode {
  readonly dir: string
  readonly stateFile: string
  readonly env: Record<string, string>
}

export const crashNode = (): CrashNode => {
  const dir = mkdtempSync(join(tmpdir(), "homelab-mcp-crash-"))
  const stateFile = join(dir, "node.json")
  return {
    dir,
    stateFile,
    env: {
      HOMELAB_MCP_DATA_DIR: join(dir, "data"),
      HOMELAB_MCP_SIM_STATE: stateFile,
      MCP_TIER: "companion",
      MCP_HOST_ROOT_ENABLED: ROOT_ACK
    }
  }
}

export const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")

/** Starts the test bundle over raw stdio, sends one tools/call, and resolves when the process ends or answers. */
export const callAndMaybeDie = (
  node: CrashNode,
  tool: string,
  args: Record<string, unknown>,
  extraEnv: Record<string, string> = {},
  killAfterMs?: number
) =>
  new Promise<{ readonly died: boolean; readonly response?: unknown }>((resolve) => {
    const child = spawn(RUNTIME, [TEST_SERVER, "--simulated"], { env: serverEnv({ ...node.env, ...extraEnv }) })
    let out = ""
    let answered: unknown
    child.stderr.resume()
    child.stdin.on("error", () => undefined)
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      for (const line of out.split("\n")) {
        if (line.includes("\"id\":2")) {
          answered = JSON.parse(line)
          child.stdin.end()
        }
      }
    })
    child.once("exit", (_code, signal) => resolve({ died: signal === "SIGKILL", response: answered }))
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`)
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "crash", version: "0" } }
    })
    send({ jsonrpc: "2.0", method: "notifications/initialized" })
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: tool, arguments: args } })
    if (killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs)
  })

/** A normal server against the node (no crash hook) with an SDK client. */
export const connect = async (node: CrashNode) => {
  const transport = new StdioClientTransport({
    command: RUNTIME,
    args: [TEST_SERVER, "--simulated"],
    env: serverEnv(node.env),
    stderr: "pipe"
  })
  ;(transport.stderr as NodeJS.ReadableStream | null)?.resume()
  const client = new Client({ name: "checker", version: "0" })
  await client.connect(transport)
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })
    return r as { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ text?: string }> }
  }
  return { client, call, close: () => client.close() }
}

/** `homelab-mcp verify --read-data` against the node's data dir. */
export const verifyStores = (node: CrashNode) => {
  const r = spawnSync(RUNTIME, [TEST_SERVER, "verify", "--read-data"], {
    env: serverEnv(node.env),
    encoding: "utf8"
  })
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

/** Files in the node's persisted state whose names mark them as our temp files. */
export const nodeTemps = (node: CrashNode): ReadonlyArray<string> => {
  if (!existsSync(node.stateFile)) return []
  const text = readFileSync(node.stateFile, "utf8")
  return [...text.matchAll(/"([^"]*(?:\.mcp-[0-9a-f-]+\.tmp|homelab-mcp-[0-9a-f-]{36}[^"]*))"/g)].map((m) => m[1] ?? "")
}

/** Temp files left in the local backup store. */
export const localTemps = (node: CrashNode): ReadonlyArray<string> => {
  const root = join(node.env.HOMELAB_MCP_DATA_DIR ?? "", "backups")
  if (!existsSync(root)) return []
  const found: Array<string> = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else if (e.name.startsWith("tmp-")) found.push(join(d, e.name))
    }
  }
  walk(root)
  return found
}

export interface AuditLine {
  readonly kind: string
  readonly id: string
  readonly tool: string
  readonly outcome?: string
}

/** The node's audit log as parsed lines (empty before the first mutation). */
export const auditRecords = (node: CrashNode): ReadonlyArray<AuditLine> => {
  const log = join(node.env.HOMELAB_MCP_DATA_DIR ?? "", "audit.jsonl")
  if (!existsSync(log)) return []
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as AuditLine)
}

/** Intents that do not have exactly one outcome. */
export const unsettledIntents = (records: ReadonlyArray<AuditLine>): ReadonlyArray<string> =>
  records.filter((r) => r.kind === "intent")
    .filter((i) => records.filter((r) => r.kind === "outcome" && r.id === i.id).length !== 1)
    .map((i) => i.id)
