import type { ChildProcessWithoutNullStreams } from "node:child_process"
import { spawn } from "node:child_process"
import { RUNTIME, SERVER, serverEnv } from "./Spawn.js"

/** The server over raw stdio lines, for protocol abuse the SDK client would never send. */
export interface RawServer {
  readonly child: ChildProcessWithoutNullStreams
  readonly send: (line: string) => void
  /** Resolves with the first JSON-RPC message whose id matches. */
  readonly response: (id: number | string, timeoutMs?: number) => Promise<Record<string, unknown>>
  readonly stdoutLines: () => ReadonlyArray<string>
  readonly exited: Promise<number | null>
}

export const startRaw = (env: Record<string, string> = {}): RawServer => {
  const child = spawn(RUNTIME, [SERVER, "--simulated"], {
    env: serverEnv({ MCP_TIER: "observe", ...env })
  })
  const lines: Array<string> = []
  let buffer = ""
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString()
    let i: number
    while ((i = buffer.indexOf("\n")) >= 0) {
      lines.push(buffer.slice(0, i))
      buffer = buffer.slice(i + 1)
    }
  })
  child.stderr.resume()
  child.stdin.on("error", () => undefined)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const response = async (id: number | string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      for (const line of lines) {
        const msg = JSON.parse(line) as Record<string, unknown>
        if (msg.id === id) return msg
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`no response with id ${id}; stdout: ${lines.join("\n")}`)
  }
  return { child, send: (line) => child.stdin.write(`${line}\n`), response, stdoutLines: () => lines, exited }
}

export const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
})
export const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })
