import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALL_PRIVILEGES } from "../../src/layers/sim/SimAccess.js"
import { AUDITOR_9 } from "../support/PveRoles.js"
import type { PveTlsServer, Reply } from "../support/PveTlsServer.js"
import { fingerprintOfCert, json, startServer } from "../support/PveTlsServer.js"
import { RUNTIME, SERVER, serverEnv, spawnServer } from "../support/Spawn.js"

/** Token versus tier against a real HTTPS API (an in-process pveproxy stand-in): the built bundle decides at startup. */

const AUDITOR = AUDITOR_9
let privileges: ReadonlyArray<string> = AUDITOR
let srv: PveTlsServer

const handler = (req: { readonly target: string }): Reply => {
  if (req.target === "/api2/json/version") return json({ version: "9.0.10", release: "9.0", repoid: "deb1ca70" })
  if (req.target.startsWith("/api2/json/access/permissions")) {
    const set = Object.fromEntries(privileges.map((p) => [p, 1]))
    return json({ "/": set, "/nodes": set, "/storage": set, "/vms": set })
  }
  return json(null, 501, "Not Implemented")
}

beforeAll(async () => {
  srv = await startServer("a", handler)
})
afterAll(() => srv.close())

const env = (tier: string, extra: Record<string, string> = {}) => ({
  MCP_TIER: tier,
  PVE_API_BASE_URL: `https://127.0.0.1:${srv.port}/api2/json`,
  PVE_API_TOKEN_ID: `mcp@pve!mcp-${tier}`,
  PVE_API_TOKEN_SECRET: "5e1f0c9a-7d3b-4b7e-9c1a-0badc0ffee42",
  PVE_API_NODE: "pve",
  PVE_API_TLS_FINGERPRINT: fingerprintOfCert("a"),
  ...extra
})

/** Runs the bundle asynchronously (the TLS server lives in this process's event loop). */
const run = (args: ReadonlyArray<string>, vars: Record<string, string>) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(RUNTIME, [SERVER, ...args], { env: serverEnv(vars) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

describe("token versus tier at startup (built bundle, HTTPS API)", () => {
  it("refuses a token too weak for the tier: exit 2, one line naming the missing privilege and the fix", async () => {
    privileges = AUDITOR
    const r = await run(["tools"], env("operate"))
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^homelab-mcp: mcp@pve!mcp-operate is too weak for tier operate on PVE 9\.0\.10: /)
    expect(lines[0]).toContain("missing VM.PowerMgmt@/vms; fix: homelab-mcp setup --tier operate")
    expect(lines[0]).toContain("pveum acl modify / --tokens 'mcp@pve!mcp-operate' --roles HomelabMCP-Operate")
  })

  it("starts with a loud banner warning and server_info 'broader' when the token is broader", async () => {
    privileges = ALL_PRIVILEGES
    const server = await spawnServer(env("observe"), [])
    try {
      const info = await server.client.callTool({ name: "server_info", arguments: {} })
      const p = (info.structuredContent as { privileges: { status: string; excess: Array<{ privilege: string }> } })
        .privileges
      expect(p.status).toBe("broader")
      expect(p.excess.map((e) => e.privilege)).toContain("Permissions.Modify")
      expect(server.stderr()).toMatch(/WARNING: THE API TOKEN IS BROADER THAN TIER OBSERVE: .*Sys\.PowerMgmt@\//)
    } finally {
      await server.client.close()
    }
  })

  it("MCP_STRICT_PRIVILEGES=1 refuses the broader token; doctor warns and names the fix", async () => {
    privileges = ALL_PRIVILEGES
    const r = await run(["tools"], env("observe", { MCP_STRICT_PRIVILEGES: "1" }))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^homelab-mcp: MCP_STRICT_PRIVILEGES=1: mcp@pve!mcp-observe holds more than tier observe/)
    const doctor = await run(["doctor"], env("observe"))
    expect(doctor.status).toBe(0)
    expect(doctor.stdout).toMatch(
      /^warn {2}privileges {4}token broader than tier observe: .*fix: give it only the role PVEAuditor/m
    )
    expect(doctor.stdout).toMatch(
      /^ok {4}api {11}PVE 9\.0\.10 at 127\.0\.0\.1:\d+, certificate matches PVE_API_TLS_FINGERPRINT$/m
    )
  })
})
