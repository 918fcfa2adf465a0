// npm run bench: cold start (spawn → tools/list), RSS after tools/list, warm per-call latency.
// Runs against the built-in simulated node unless PVE_API_BASE_URL is set. Prints figures; asserts nothing.
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const SERVER = new URL("../dist/server.cjs", import.meta.url).pathname
const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const CALLS = Number(process.env.BENCH_CALLS ?? 20)
const runtime = process.env.BENCH_RUNTIME ?? process.execPath
const simulated = !process.env.PVE_API_BASE_URL
const tier = process.env.BENCH_TIER ?? "observe"
const companionReady = simulated || Boolean(process.env.SSH_HOST)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmt = (xs, unit = "ms") =>
  `median ${median(xs).toFixed(1)} ${unit}  (min ${Math.min(...xs).toFixed(1)}, max ${
    Math.max(...xs).toFixed(1)
  }, n=${xs.length})`

const rssMiB = (pid) => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))
    return Number(line.split(/\s+/)[1]) / 1024
  } catch {
    return NaN
  }
}

const start = (atTier = tier) => {
  const t0 = performance.now()
  const child = spawn(runtime, [SERVER, ...(simulated ? ["--simulated"] : [])], {
    env: { ...process.env, MCP_TIER: atTier, HOMELAB_MCP_DATA_DIR: mkdtempSync(join(tmpdir(), "hmcp-bench-")) },
    stdio: ["pipe", "pipe", "ignore"]
  })
  let buf = ""
  const waiting = new Map()
  child.stdout.on("data", (d) => {
    buf += d
    let i
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      const msg = JSON.parse(line)
      waiting.get(msg.id)?.(msg)
    }
  })
  let id = 0
  const request = (method, params) =>
    new Promise((resolve) => {
      id += 1
      waiting.set(id, resolve)
      child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n")
    })
  const notify = (method) => child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method }) + "\n")
  return { child, request, notify, t0 }
}

const coldStart = async (atTier = tier) => {
  const s = start(atTier)
  await s.request("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "bench", version: "0" }
  })
  s.notify("notifications/initialized")
  await s.request("tools/list", {})
  const ms = performance.now() - s.t0
  const rss = rssMiB(s.child.pid)
  return { s, ms, rss }
}

const stop = (s) =>
  new Promise((resolve) => {
    s.child.once("exit", resolve)
    s.child.stdin.end()
  })

const cold = []
const rss = []
for (let i = 0; i < RUNS + 1; i++) {
  const { s, ms, rss: r } = await coldStart()
  if (i > 0) {
    cold.push(ms)
    rss.push(r)
  }
  await stop(s)
}

const { s } = await coldStart()
const warm = async (name, args, server = s) => {
  const xs = []
  for (let i = 0; i < CALLS + 2; i++) {
    const t = performance.now()
    const r = await server.request("tools/call", { name, arguments: args })
    if (r.error || r.result?.isError) throw new Error(`${name} failed: ${JSON.stringify(r)}`)
    if (i >= 2) xs.push(performance.now() - t)
  }
  return xs
}
const pct = await warm("pct_list", {})
const census = await warm("describe_homelab", { saveSnapshot: false })
const rssEnd = rssMiB(s.child.pid)
await stop(s)

const where = simulated ? "built-in simulated node" : process.env.PVE_API_BASE_URL
console.log(
  `homelab-mcp bench — ${runtime.includes("bun") ? "bun" : `node ${process.version}`}, tier ${tier}, ${where}`
)
console.log(`spawn → tools/list      ${fmt(cold)}   (target ≤ 150 ms median)`)
console.log(`RSS after tools/list    ${fmt(rss, "MiB")}   (target ≤ 70 MiB)`)
console.log(`warm pct_list           ${fmt(pct)}`)
console.log(`warm describe_homelab   ${fmt(census)}`)
console.log(`RSS after ${2 * CALLS + 4} calls     ${rssEnd.toFixed(1)} MiB`)

if (companionReady) {
  const { s: c } = await coldStart("companion")
  const vmid = Number(process.env.BENCH_VMID ?? 100)
  const exec = await warm("pct_exec", { vmid, command: "true" }, c)
  const census = await warm("describe_homelab", { saveSnapshot: false }, c)
  const full = await warm("describe_homelab", { saveSnapshot: false, depth: "status" }, c)
  // Managed writes: pre-image stored durably + audit intent/outcome + remote temp/rename + verify. Each call writes
  // different content, so every call really writes; then revert_file of the newest version.
  const path = process.env.BENCH_WRITE_PATH ?? "/root/homelab-mcp-bench.txt"
  let n = 0
  const body = (size) => `${++n} `.padEnd(size, "x")
  const writeBench = async (size) => {
    const xs = []
    for (let i = 0; i < Math.min(CALLS, 10) + 1; i++) {
      const t = performance.now()
      const r = await c.request("tools/call", {
        name: "pct_write_file",
        arguments: { vmid, path, content: body(size) }
      })
      if (r.error || r.result?.isError) throw new Error(`pct_write_file failed: ${JSON.stringify(r)}`)
      if (i >= 1) xs.push(performance.now() - t)
    }
    return xs
  }
  const w4k = await writeBench(4096)
  const w1m = await writeBench(1024 * 1024)
  const revert = []
  for (let i = 0; i < Math.min(CALLS, 10); i++) {
    const t = performance.now()
    const r = await c.request("tools/call", {
      name: "revert_file",
      arguments: { vmid, path, overrideCircuitBreaker: true }
    })
    if (r.error || r.result?.isError) throw new Error(`revert_file failed: ${JSON.stringify(r)}`)
    revert.push(performance.now() - t)
  }
  await stop(c)
  console.log(`companion warm pct_exec          ${fmt(exec)}   (target ≤ 40 ms on pve-sim)`)
  console.log(`companion census (summary)       ${fmt(census)}   (target ≤ 150 ms on pve-sim)`)
  console.log(`companion census (status depth)  ${fmt(full)}`)
  console.log(`pct_write_file 4 KiB (backed up)  ${fmt(w4k)}`)
  console.log(`pct_write_file 1 MiB (backed up)  ${fmt(w1m)}`)
  console.log(`revert_file (1 MiB ↔ 1 MiB)       ${fmt(revert)}`)
}
