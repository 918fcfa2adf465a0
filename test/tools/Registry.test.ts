import { describe, expect, it } from "@effect/vitest"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import type { JsonSchemaType } from "@modelcontextprotocol/sdk/validation/types.js"
import { planFor } from "../../src/layers/AppLayer.js"
import { allTools } from "../../src/tools/Registry.js"
import { testConfig } from "../support/TestLayers.js"

const names = (tier: "observe" | "operate" | "companion" | "root") =>
  planFor(testConfig(tier)).tools.map((t) => t.name).sort()

describe("tool registry", () => {
  it("registers only the tools allowed at each tier", () => {
    const observe = names("observe")
    expect(observe).toEqual([
      "describe_homelab",
      "health_check",
      "list_backups",
      "pct_list",
      "qm_agent_ping",
      "qm_list",
      "query_audit",
      "server_info"
    ])
    expect(observe).not.toContain("guest_start")
    expect(names("operate")).toEqual([...observe, "guest_restart", "guest_start", "guest_stop"].sort())
    expect(names("companion")).toEqual([
      ...names("operate"),
      "describe_guest",
      "pct_exec",
      "qm_exec",
      "snapshot_create",
      "snapshot_delete",
      "snapshot_list",
      "snapshot_rollback",
      "tail_log",
      "pct_read_file",
      "pct_write_file",
      "pct_edit_file",
      "qm_read_file",
      "qm_write_file",
      "qm_edit_file",
      "diff_config",
      "revert_file"
    ].sort())
    expect(names("companion")).not.toContain("write_file")
    expect(names("root")).toEqual([
      ...names("companion"),
      "read_file",
      "write_file",
      "edit_file",
      "list_directory",
      "execute"
    ].sort())
  })

  it("gives every tool object schemas without a top-level $ref, a title and honest annotations", () => {
    for (const tool of allTools(testConfig("root"))) {
      const e = tool.listEntry
      expect(e.inputSchema.type, tool.name).toBe("object")
      expect(e.outputSchema.type, tool.name).toBe("object")
      expect(e.inputSchema.$ref, tool.name).toBeUndefined()
      expect(e.inputSchema.additionalProperties, tool.name).toBe(false)
      expect(e.title.length, tool.name).toBeGreaterThan(3)
      expect(e.description.length, tool.name).toBeGreaterThan(60)
      if (e.annotations.readOnlyHint) expect(e.annotations.destructiveHint, tool.name).toBe(false)
      const mutates = [
        "guest_start",
        "guest_stop",
        "guest_restart",
        "pct_exec",
        "qm_exec",
        "snapshot_create",
        "snapshot_rollback",
        "snapshot_delete",
        "pct_write_file",
        "pct_edit_file",
        "qm_write_file",
        "qm_edit_file",
        "revert_file",
        "write_file",
        "edit_file",
        "execute"
      ].includes(tool.name)
      expect(e.annotations.readOnlyHint, tool.name).toBe(!mutates)
    }
  })

  it("compiles every input and output schema with the validator the SDK client uses", () => {
    const validator = new AjvJsonSchemaValidator()
    for (const tool of allTools(testConfig("root"))) {
      expect(() => validator.getValidator(tool.listEntry.inputSchema as JsonSchemaType), tool.name).not.toThrow()
      expect(() => validator.getValidator(tool.listEntry.outputSchema as JsonSchemaType), tool.name).not.toThrow()
    }
  })

  it("advertises the same numeric bounds it enforces", () => {
    const query = allTools(testConfig("observe", { queryAuditMaxLimit: 120, queryAuditDefaultLimit: 30 }))
      .find((t) => t.name === "query_audit")
    const limit = (query?.listEntry.inputSchema.properties as Record<string, Record<string, unknown>>).limit
    expect(limit).toMatchObject({ type: "integer", minimum: 1, maximum: 120 })
  })
})
