import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { freshDataDir, RUNTIME, SERVER, serverEnv } from "../support/Spawn.js"

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}, dataDir = freshDataDir()) => {
  const r = spawnSync(RUNTIME, [SERVER, ...args], {
    env: serverEnv({ HOMELAB_MCP_DATA_DIR: dataDir, MCP_TIER: "observe", ...env }),
    timeout: 20_000
  })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

describe("command line", () => {
  it("--help explains every command and the simulated mode", () => {
    const r = run(["--help"])
    expect(r.status).toBe(0)
    for (const word of ["tools", "call <tool>", "verify", "--simulated", "MCP_TIER", "PVE_API_TLS_FINGERPRINT"]) {
      expect(r.stdout).toContain(word)
    }
  })

  it("tools lists what the tier registers", () => {
    const observe = run(["tools", "--simulated"])
    expect(observe.status).toBe(0)
    expect(observe.stdout).toMatch(/^8 tools at tier observe/)
    const operate = run(["tools", "--simulated"], { MCP_TIER: "operate" })
    expect(operate.stdout).toMatch(/^11 tools at tier operate/)
    expect(operate.stdout).toMatch(/guest_stop\s+operate\s+destructive/)
  })

  it("call runs a tool through the MCP path and prints its result", () => {
    const ok = run(["call", "pct_list", "--simulated"])
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout).containers).toHaveLength(3)
    const bad = run(["call", "qm_agent_ping", `{"vmid":"x"}`, "--simulated"])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/^INVALID_ARGUMENTS/)
    const absent = run(["call", "guest_start", `{"vmid":102}`, "--simulated"])
    expect(absent.status).toBe(2)
    expect(absent.stderr).toMatch(/unknown tool "guest_start" at this tier/)
    const garbage = run(["call", "pct_list", "{nope", "--simulated"])
    expect(garbage.status).toBe(2)
  })

  it("verify checks the audit chain and names the first break", () => {
    const dir = freshDataDir()
    expect(run(["verify", "--simulated"], {}, dir).stdout).toMatch(/0 records, chain ok/)
    const started = run(["call", "guest_start", `{"vmid":102}`, "--simulated"], { MCP_TIER: "operate" }, dir)
    expect(started.status).toBe(0)
    const clean = run(["verify", "--simulated"], {}, dir)
    expect([clean.status, clean.stdout]).toEqual([0, expect.stringMatching(/2 records, chain ok/)])
    const log = join(dir, "audit.jsonl")
    writeFileSync(log, readFileSync(log, "utf8").replace(`"vmid":102`, `"vmid":101`))
    const broken = run(["verify", "--simulated"], {}, dir)
    expect(broken.status).toBe(1)
    expect(broken.stdout).toMatch(/audit\.jsonl:1 \(seq 1\): /)
  }, 30_000)
})
