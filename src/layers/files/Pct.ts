import { Effect } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { pctExec, shQuote } from "../../domain/Shell.js"
import type { WriteOptions } from "../../services/RemoteFiles.js"
import type { SshTransportShape } from "../../services/SshTransport.js"
import { sha256Hex, underLock } from "./Host.js"
import { nodeTempPath, octal, tempPath } from "./Names.js"
import { atomicReport, expectOk } from "./Outcome.js"
import { commitScript, EXIT, stagedCheck } from "./Probe.js"
import type { RunOptions, Surface } from "./Surface.js"
import { countRemoved, execOnNode, FILE_TIMEOUT_MS, removeIfThere } from "./Surface.js"

/**
 * A container, through the node: `pct status` must say running, then scripts run with `pct exec … sh -c` (busybox
 * is enough). A write decodes into `<NODE_TEMP_DIR>/homelab-mcp-<tag>.tmp` on the node, `pct push`es it with mode
 * and owner to `<dir>/.<base>.mcp-<tag>.tmp` in the guest, then, under the node-side lock, the guest compares and
 * renames. The node's EXIT trap removes the node temp always, and the guest temp when the commit did not run.
 */

/** Exits with `EXIT.guestNotReady` (printing `pct status`) unless the container is running. */
export const runningGuard = (vmid: number): string =>
  `if pct status ${vmid} 2>&1 | grep -q '^status: running$'; then :; else pct status ${vmid} 2>&1; ` +
  `exit ${EXIT.guestNotReady}; fi`

const writeScript = (
  target: BackupTarget,
  vmid: number,
  nodeTempDir: string,
  options: WriteOptions,
  sha256: string
): string => {
  const guestTemp = tempPath(target.path, options.tag)
  const commit = commitScript({ target: target.path, expect: options.expectSha256, temp: guestTemp, ownsTemp: true })
  const cleanup = `rm -f -- "$nt"; if test "$pushed" = 1 && test "$ok" != 1; then ` +
    `pct exec ${vmid} --keep-env 0 -- rm -f -- ${shQuote(guestTemp)}; fi`
  return [
    runningGuard(vmid),
    "set -C",
    "umask 077",
    `nt=${shQuote(nodeTempPath(nodeTempDir, options.tag))}; pushed=0; ok=0`,
    `trap ${shQuote(cleanup)} EXIT`,
    `base64 -d > "$nt" || exit ${EXIT.staging}`,
    stagedCheck("nt", sha256),
    `pct push ${vmid} "$nt" ${shQuote(guestTemp)} --perms ${octal(options.mode)} --user ${options.uid} ` +
    `--group ${options.gid} || exit ${EXIT.staging}`,
    "pushed=1",
    ...(options.stopAfterStaging === true ? ["trap - EXIT; exit 0"] : []),
    `${underLock(target, pctExec(vmid, commit))} && ok=1`
  ].join("\n")
}

export const pctSurface = (ssh: SshTransportShape, vmid: number, nodeTempDir: string): Surface => {
  const what = `container ${vmid}`
  const run = (script: string, options: RunOptions) =>
    execOnNode(ssh, what, `${runningGuard(vmid)}\n${pctExec(vmid, script)}`, options)
  return {
    run,
    runLocked: (script, lock, options) =>
      execOnNode(ssh, what, `${runningGuard(vmid)}\n${underLock(lock, pctExec(vmid, script))}`, options),
    write: (target, bytes, options) =>
      Effect.flatMap(
        execOnNode(
          ssh,
          `write ${target.path} in ${what}`,
          writeScript(target, vmid, nodeTempDir, options, sha256Hex(bytes)),
          {
            timeoutMs: FILE_TIMEOUT_MS,
            stdin: Buffer.from(bytes).toString("base64")
          }
        ),
        (r) => atomicReport(target, "write", r, options.expectSha256)
      ),
    removeTemps: (target, tag) =>
      execOnNode(
        ssh,
        what,
        [
          removeIfThere(shQuote(nodeTempPath(nodeTempDir, tag))),
          runningGuard(vmid),
          pctExec(vmid, removeIfThere(shQuote(tempPath(target.path, tag))))
        ].join("\n"),
        { timeoutMs: FILE_TIMEOUT_MS }
      ).pipe(
        Effect.flatMap((r) => expectOk(target, "remove temp files of", r)),
        Effect.map((r) => countRemoved(r.stdout))
      )
  }
}
