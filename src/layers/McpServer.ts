import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js"
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js"
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { Deferred, Duration, Effect, Exit, Fiber, FiberSet, Runtime } from "effect"
import { SERVER_NAME, VERSION } from "../domain/BuildInfo.js"
import { ToolContext } from "../services/ToolContext.js"
import type { McpTool, ToolResult } from "../tools/Tool.js"
import { elicitationValidator } from "./ElicitationValidator.js"

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

const ELICIT_TIMEOUT = Duration.minutes(2)

const toCallResult = (result: ToolResult): CallToolResult =>
  result._tag === "Success"
    ? { content: [{ type: "text", text: result.text }], structuredContent: { ...result.structured } }
    : { isError: true, content: [{ type: "text", text: result.text }] }

/** An unknown tool is a protocol error (JSON-RPC -32602), not a tool result. */
const unknownTool = (name: string) =>
  Object.assign(new Error(`Unknown tool: ${name}`), { code: ErrorCode.InvalidParams })

const contextFor = (server: Server, tool: string, extra: Extra) => {
  const token = extra._meta?.progressToken
  let step = 0
  return ToolContext.of({
    tool,
    progress: (_progress, total, message) =>
      token === undefined ? Effect.void : Effect.promise(() => {
        step += 1
        return extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken: token, progress: step, ...(total === undefined ? {} : { total }), message }
        }).catch(() => undefined)
      }),
    // Form elicitation: an empty capability object means form (2025-06); URL-only clients cannot answer our form.
    canElicit: (() => {
      const e = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined
      return e !== undefined && (Object.keys(e).length === 0 || e.form !== undefined)
    })(),
    elicitConfirmation: (question) =>
      Effect.tryPromise((signal) =>
        server.elicitInput({
          message: `homelab-mcp asks for your approval:\n\n${question}\n\nApprove?`,
          requestedSchema: {
            type: "object",
            properties: { approve: { type: "boolean", title: "Approve", description: "Allow this action once" } },
            required: ["approve"]
          }
        }, { signal, timeout: Duration.toMillis(ELICIT_TIMEOUT) })
      ).pipe(
        Effect.map((r) => r.action === "accept" && r.content?.approve === true),
        Effect.orElseSucceed(() => false)
      )
  })
}

/** Builds the SDK server with our `tools/list` and `tools/call` handlers over the current runtime. */
export const makeMcpServer = <R>(tools: ReadonlyArray<McpTool<R | ToolContext>>) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<Exclude<R, ToolContext>>()
    // Every call runs in this scope's FiberSet: closing the scope (stdin end, SIGINT, SIGTERM) interrupts the calls
    // still running and waits for them, so each writes its audit outcome before the process exits.
    const calls = yield* FiberSet.make<ToolResult>()
    const byName = new Map(tools.map((t) => [t.name, t]))
    const listed = tools.map((t) => t.listEntry)
    const server = new Server({ name: SERVER_NAME, version: VERSION }, {
      capabilities: { tools: {} },
      jsonSchemaValidator: elicitationValidator
    })
    server.setRequestHandler(ListToolsRequestSchema, () => {
      // Tells the launcher (scripts/loader.cjs) that startup is complete, so its code cache covers it.
      ;(process as NodeJS.EventEmitter).emit("homelab-mcp:ready")
      return Promise.resolve({ tools: listed.map((t) => ({ ...t })) })
    })
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      const tool = byName.get(req.params.name)
      if (tool === undefined) throw unknownTool(req.params.name)
      const run = tool.call(req.params.arguments).pipe(
        Effect.provideService(ToolContext, contextFor(server, tool.name, extra))
      ) as Effect.Effect<ToolResult, never, Exclude<R, ToolContext>>
      const fiber = Runtime.runSync(runtime)(FiberSet.run(calls, run))
      const cancel = () => Runtime.runFork(runtime)(Fiber.interrupt(fiber))
      extra.signal.addEventListener("abort", cancel, { once: true })
      try {
        const exit = await Runtime.runPromise(runtime)(Fiber.await(fiber))
        if (Exit.isSuccess(exit)) return toCallResult(exit.value)
        throw new Error(`${tool.name} was cancelled`)
      } finally {
        extra.signal.removeEventListener("abort", cancel)
      }
    })
    return server
  })

/**
 * Serves `tools` over stdio until stdin ends or the transport closes. Client cancellation interrupts exactly the
 * tool's fiber through `extra.signal`; closing the scope closes the transport.
 */
export const serveStdio = <R>(tools: ReadonlyArray<McpTool<R | ToolContext>>) =>
  Effect.gen(function*() {
    const server = yield* makeMcpServer(tools)
    const closed = yield* Deferred.make<void>()
    const done = () => Deferred.unsafeDone(closed, Effect.void)
    server.onclose = done
    const transport = new StdioServerTransport(process.stdin, process.stdout)
    yield* Effect.acquireRelease(
      Effect.promise(() => server.connect(transport)),
      () => Effect.promise(() => server.close().catch(() => undefined))
    )
    process.stdin.once("end", done)
    process.stdin.once("close", done)
    yield* Deferred.await(closed)
  })
