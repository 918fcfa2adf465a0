import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const SERVER = join(process.cwd(), "dist", "server.cjs")
/** The e2e suite runs the bundle under node, or under the runtime named by HOMELAB_MCP_E2E_RUNTIME (bun). */
export const RUNTIME = process.env.HOMELAB_MCP_E2E_RUNTIME ?? process.execPath

export const freshDataDir = () => mkdtempSync(join(tmpdir(), "homelab-mcp-e2e-"))

/** One compile-cache dir for the whole run, so spawned servers never touch the developer's ~/.cache. */
const CACHE_HOME = mkdtempSync(join(tmpdir(), "homelab-mcp-cache-"))

/**
 * A clean environment for spawned servers: the SDK's safe defaults plus what the test says, never the developer's
 * own MCP_* / PVE_* / AUDIT_* variables.
 */
export const serverEnv = (env: Record<string, string> = {}): Record<string, string> => ({
  ...getDefaultEnvironment(),
  XDG_CACHE_HOME: CACHE_HOME,
  HOMELAB_MCP_DATA_DIR: freshDataDir(),
  ...env
})

export interface Spawned {
  readonly client: Client
  readonly transport: StdioClientTransport
  readonly stderr: () => string
}

export const spawnServer = async (env: Record<string, string>, args: ReadonlyArray<string> = ["--simulated"]) => {
  const transport = new StdioClientTransport({
    command: RUNTIME,
    args: [SERVER, ...args],
    env: serverEnv(env),
    stderr: "pipe"
  })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const client = new Client({ name: "e2e", version: "0" })
  await client.connect(transport)
  return { client, transport, stderr: () => stderr } satisfies Spawned
}

export const textOf = (result: unknown): string => {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? []
  return content.map((c) => c.text ?? "").join("\n")
}
