import { Effect } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { targetKey } from "../../domain/Backup.js"
import { NodeCommandFailed } from "../../domain/Errors.js"

/** Names the write protocol gives things on the node and in guests, and the checks every argument passes first. */

const encoder = new TextEncoder()

/** What a temp name keeps of the target's name: at most this many bytes, so the whole name stays under NAME_MAX. */
const BASE_BYTES = 100

export const dirOf = (path: string): string => path.slice(0, path.lastIndexOf("/")) || "/"
export const baseOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

const shortBase = (base: string): string => {
  let out = ""
  for (const c of base) {
    if (encoder.encode(out + c).length > BASE_BYTES) break
    out += c
  }
  return out
}

const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`)

/** The temp file of a write next to its target: `<dir>/.<base>.mcp-<tag>.tmp` (recovery finds it by the tag). */
export const tempPath = (path: string, tag: string): string =>
  join(dirOf(path), `.${shortBase(baseOf(path))}.mcp-${tag}.tmp`)

/** The node-side staging file of a container write: `<NODE_TEMP_DIR>/homelab-mcp-<tag>.tmp`. */
export const nodeTempPath = (nodeTempDir: string, tag: string): string =>
  join(nodeTempDir.replace(/\/+$/, "") || "/", `homelab-mcp-${tag}.tmp`)

/** Sets `$L` to the node's lock directory: /run/lock, or /tmp where it is missing. */
export const LOCK_DIR = "L=/run/lock; test -d \"$L\" || L=/tmp"

/** The node-side lock of one target (`flock` on it serialises our writes of that file). */
export const lockFile = (target: BackupTarget): string => `"$L/homelab-mcp-${targetKey(target)}.lock"`

/** Seconds `flock` waits for the lock before the write fails with `LOCK_BUSY`. */
export const LOCK_WAIT_SECONDS = 10

/** Permission bits as `chmod` and `pct push --perms` take them: `0644`, `4755`. */
export const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, "0")

const refuse = (why: string) =>
  Effect.fail(new NodeCommandFailed({ message: `refused before running anything: ${why}`, exitCode: null }))

/** Paths reach the node as single quoted words: absolute, no NUL, no line breaks (the output framing uses lines). */
export const checkPath = (path: string) =>
  path.startsWith("/") && !/[\0\n\r]/.test(path) ? Effect.void : refuse(`${JSON.stringify(path)} is not a usable path`)

export const checkTag = (tag: string) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(tag) ? Effect.void : refuse(`write tag ${JSON.stringify(tag)}`)

export const checkSha = (sha: string | null) =>
  sha === null || /^[0-9a-f]{64}$/.test(sha) ? Effect.void : refuse(`expected SHA-256 ${JSON.stringify(sha)}`)

export const checkOwner = (mode: number, uid: number, gid: number) =>
  [mode, uid, gid].every((n) => Number.isSafeInteger(n) && n >= 0) && mode <= 0o7777
    ? Effect.void
    : refuse(`mode ${mode} / owner ${uid}:${gid}`)

export const checkRange = (offset: number, length: number) =>
  Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0
    ? Effect.void
    : refuse(`window offset ${offset}, length ${length}`)
