/**
 * Does a command target hit the protected set, a system root or a block device? Lexical `//`, `/./` and `..`
 * resolution, `cd` tracking and glob matching defeat `rm -rf /etc//pve`, `/etc/pve/../pve`, `/etc/p?e` and
 * `cd /etc && rm -rf pve` (security.md §4.A A14). Pure.
 */
import { isProtectedPath, PROTECTED_PATHS } from "../PathGuard.js"
import type { Word } from "./Lexer.js"
import type { Target } from "./Targets.js"
import { components, globStem, globToRegExp, isUnder, normalizeLexical } from "./Text.js"

/** Deleting or re-permissioning one of these recursively breaks the host (not only `/`: fixing spec §12.2 #12). */
export const SYSTEM_ROOTS: ReadonlyArray<string> = [
  "/",
  "/bin",
  "/boot",
  "/boot/efi",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/mnt",
  "/mnt/pve",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/usr",
  "/usr/bin",
  "/usr/lib",
  "/usr/lib64",
  "/usr/local",
  "/usr/sbin",
  "/usr/share",
  "/var",
  "/var/lib",
  "/var/lib/vz"
]

const BLOCK_DEVICE = new RegExp(
  "^/dev/(?:(?:sd|hd|vd|xvd)[a-z]+\\d*|nvme\\d+(?:n\\d+(?:p\\d+)?)?|mmcblk\\d+(?:p\\d+)?|(?:dm-|md|zd|rbd|nbd|loop)\\d+" +
    "|(?:mapper|disk|zvol|pve)/.+|mem|kmem|port)$"
)
const DEVICE_SAMPLES = ["/dev/sda", "/dev/sda1", "/dev/nvme0n1", "/dev/vda", "/dev/mmcblk0", "/dev/dm-0", "/dev/zd0"]

export interface Context {
  /** Working directory after literal `cd`s earlier in the script; undefined when unknown. */
  readonly cwd: string | undefined
  /** Extra protected prefixes from the configuration. */
  readonly protectedPaths: ReadonlyArray<string>
}

/** The absolute path a word names, or undefined (relative with unknown cwd, or nothing literal). */
export const resolveWord = (w: Word, cwd: string | undefined): string | undefined => {
  const text = w.dynamic ? w.prefix : w.text
  if (text === "") return undefined
  if (text.startsWith("/")) return normalizeLexical(text)
  return cwd === undefined ? undefined : normalizeLexical(`${cwd}/${text}`)
}

/** Proper ancestors of `path` that are not system roots (those get the more specific system-root rule). */
const ancestors = (path: string): Array<string> => {
  const parts = components(path)
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`).slice(0, -1).filter((a) =>
    !SYSTEM_ROOTS.includes(a)
  )
}

const commandProtected = (p: string, ctx: Context): boolean =>
  isProtectedPath(p) || isUnder(p, "/etc/pve") || ctx.protectedPaths.some((e) => isUnder(p, e))

const protectedRoots = (ctx: Context): Array<string> => [
  "/etc/pve",
  ...PROTECTED_PATHS.filter((p) => !p.includes("*")),
  ...ctx.protectedPaths.map(normalizeLexical)
]

/** The path when `t` writes, moves, deletes or re-permissions something in the protected set. */
export const protectedHit = (t: Target, ctx: Context): string | undefined => {
  const p = resolveWord(t.word, ctx.cwd)
  if (p === undefined) return undefined
  const roots = protectedRoots(ctx)
  if (t.word.glob && !t.word.dynamic) {
    const re = globToRegExp(p)
    if (commandProtected(globStem(p), ctx)) return p
    const hit = roots.some((r) => re.test(r) || (t.recursive && ancestors(r).some((a) => re.test(a))))
    return hit ? p : undefined
  }
  if (commandProtected(p, ctx)) return p
  return t.recursive && !t.word.dynamic && roots.some((r) => ancestors(r).includes(p)) ? p : undefined
}

/** The path when `t` is a system root itself, or all of a system root's entries (`/*`, `~/*`). */
export const systemRootHit = (t: Target, cwd: string | undefined): string | undefined => {
  if (t.word.dynamic) return undefined
  const p = resolveWord(t.word, cwd)
  if (p === undefined) return undefined
  if (!t.word.glob) return SYSTEM_ROOTS.includes(p) ? p : undefined
  const re = globToRegExp(p)
  const everything = /\/\*$/.test(p) && SYSTEM_ROOTS.includes(normalizeLexical(p.slice(0, -2)))
  return everything || SYSTEM_ROOTS.some((r) => re.test(r)) ? p : undefined
}

/** The path when `t` is a disk, partition, volume or raw-memory device. */
export const blockDeviceHit = (t: Target, cwd: string | undefined): string | undefined => {
  const p = resolveWord(t.word, cwd)
  if (p === undefined || t.word.dynamic) return undefined
  if (!t.word.glob) return BLOCK_DEVICE.test(p) ? p : undefined
  const re = globToRegExp(p)
  return DEVICE_SAMPLES.some((d) => re.test(d)) ? p : undefined
}
