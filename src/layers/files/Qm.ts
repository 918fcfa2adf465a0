import { Effect, Schema } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import type { SshFailure } from "../../domain/Errors.js"
import { FileTooLarge, NodeCommandFailed } from "../../domain/Errors.js"
import { shJoin, shQuote } from "../../domain/Shell.js"
import type { WriteOptions } from "../../services/RemoteFiles.js"
import type { SshTransportShape } from "../../services/SshTransport.js"
import { underLock } from "./Host.js"
import type { Ran } from "./Outcome.js"
import { describe, excerpt, expectCommitted } from "./Outcome.js"
import { checkScript, EXIT } from "./Probe.js"
import type { RunOptions, Surface } from "./Surface.js"
import { FILE_TIMEOUT_MS } from "./Surface.js"

/**
 * A VM, through its QEMU guest agent: `qm guest cmd ping` must answer, scripts run with `qm guest exec … -- sh -c`
 * (the agent's JSON carries exit code and output). A write checks the target and compares its hash with a guest
 * exec first, then writes with the agent's `file-write` (base64 content, `--encode 0`): truncate-then-write, not
 * atomic, mode and owner of a new file are the guest's defaults. Agent writes leave no temp files.
 */

/** qemu-server's limit on file-write's `content` (60 KiB of base64, below PVE's 64 KiB POST limit). */
export const FILE_WRITE_MAX_CHARS = 61_440

/** Exits with `EXIT.guestNotReady` (printing the agent's error) unless the agent answers. */
export const agentGuard = (vmid: number): string =>
  `qm guest cmd ${vmid} ping 2>&1 >/dev/null || exit ${EXIT.guestNotReady}`

const Num = Schema.Union(Schema.Number, Schema.NumberFromString)
const ExecStatus = Schema.parseJson(Schema.Struct({
  exited: Schema.optional(Schema.Union(Schema.Boolean, Num)),
  exitcode: Schema.optional(Num),
  signal: Schema.optional(Num),
  pid: Schema.optional(Num),
  "out-data": Schema.optional(Schema.String),
  "err-data": Schema.optional(Schema.String),
  "out-truncated": Schema.optional(Schema.Union(Schema.Boolean, Num))
}))

const failed = (message: string, exitCode: number | null = null) => new NodeCommandFailed({ message, exitCode })

/** The agent's answer as the script's own exit code and output. */
const unwrap = (vmid: number, r: Ran, secs: number): Effect.Effect<Ran, NodeCommandFailed> => {
  if (r.exitCode === EXIT.guestNotReady) return Effect.succeed(r)
  if (r.exitCode !== 0 && r.stdout.trim() === "") {
    return Effect.fail(failed(`qm guest exec failed on VM ${vmid}: ${excerpt(r.stderr)}`, r.exitCode))
  }
  return Schema.decodeUnknown(ExecStatus)(r.stdout.trim()).pipe(
    Effect.mapError(() => failed(`the guest agent of VM ${vmid} answered with no usable JSON: ${excerpt(r.stdout)}`)),
    Effect.flatMap((s) => {
      if (!(s.exited === true || s.exited === 1)) {
        return Effect.fail(
          failed(`the agent of VM ${vmid} did not finish within ${secs} s (guest pid ${s.pid ?? "?"})`)
        )
      }
      if (s["out-truncated"] === true || s["out-truncated"] === 1) {
        return Effect.fail(failed(`the agent of VM ${vmid} cut the output short`))
      }
      if (s.exitcode === undefined) {
        return Effect.fail(failed(`the command in VM ${vmid} ended by signal ${s.signal ?? "?"}`))
      }
      return Effect.succeed({ stdout: s["out-data"] ?? "", stderr: s["err-data"] ?? "", exitCode: s.exitcode })
    })
  )
}

export const qmSurface = (
  ssh: SshTransportShape,
  vmid: number,
  node: string,
  writeMaxBytes: number
): Surface => {
  const exec = (command: (guestExec: string) => string, script: string, options: RunOptions) => {
    const secs = Math.max(1, Math.ceil(options.timeoutMs / 1000))
    const guestExec = `${shJoin(["qm", "guest", "exec", String(vmid), "--timeout", String(secs), "--", "sh", "-c"])} ${
      shQuote(script)
    }`
    return ssh.exec(`${agentGuard(vmid)}\n${command(guestExec)}`, {
      timeoutMs: options.timeoutMs + 15_000,
      ...(options.maxOutputBytes === undefined ? {} : { maxOutputBytes: options.maxOutputBytes })
    }).pipe(
      Effect.flatMap((r) =>
        r.timedOut
          ? Effect.fail(failed(`VM ${vmid}: no answer from the agent within ${secs} s`, r.exitCode))
          : unwrap(vmid, r, secs)
      )
    )
  }
  const run = (script: string, options: RunOptions) => exec((g) => g, script, options)
  const runLocked = (script: string, lock: BackupTarget, options: RunOptions) =>
    exec((g) => underLock(lock, g), script, options)
  /** What one agent write may carry: the configured cap, and what fits PVE's `content` limit as base64. */
  const capBytes = Math.min(writeMaxBytes, (FILE_WRITE_MAX_CHARS / 4) * 3)
  const fileWrite = (target: BackupTarget, content: string): Effect.Effect<Ran, SshFailure> =>
    Effect.map(
      ssh.exec(
        `${agentGuard(vmid)}\n${
          underLock(
            target,
            shJoin([
              "pvesh",
              "create",
              `/nodes/${node}/qemu/${vmid}/agent/file-write`,
              "--file",
              target.path,
              "--content",
              content,
              "--encode",
              "0"
            ])
          )
        }`,
        { timeoutMs: FILE_TIMEOUT_MS }
      ),
      (r) => ({ stdout: r.stdout, stderr: r.stderr, exitCode: r.timedOut ? 124 : r.exitCode })
    )
  return {
    run,
    runLocked,
    write: (target, bytes, options: WriteOptions) =>
      Effect.gen(function*() {
        if (bytes.length > capBytes) {
          return yield* new FileTooLarge({
            path: target.path,
            sizeBytes: bytes.length,
            capBytes,
            message:
              `${bytes.length} bytes is over the ${capBytes}-byte cap of a guest-agent write to ${
                describe(target)
              } (QM_WRITE_MAX_BYTES, and PVE's 61440-character limit on the base64 content); write it from a ` +
              "shell in the VM instead (qm_exec)."
          })
        }
        const checked = yield* run(checkScript(target.path, options.expectSha256), { timeoutMs: FILE_TIMEOUT_MS })
        yield* expectCommitted(target, "write", checked, options.expectSha256)
        const written = yield* fileWrite(target, Buffer.from(bytes).toString("base64"))
        yield* expectCommitted(target, "agent file-write to", written, options.expectSha256)
        return { atomic: false, notPreserved: ["mode", "owner"] }
      }),
    removeTemps: () => Effect.succeed(0)
  }
}
