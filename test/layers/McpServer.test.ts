import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { Effect } from "effect"
import { makeMcpServer } from "../../src/layers/McpServer.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import type { McpTool } from "../../src/tools/Tool.js"
import { harness } from "../support/TestLayers.js"

/** A linked SDK client ↔ our server, in process, over the tier's real layers and the simulated node. */
const connect = (elicit: "none" | "accept" | "decline") => {
  const h = harness("operate")
  return Effect.gen(function*() {
    const server = yield* makeMcpServer(h.plan.tools as ReadonlyArray<McpTool<never>>)
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    const client = new Client(
      { name: "test", version: "0" },
      { capabilities: elicit === "none" ? {} : { elicitation: { form: {} } } }
    )
    const questions: Array<string> = []
    if (elicit !== "none") {
      client.setRequestHandler(ElicitRequestSchema, (req) => {
        questions.push(req.params.message)
        return Promise.resolve(
          elicit === "accept" ? { action: "accept", content: { approve: true } } : { action: "decline" }
        )
      })
    }
    yield* Effect.acquireRelease(
      Effect.promise(() => Promise.all([server.connect(serverSide), client.connect(clientSide)])),
      () => Effect.promise(() => client.close())
    )
    return { client, questions, audit: yield* AuditLog }
  }).pipe(Effect.provide(h.layer))
}

describe("MCP bridge", () => {
  it.live("asks the human through elicitation, showing the exact action, and acts on approval", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, questions } = yield* connect("accept")
      const result = yield* Effect.promise(() => client.callTool({ name: "guest_stop", arguments: { vmid: 100 } }))
      expect(result.isError).toBeFalsy()
      expect(result.structuredContent).toMatchObject({ vmid: 100, status: "stopped" })
      expect(questions).toHaveLength(1)
      expect(questions[0]).toMatch(/Hard power-off of guest 100/)
    })))

  it.live("a declined elicitation refuses even when the model passed confirm:true", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, questions } = yield* connect("decline")
      const result = yield* Effect.promise(() =>
        client.callTool({ name: "guest_stop", arguments: { vmid: 100, confirm: true } })
      )
      expect(result.isError).toBe(true)
      expect(JSON.stringify(result.content)).toMatch(/DECLINED/)
      expect(questions).toHaveLength(1)
    })))

  it.live("sends progress notifications while a task runs", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client } = yield* connect("none")
      const seen: Array<string> = []
      const result = yield* Effect.promise(() =>
        client.callTool({ name: "guest_start", arguments: { vmid: 102 } }, undefined, {
          onprogress: (p) => seen.push(p.message ?? ""),
          timeout: 20_000
        })
      )
      expect(result.isError).toBeFalsy()
      expect(seen.length).toBeGreaterThan(0)
      expect(seen[0]).toMatch(/start of CT 102 \(legacy-nginx\): task running/)
    })), 20_000)

  it.live("cancellation interrupts the tool and the audit says interrupted", () =>
    Effect.scoped(Effect.gen(function*() {
      const { client, audit } = yield* connect("none")
      const controller = new AbortController()
      const call = client.callTool({ name: "guest_start", arguments: { vmid: 102 } }, undefined, {
        signal: controller.signal
      })
      setTimeout(() => controller.abort(), 200)
      const outcome = yield* Effect.promise(() => call.then(() => "resolved", () => "rejected"))
      expect(outcome).toBe("rejected")
      yield* Effect.sleep("200 millis")
      const entries = (yield* audit.query({ tool: "guest_start", limit: 5 })).entries
      expect(entries[0]?.outcome).toBe("interrupted")
    })))
})
