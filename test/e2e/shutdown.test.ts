import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { INIT, INITIALIZED, startRaw } from "../support/RawServer.js"
import { freshDataDir, RUNTIME, SERVER, serverEnv } from "../support/Spawn.js"

const queryAudit = (dataDir: string) => {
  const r = spawnSync(RUNTIME, [SERVER, "call", "query_audit", `{"tool":"guest_start"}`, "--simulated"], {
    env: serverEnv({ HOMELAB_MCP_DATA_DIR: dataDir, MCP_TIER: "observe" }),
    timeout: 20_000
  })
  return JSON.parse(r.stdout.toString()) as { records: Array<{ outcome: string }> }
}

describe("shutdown during a mutation", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} interrupts the running call, writes its audit outcome and exits 0`, async () => {
      const dataDir = freshDataDir()
      const s = startRaw({ MCP_TIER: "operate", HOMELAB_MCP_DATA_DIR: dataDir })
      s.send(INIT)
      s.send(INITIALIZED)
      await s.response(1)
      s.send(JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "guest_start", arguments: { vmid: 102 } }
      }))
      await new Promise((r) => setTimeout(r, 400))
      s.child.kill(signal)
      expect(await s.exited).toBe(0)
      const audit = queryAudit(dataDir)
      expect(audit.records.map((r) => r.outcome)).toEqual(["interrupted"])
      const verify = spawnSync(RUNTIME, [SERVER, "verify"], { env: serverEnv({ HOMELAB_MCP_DATA_DIR: dataDir }) })
      expect(verify.status).toBe(0)
    }, 30_000)
  }
})
