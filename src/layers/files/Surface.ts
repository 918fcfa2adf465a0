import { Effect } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import type { ContentChanged, GuestNotReady, SshFailure } from "../../domain/Errors.js"
import { NodeCommandFailed } from "../../domain/Errors.js"
import type { RemoteFileFailure, WriteOptions, WriteReport } from "../../services/RemoteFiles.js"
import type { ExecOptions, SshTransportShape } from "../../services/SshTransport.js"
import type { Ran } from "./Outcome.js"

/** One of the node's three file surfaces, as the layer drives it. */

export interface RunOptions {
  readonly timeoutMs: number
  readonly maxOutputBytes?: number
}

export type RunFailure = SshFailure | NodeCommandFailed | GuestNotReady

export interface Surface {
  /**
   * Runs a POSIX `sh` script where the file is (host: the node's bash; pct: `pct exec … sh -c` in the running
   * container; qm: the agent's `sh -c`). Its exit code and output come back as they are; a guest that is not ready
   * exits with `EXIT.guestNotReady`.
   */
  readonly run: (script: string, options: RunOptions) => Effect.Effect<Ran, RunFailure>
  /** The same, holding the node-side `flock` of `lock` while the script runs. */
  readonly runLocked: (script: string, lock: BackupTarget, options: RunOptions) => Effect.Effect<Ran, RunFailure>
  readonly write: (
    target: BackupTarget,
    bytes: Uint8Array,
    options: WriteOptions
  ) => Effect.Effect<WriteReport, RemoteFileFailure | ContentChanged>
  readonly removeTemps: (target: BackupTarget, tag: string) => Effect.Effect<number, RemoteFileFailure>
}

/** How long one file operation may take on the node (the transport adds its own grace on top). */
export const FILE_TIMEOUT_MS = 60_000

/** Room for headers, paths and error text next to a base64 payload. */
const SLACK = 64 * 1024

/** Output cap for a payload of `bytes` bytes sent as base64. */
export const base64Cap = (bytes: number): number => Math.ceil(bytes / 3) * 4 + SLACK

/** Runs a node-side script; a timeout or an output over the cap is a failure, any exit code is a result. */
export const execOnNode = (
  ssh: SshTransportShape,
  what: string,
  script: string,
  options: ExecOptions
): Effect.Effect<Ran, SshFailure | NodeCommandFailed> =>
  Effect.flatMap(ssh.exec(script, options), (r) => {
    if (r.timedOut) {
      return Effect.fail(
        new NodeCommandFailed({
          exitCode: r.exitCode,
          message: `${what}: no answer within ${Math.round(options.timeoutMs / 1000)} s on the node`
        })
      )
    }
    if (r.stdoutTruncated) {
      return Effect.fail(
        new NodeCommandFailed({ exitCode: r.exitCode, message: `${what}: the node's answer was over the output cap` })
      )
    }
    return Effect.succeed({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode })
  })

/** Lines of output that mark one removed temp file (`removeTemps`). */
export const countRemoved = (stdout: string): number => stdout.split("\n").filter((l) => l === "@MCP removed").length

/** `rm -f` of a file when something is there by that name, printing `@MCP removed`. */
export const removeIfThere = (quotedPath: string): string =>
  `f=${quotedPath}; if test -e "$f" || test -L "$f"; then rm -f -- "$f" && echo '@MCP removed'; fi`
