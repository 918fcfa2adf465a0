import type { Effect } from "effect"
import { Context } from "effect"
import type { SshFailure } from "../domain/Errors.js"

export interface ExecOptions {
  /** Node-side limit: the transport wraps the script in `timeout`; a client backstop adds the configured grace. */
  readonly timeoutMs: number
  /** Cap per stream, applied as the bytes arrive (default 1 MiB). */
  readonly maxOutputBytes?: number
  /** Bytes for the command's stdin (then closed). */
  readonly stdin?: string | Uint8Array
}

export interface ExecResult {
  readonly stdout: string
  readonly stderr: string
  /** `null` when the process died of a signal; never turned into 0. */
  readonly exitCode: number | null
  readonly signal?: string
  /** The node-side timeout fired (exit 124 from `timeout`). */
  readonly timedOut: boolean
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  readonly durationMs: number
}

/**
 * Root SSH to the node: one pinned, persistent connection; each command is a channel. `exec` takes a shell script
 * for the node's `bash`; the transport adds the node-side `timeout` wrapper itself, so callers never do.
 */
export interface SshTransportShape {
  /** `host:port`, for banners and errors. */
  readonly endpoint: string
  readonly exec: (script: string, options: ExecOptions) => Effect.Effect<ExecResult, SshFailure>
}

export class SshTransport extends Context.Tag("homelab-mcp/SshTransport")<SshTransport, SshTransportShape>() {}
