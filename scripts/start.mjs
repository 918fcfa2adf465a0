// `npm start`: the first try. Uses the real node when PVE_API_BASE_URL is set, the built-in simulated node otherwise.
// On a terminal it shows the tools and a census; when spawned by an MCP client it serves stdio.
import { spawnSync } from "node:child_process"

const server = new URL("../dist/server.cjs", import.meta.url).pathname
const simulated = !process.env.PVE_API_BASE_URL && !process.argv.includes("--real")
const extra = simulated ? ["--simulated"] : []
if (simulated) console.error("PVE_API_BASE_URL is not set: using the built-in simulated node (--simulated).")

const run = (args) => {
  const r = spawnSync(process.execPath, [server, ...args, ...extra], { stdio: "inherit" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (!process.stdin.isTTY) {
  run([])
} else {
  run(["tools"])
  console.error("\n$ homelab-mcp call describe_homelab '{\"saveSnapshot\":false}'")
  run(["call", "describe_homelab", "{\"saveSnapshot\":false}"])
  console.error("\n$ homelab-mcp call health_check")
  run(["call", "health_check"])
  console.error("\nRegister it with Claude Code: see README.md (claude mcp add …).")
}
