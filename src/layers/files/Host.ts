import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { BackupTarget } from "../../domain/Backup.js"
import { shQuote } from "../../domain/Shell.js"
import type { WriteOptions } from "../../services/RemoteFiles.js"
import type { SshTransportShape } from "../../services/SshTransport.js"
import { LOCK_DIR, LOCK_WAIT_SECONDS, lockFile, octal, tempPath } from "./Names.js"
import { atomicReport, expectOk } from "./Outcome.js"
import { commitScript, EXIT, preflightScript, stagedCheck } from "./Probe.js"
import type { RunOptions, Surface } from "./Surface.js"
import { countRemoved, execOnNode, FILE_TIMEOUT_MS, removeIfThere } from "./Surface.js"

/**
 * The node itself (root SSH, bash). A write stages `<dir>/.<base>.mcp-<tag>.tmp` next to the target (noclobber,
 * umask 077, removed by an EXIT trap on any failure), sets owner then mode (chown clears setuid bits), fsyncs it,
 * and renames it over the target under `flock` after the compare-and-swap.
 */

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** `flock -w 10 -E 74 <lock> <command…>`: the command runs while this node holds the target's lock. */
export const underLock = (lock: BackupTarget, command: string): string =>
  `${LOCK_DIR}\nflock -w ${LOCK_WAIT_SECONDS} -E ${EXIT.lockBusy} ${lockFile(lock)} ${command}`

const writeScript = (target: BackupTarget, options: WriteOptions, sha256: string): string => {
  const temp = tempPath(target.path, options.tag)
  return [
    "set -C",
    "umask 077",
    `tmp=${shQuote(temp)}`,
    "trap 'rm -f -- \"$tmp\"' EXIT",
    preflightScript(target.path),
    `base64 -d > "$tmp" || exit ${EXIT.staging}`,
    stagedCheck("tmp", sha256),
    `chown -- ${options.uid}:${options.gid} "$tmp" || exit ${EXIT.staging}`,
    `chmod -- ${octal(options.mode)} "$tmp" || exit ${EXIT.staging}`,
    `sync -- "$tmp" || exit ${EXIT.staging}`,
    ...(options.stopAfterStaging === true ? ["trap - EXIT; exit 0"] : []),
    underLock(
      target,
      `sh -c ${shQuote(commitScript({ target: target.path, expect: options.expectSha256, temp }))}`
    )
  ].join("\n")
}

export const hostSurface = (ssh: SshTransportShape): Surface => {
  const run = (script: string, options: RunOptions) => execOnNode(ssh, "host", script, options)
  return {
    run,
    runLocked: (script, lock, options) => run(underLock(lock, `sh -c ${shQuote(script)}`), options),
    write: (target, bytes, options) =>
      Effect.flatMap(
        execOnNode(ssh, `write ${target.path}`, writeScript(target, options, sha256Hex(bytes)), {
          timeoutMs: FILE_TIMEOUT_MS,
          stdin: Buffer.from(bytes).toString("base64")
        }),
        (r) => atomicReport(target, "write", r, options.expectSha256)
      ),
    removeTemps: (target, tag) =>
      run(removeIfThere(shQuote(tempPath(target.path, tag))), { timeoutMs: FILE_TIMEOUT_MS }).pipe(
        Effect.flatMap((r) => expectOk(target, "remove temp files of", r)),
        Effect.map((r) => countRemoved(r.stdout))
      )
  }
}
