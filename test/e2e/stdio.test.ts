import { spawnSync } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import type { Spawned } from "../support/Spawn.js"
import { RUNTIME, SERVER, serverEnv, spawnServer, textOf } from "../support/Spawn.js"

const OBSERVE = [
  "describe_homelab",
  "health_check",
  "list_backups",
  "pct_list",
  "qm_agent_ping",
  "qm_list",
  "query_audit",
  "server_info"
]
const OPERATE = [...OBSERVE, "guest_restart", "guest_start", "guest_stop"].sort()

let open: Array<Spawned> = []
const start = async (env: Record<string, string>) => {
  const s = await spawnServer(env)
  open.push(s)
  return s
}

afterEach(async () => {
  await Promise.all(open.map((s) => s.client.close()))
  open = []
})

describe(`stdio e2e (${RUNTIME.includes("bun") ? "bun" : "node"})`, () => {
  it("lists exactly the observe tools at observe, each with object schemas and annotations", async () => {
    const { client, stderr } = await start({ MCP_TIER: "observe" })
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual(OBSERVE)
    for (const t of tools) {
      expect(t.inputSchema.type).toBe("object")
      expect(t.outputSchema?.type).toBe("object")
      expect(t.annotations?.readOnlyHint).toBe(true)
    }
    expect(stderr()).toMatch(/tier: observe/)
  })

  it("adds the lifecycle tools at operate", async () => {
    const { client } = await start({ MCP_TIER: "operate" })
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual(OPERATE)
    expect(tools.find((t) => t.name === "guest_stop")?.annotations?.destructiveHint).toBe(true)
  })

  it("answers a good call with structuredContent and text", async () => {
    const { client } = await start({ MCP_TIER: "observe" })
    const result = await client.callTool({ name: "pct_list", arguments: {} })
    expect(result.isError).toBeFalsy()
    const structured = result.structuredContent as { containers: Array<{ vmid: number; name: string }> }
    expect(structured.containers.map((c) => c.vmid)).toContain(100)
    expect(JSON.parse(textOf(result))).toEqual(structured)
  })

  it("turns bad and unknown arguments into isError results naming the field", async () => {
    const { client } = await start({ MCP_TIER: "observe" })
    const bad = await client.callTool({ name: "qm_agent_ping", arguments: { vmid: "two hundred" } })
    expect(bad.isError).toBe(true)
    expect(textOf(bad)).toMatch(/^INVALID_ARGUMENTS: .*\n- vmid: /s)
    const extra = await client.callTool({ name: "pct_list", arguments: { verbose: true } })
    expect(extra.isError).toBe(true)
    expect(textOf(extra)).toMatch(/verbose/)
  })

  it("answers an unknown tool, or one above the tier, with a protocol error", async () => {
    const { client } = await start({ MCP_TIER: "observe" })
    await expect(client.callTool({ name: "guest_start", arguments: { vmid: 102 } })).rejects.toThrow(
      /-32602|Unknown tool/
    )
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(/Unknown tool/)
  })

  it("runs the census at observe with the auditor role and no SSH", async () => {
    const { client } = await start({ MCP_TIER: "observe" })
    const ping = await client.callTool({
      name: "describe_homelab",
      arguments: { sections: ["node"], saveSnapshot: false }
    })
    expect(ping.isError).toBeFalsy()
  })

  it("interrupts a cancelled call and records the outcome as interrupted", async () => {
    const { client } = await start({ MCP_TIER: "operate" })
    const controller = new AbortController()
    const pending = client.callTool({ name: "guest_start", arguments: { vmid: 102 } }, undefined, {
      signal: controller.signal
    })
    setTimeout(() => controller.abort("test cancels"), 300)
    await expect(pending).rejects.toThrow()
    let outcome = "pending"
    for (let i = 0; i < 40 && outcome === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const audit = await client.callTool({ name: "query_audit", arguments: { tool: "guest_start" } })
      outcome = (audit.structuredContent as { records: Array<{ outcome: string }> }).records[0]?.outcome ?? "none"
    }
    expect(outcome).toBe("interrupted")
    const list = await client.callTool({ name: "pct_list", arguments: {} })
    expect(list.isError).toBeFalsy()
  })

  it("starts, verifies and audits a guest at operate", async () => {
    const { client } = await start({ MCP_TIER: "operate" })
    const result = await client.callTool({ name: "guest_start", arguments: { vmid: 102 } })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({ vmid: 102, status: "running", alreadyRunning: false })
    const again = await client.callTool({ name: "guest_start", arguments: { vmid: 102 } })
    expect(again.structuredContent).toMatchObject({ alreadyRunning: true, task: "" })
  }, 20_000)

  it("refuses guest_stop without the user's approval when the client cannot elicit", async () => {
    const { client } = await start({ MCP_TIER: "operate" })
    const result = await client.callTool({ name: "guest_stop", arguments: { vmid: 100 } })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/^CONFIRMATION_REQUIRED/)
    expect(textOf(result)).not.toMatch(/confirm: ?true/)
  })
})

describe("process behaviour", () => {
  it("exits 0 when stdin ends", () => {
    const run = spawnSync(RUNTIME, [SERVER, "--simulated"], {
      input: "",
      env: serverEnv({ MCP_TIER: "observe" }),
      timeout: 10_000
    })
    expect(run.status).toBe(0)
    expect(run.stdout.toString()).toBe("")
  })

  it("stops with one clear line naming the variable on bad config", () => {
    const run = spawnSync(RUNTIME, [SERVER, "--simulated"], {
      input: "",
      env: serverEnv({ MCP_TIER: "admin" }),
      timeout: 10_000
    })
    expect(run.status).toBe(2)
    const lines = run.stderr.toString().trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/MCP_TIER="admin" must be observe, operate or companion/)
    expect(run.stdout.toString()).toBe("")
  })

  it("refuses to start without an API or --simulated", () => {
    const run = spawnSync(RUNTIME, [SERVER], { input: "", env: serverEnv(), timeout: 10_000 })
    expect(run.status).toBe(2)
    expect(run.stderr.toString()).toMatch(/PVE_API_BASE_URL is not set/)
  })
})
