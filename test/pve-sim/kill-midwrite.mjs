// SIGKILL the server in the middle of a large pct_write_file against ../shared/pve-sim, start it again, and check:
// the target is the old or the new content (never a mix), every audit intent has an outcome, the revert works.
// Usage (pve-sim running): node test/pve-sim/kill-midwrite.mjs /path/to/pve-sim [killAfterMs...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const sim = process.argv[2] ?? "../shared/pve-sim"
const delays = process.argv.slice(3).map(Number)
const server = new URL("../../dist/server.cjs", import.meta.url).pathname
const env = Object.fromEntries(
  execFileSync(join(sim, "bin/sim-node"), ["env", "companion"], { encoding: "utf8" })
    .split("\n")
    .map((l) => /^export (\w+)='(.*)'$/.exec(l))
    .filter(Boolean)
    .map((m) => [m[1], m[2]])
)
const data = mkdtempSync(join(tmpdir(), "hmcp-kill-"))
const fullEnv = { ...process.env, ...env, HOMELAB_MCP_DATA_DIR: data }
const sha = (s) => createHash("sha256").update(s).digest("hex")
const PATH = "/root/mcp-kill.conf"
let OLD = ""
const NEW = "N".repeat(1_500_000)

const connect = async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [server],
    env: fullEnv,
    stderr: "pipe"
  })
  transport.stderr?.resume()
  const client = new Client({ name: "kill-midwrite", version: "0" })
  await client.connect(transport)
  const call = async (name, args) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 }))
  return { call, close: () => client.close() }
}

const killDuring = (killAfterMs) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [server], { env: fullEnv })
    let err = ""
    child.stderr.on("data", (d) => (err += d))
    child.stdout.resume()
    child.stdin.on("error", () => undefined)
    const send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`)
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "k", version: "0" } }
    })
    send({ jsonrpc: "2.0", method: "notifications/initialized" })
    send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "pct_write_file", arguments: { vmid: 100, path: PATH, content: NEW } }
    })
    setTimeout(() => child.kill("SIGKILL"), killAfterMs)
    child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}: ${err.slice(-300)}`))
  })

let failures = 0
for (const delay of delays.length > 0 ? delays : [150, 300, 450, 600, 900]) {
  OLD = `old content ${Date.now()}\n`.repeat(1000)
  const s = await connect()
  const seeded = await s.call("pct_write_file", { vmid: 100, path: PATH, content: OLD })
  if (seeded.isError) throw new Error(`seed failed: ${JSON.stringify(seeded.content)}`)
  await s.close()
  const signal = await killDuring(delay)
  const c = await connect()
  const audit = await c.call("query_audit", { tool: "pct_write_file", limit: 50 })
  const pending = audit.structuredContent.records.filter((e) => e.outcome === "pending").length
  const last = audit.structuredContent.records[0]
  const read = await c.call("pct_read_file", { vmid: 100, path: PATH, encoding: "base64" })
  const now = sha(Buffer.from(read.structuredContent.content, "base64"))
  const state = now === sha(OLD) ? "old" : now === sha(NEW) ? "new" : "MIXED"
  const listed = await c.call("list_backups", { vmid: 100, path: PATH })
  const newest = listed.structuredContent?.versions?.[0]
  const reverted = await c.call("revert_file", { backupPath: newest.backupPath, overrideCircuitBreaker: true })
  const back = await c.call("pct_read_file", { vmid: 100, path: PATH, encoding: "base64" })
  const restored = sha(Buffer.from(back.structuredContent.content, "base64")) === newest.sha256
  const temps = await c.call("pct_exec", { vmid: 100, command: "ls -a /root | grep -c mcp-.*tmp || true" })
  if (temps.isError) console.log(JSON.stringify(temps.content))
  await c.close()
  const verify = spawn(process.execPath, [server, "verify", "--read-data"], { env: fullEnv, stdio: "ignore" })
  const verified = await new Promise((r) => verify.once("exit", (code) => r(code === 0)))
  const ok = state !== "MIXED" && pending === 0 && !reverted.isError && restored && verified &&
    temps.structuredContent.stdout.trim() === "0"
  if (!ok) failures++
  console.log(
    `${ok ? "PASS" : "FAIL"} kill after ${delay} ms (${signal}): target ${state}, last outcome ${last?.outcome}, ` +
      `pending ${pending}, revert exact ${restored}, guest temps ${temps.structuredContent.stdout.trim()}, ` +
      `verify --read-data ${verified ? "ok" : "FAILED"}`
  )
}
console.log(readFileSync(join(data, "audit.jsonl"), "utf8").split("\n").filter(Boolean).length, "audit lines")
process.exit(failures === 0 ? 0 : 1)
