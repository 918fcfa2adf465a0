import { Effect } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { ContentChanged, GuestNotReady, NodeCommandFailed, NotRegularFile } from "../../domain/Errors.js"
import { stripControl } from "../../domain/Redact.js"
import type { RemoteFileFailure } from "../../services/RemoteFiles.js"
import { committed, fileTypeOf, marker, nlinkBefore } from "./Parse.js"
import { EXIT } from "./Probe.js"

/** What a script run on a surface left behind, and the typed failure its dedicated exit codes stand for. */

export interface Ran {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
}

/** `/etc/x`, `/etc/x in container 101`, `/etc/x in VM 200`. */
export const describe = (t: BackupTarget): string =>
  t.kind === "host" ? t.path : `${t.path} in ${t.kind === "pct" ? "container" : "VM"} ${t.vmid ?? 0}`

/** The last lines of a stream, short and single-spaced (redaction is applied centrally later). */
export const excerpt = (text: string): string =>
  stripControl(text).trim().split("\n").slice(-3).join(" | ").slice(0, 300)

/** Why a guest cannot be reached: the container's state, or the agent's answer. */
export const notReady = (t: BackupTarget, r: Ran): GuestNotReady => {
  const vmid = t.vmid ?? 0
  if (t.kind === "pct") {
    const state = /status: (\S+)/.exec(r.stdout)?.[1] ?? (excerpt(`${r.stdout}\n${r.stderr}`) || "unknown")
    return new GuestNotReady({
      vmid,
      message: `Container ${vmid} is not running (state: ${state}). Start the container, or edit via the Proxmox UI.`
    })
  }
  return new GuestNotReady({
    vmid,
    message:
      `The QEMU guest agent of VM ${vmid} is not responding (${
        excerpt(`${r.stdout}\n${r.stderr}`) || "no answer"
      }). It must be installed and running in the guest (qemu-guest-agent), enabled on the VM (agent: 1), and the ` +
      "VM must be running."
  })
}

/** The failure a finished script stands for; `undefined` for exit 0. */
export const failureOf = (
  t: BackupTarget,
  op: string,
  r: Ran,
  expect: string | null = null
): RemoteFileFailure | ContentChanged | undefined => {
  const lines = r.stdout.split("\n")
  const generic = () =>
    new NodeCommandFailed({
      exitCode: r.exitCode,
      message: `${op} ${describe(t)} failed (exit ${r.exitCode ?? "by a signal"}): ${
        excerpt(r.stderr) || excerpt(r.stdout) || "no message"
      }`
    })
  switch (r.exitCode) {
    case 0:
      return undefined
    case EXIT.guestNotReady:
      return t.kind === "host" ? generic() : notReady(t, r)
    case EXIT.symlink:
      return new NotRegularFile({
        path: t.path,
        fileType: "symlink",
        message: `${describe(t)} is a symbolic link; a write never replaces a link with a file (write its target).`
      })
    case EXIT.notRegular: {
      const type = fileTypeOf(parseInt(marker(lines, "type").rest.trim() || "0", 16))
      return new NotRegularFile({
        path: t.path,
        fileType: type,
        message: `${describe(t)} is a ${type}, not a regular file.`
      })
    }
    case EXIT.contentChanged: {
      const cur = /^([0-9a-f]{64})\b/.exec(marker(lines, "cur").rest)?.[1] ?? null
      return new ContentChanged({
        path: t.path,
        expectedSha256: expect,
        actualSha256: cur,
        message: `${describe(t)} changed since it was read: it ${
          cur === null ? "does not exist" : `hashes to ${cur}`
        }, not ${expect ?? "absent"}. Nothing was written.`
      })
    }
    case EXIT.lockBusy:
      return new NodeCommandFailed({
        exitCode: r.exitCode,
        message: `${op} ${describe(t)}: another write of this file holds the node-side lock; try again.`
      })
    default:
      return generic()
  }
}

/** Fails with what a non-zero exit stands for (a script with a compare-and-swap: see `expectCommitted`). */
export const expectOk = (t: BackupTarget, op: string, r: Ran): Effect.Effect<Ran, RemoteFileFailure> => {
  const failure = failureOf(t, op, r)
  if (failure === undefined) return Effect.succeed(r)
  return Effect.fail(
    failure._tag === "ContentChanged"
      ? new NodeCommandFailed({ exitCode: r.exitCode, message: failure.message })
      : failure
  )
}

/** Fails with what a non-zero exit of a compare-and-swap script stands for. */
export const expectCommitted = (t: BackupTarget, op: string, r: Ran, expect: string | null) => {
  const failure = failureOf(t, op, r, expect)
  return failure === undefined ? Effect.succeed(r) : Effect.fail(failure)
}

/** What a rename over a file with other names leaves behind (B14). */
export const HARD_LINK_BROKEN = "hard link broken: other names keep the old content"

/** The report of a temp-and-rename commit that ran to its end (`@MCP done`). */
export const atomicReport = (t: BackupTarget, op: string, r: Ran, expect: string | null) =>
  Effect.flatMap(expectCommitted(t, op, r, expect), (ok) =>
    committed(ok.stdout)
      ? Effect.succeed({ atomic: true, notPreserved: nlinkBefore(ok.stdout) > 1 ? [HARD_LINK_BROKEN] : [] })
      : Effect.fail(
        new NodeCommandFailed({
          exitCode: ok.exitCode,
          message: `${op} ${describe(t)}: the commit step did not report completion: ${excerpt(ok.stderr)}`
        })
      ))
