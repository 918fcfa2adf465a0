import type { Effect } from "effect"
import { Context } from "effect"

/** Per-call capabilities the MCP bridge (or the CLI) gives a running tool. */
export interface ToolContextShape {
  readonly tool: string
  /** Sends an MCP progress notification when the client asked for progress. */
  readonly progress: (progress: number, total: number | undefined, message: string) => Effect.Effect<void>
  /** True when a human can be asked through MCP elicitation. */
  readonly canElicit: boolean
  /** Asks the human; resolves false on decline, cancel, timeout or error. */
  readonly elicitConfirmation: (question: string) => Effect.Effect<boolean>
}

export class ToolContext extends Context.Tag("homelab-mcp/ToolContext")<ToolContext, ToolContextShape>() {}
