import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { freshDataDir, RUNTIME, SERVER, serverEnv, spawnServer } from "../support/Spawn.js"

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const r = spawnSync(RUNTIME, [SERVER, ...args], {
    env: serverEnv({ HOMELAB_MCP_DATA_DIR: freshDataDir(), ...env }),
    timeout: 20_000
  })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

interface Report {
  readonly ok: boolean
  readonly checks: ReadonlyArray<{ name: string; status: string; detail: string; fix?: string }>
}

describe("homelab-mcp doctor (built bundle)", () => {
  it("prints all ok on the simulated node, exit 0, one line per check and a summary", () => {
    const r = run(["doctor", "--simulated"], { MCP_TIER: "operate" })
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.trim().split("\n")
    for (const name of ["runtime", "config", "api", "privileges", "data-dir", "audit-log", "backup-store"]) {
      expect(lines.some((l) => new RegExp(`^ok {4}${name} `).test(l)), `${name}\n${r.stdout}`).toBe(true)
    }
    expect(lines.at(-1)).toMatch(/^doctor: 7 checks, 7 ok, 0 warn, 0 fail$/)
  })

  it("--json prints one document with ok and the checks, ssh included at companion", () => {
    const r = run(["doctor", "--json", "--simulated"], { MCP_TIER: "companion" })
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => c.name)).toContain("ssh")
    for (const c of report.checks) {
      expect(Object.keys(c).every((k) => ["name", "status", "detail", "fix"].includes(k))).toBe(true)
      expect(c.status).toBe("ok")
    }
  })

  it("an invalid variable is a fail line that names it, exit 1, no crash", () => {
    const r = run(["doctor", "--json", "--simulated"], { MCP_TIER: "everything" })
    expect(r.status).toBe(1)
    const report = JSON.parse(r.stdout) as Report
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => c.name === "config")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("MCP_TIER")
    })
    expect(r.stderr).toBe("")
  })

  it("the simulated server starts clean at every tier: privileges exact, no warning in the banner", async () => {
    for (const tier of ["observe", "operate", "companion"]) {
      const server = await spawnServer({ MCP_TIER: tier })
      try {
        const info = await server.client.callTool({ name: "server_info", arguments: {} })
        const privileges = (info.structuredContent as { privileges: { status: string } }).privileges
        expect(privileges, tier).toEqual({ status: "exact", pveVersion: "9.0.10", excess: [] })
        expect(server.stderr()).toMatch(/tier: /)
        expect(server.stderr()).not.toMatch(/BROADER|privileges not checked|too weak/)
      } finally {
        await server.client.close()
      }
    }
  })
})
