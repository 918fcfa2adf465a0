/**
 * Large-change and heavy-command detection (spec §5.4, §13 "heavy ≠ large", later §2.6). Both are annotations for
 * the audit record and the dryRun preview; neither ever blocks anything. Pure.
 */
import { Option } from "effect"
import type { Segment } from "./guard/Segments.js"
import { splitSegments } from "./guard/Segments.js"
import { positionals } from "./guard/Targets.js"

export type Content = string | Uint8Array

export interface LargeChangeThresholds {
  /** Spec §5.4 `LARGE_FILE_BYTES`: new content above this is large. */
  readonly largeFileBytes: number
  /** Not in the spec (ours): a size ratio at or beyond these bounds is large … */
  readonly shrinkRatio: number
  readonly growRatio: number
  /** … once either side has at least this many bytes (tiny files change ratio trivially). */
  readonly ratioMinBytes: number
  /** Not in the spec (ours): more than this fraction of lines replaced is large … */
  readonly changedLineFraction: number
  /** … once either side has at least this many lines. */
  readonly minLines: number
}

export const DEFAULT_LARGE_CHANGE: LargeChangeThresholds = {
  largeFileBytes: 1_048_576,
  shrinkRatio: 0.5,
  growRatio: 2,
  ratioMinBytes: 1024,
  changedLineFraction: 0.5,
  minLines: 20
}

export interface LargeChange {
  readonly large: boolean
  readonly reason?: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

const bytesOf = (c: Content): Uint8Array => (typeof c === "string" ? encoder.encode(c) : c)

/** Text lines, or undefined for binary content (a NUL byte or invalid UTF-8). */
const linesOf = (c: Content): Array<string> | undefined => {
  if (typeof c === "string") return c.includes("\u0000") ? undefined : c.split("\n")
  if (c.includes(0)) return undefined
  try {
    return decoder.decode(c).split("\n")
  } catch {
    return undefined
  }
}

/** Lines present on one side and not the other, counted as a multiset (order-insensitive, O(n)). */
const changedLines = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  const counts = new Map<string, number>()
  for (const l of a) counts.set(l, (counts.get(l) ?? 0) + 1)
  let added = 0
  for (const l of b) {
    const n = counts.get(l) ?? 0
    if (n > 0) counts.set(l, n - 1)
    else added++
  }
  let removed = 0
  for (const n of counts.values()) removed += n
  return added + removed
}

const large = (reason: string): LargeChange => ({ large: true, reason })

/**
 * Whether replacing `prev` (None: the file did not exist) by `next` (None: the file is deleted) is a large change.
 * In order: new file, deletion, over the size threshold, emptied, size ratio, changed-line fraction.
 */
export const isLargeChange = (
  prev: Option.Option<Content>,
  next: Option.Option<Content> | Content,
  t: LargeChangeThresholds = DEFAULT_LARGE_CHANGE
): LargeChange => {
  const after = Option.isOption(next) ? next : Option.some(next)
  if (Option.isNone(prev)) return large("new file creation")
  if (Option.isNone(after)) return large("file deletion")
  const before = prev.value
  const nextBytes = bytesOf(after.value).length
  const prevBytes = bytesOf(before).length
  if (nextBytes > t.largeFileBytes) return large(`new content is ${nextBytes} bytes, over ${t.largeFileBytes}`)
  if (prevBytes > 0 && nextBytes === 0) return large("file emptied")
  if (prevBytes > 0 && Math.max(prevBytes, nextBytes) >= t.ratioMinBytes) {
    const ratio = nextBytes / prevBytes
    if (ratio <= t.shrinkRatio || ratio >= t.growRatio) {
      return large(`size changes from ${prevBytes} to ${nextBytes} bytes (x${ratio.toFixed(2)})`)
    }
  }
  const a = linesOf(before)
  const b = linesOf(after.value)
  if (a !== undefined && b !== undefined && Math.max(a.length, b.length) >= t.minLines) {
    const fraction = changedLines(a, b) / (a.length + b.length)
    if (fraction > t.changedLineFraction) return large(`${Math.round(fraction * 100)}% of lines changed`)
  }
  return { large: false }
}

const BY_NAME: Readonly<Record<string, string>> = {
  tar: "archive",
  rsync: "bulk copy",
  scp: "network copy",
  wget: "download",
  curl: "download",
  dump: "backup",
  restore: "restore",
  fsck: "filesystem check",
  e2fsck: "filesystem check",
  xfs_repair: "filesystem check",
  vzdump: "guest backup",
  qmrestore: "guest restore",
  dd: "block copy",
  gcc: "compile",
  "g++": "compile",
  cc: "compile",
  clang: "compile",
  "clang++": "compile",
  rustc: "compile",
  javac: "compile",
  make: "build",
  cmake: "build",
  ninja: "build",
  updatedb: "file index rebuild",
  pveupgrade: "package upgrade"
}

const BY_VERB: Readonly<Record<string, readonly [RegExp, string]>> = {
  apt: [/^(install|upgrade|dist-upgrade|full-upgrade|update|reinstall|build-dep)$/, "package manager"],
  "apt-get": [/^(install|upgrade|dist-upgrade|full-upgrade|update|reinstall|build-dep)$/, "package manager"],
  aptitude: [/^(install|upgrade|safe-upgrade|full-upgrade|update)$/, "package manager"],
  dnf: [/^(install|update|upgrade|distro-sync|reinstall)$/, "package manager"],
  yum: [/^(install|update|upgrade|reinstall)$/, "package manager"],
  zypper: [/^(in|install|up|update|dup|dist-upgrade)$/, "package manager"],
  apk: [/^(add|upgrade|update)$/, "package manager"],
  pip: [/^install$/, "package manager"],
  pip3: [/^install$/, "package manager"],
  npm: [/^(install|i|ci|update)$/, "package manager"],
  pnpm: [/^(install|i|add|update)$/, "package manager"],
  yarn: [/^(install|add|upgrade)$/, "package manager"],
  cargo: [/^(build|install|test)$/, "compile"],
  go: [/^(build|install|test)$/, "compile"],
  docker: [/^(pull|build|push|load|save|compose)$/, "container images"],
  podman: [/^(pull|build|push|load|save)$/, "container images"],
  "docker-compose": [/^(pull|build|up)$/, "container images"],
  zfs: [/^(send|recv|receive)$/, "dataset transfer"],
  pct: [/^(restore|clone|move-volume|move_volume)$/, "guest storage"],
  qm: [/^(clone|importdisk|move-disk|move_disk|disk)$/, "guest storage"],
  pveam: [/^download$/, "download"]
}

const heavyReason = (seg: Segment): string | undefined => {
  const args = positionals(seg.argv.slice(1)).map((w) => w.text)
  const flags = seg.argv.slice(1).map((w) => w.text)
  if (BY_NAME[seg.name] !== undefined) return BY_NAME[seg.name]
  const verb = BY_VERB[seg.name]
  if (verb !== undefined && verb[0].test((args[0] ?? "").toLowerCase())) return verb[1]
  if (seg.name === "pacman" && flags.some((f) => /^-[A-Za-z]*[SU]/.test(f))) return "package manager"
  if ((seg.name === "find" || seg.name === "du") && args.includes("/")) return "walks the whole filesystem"
  const recursive = seg.name === "rg" || seg.name === "rgrep" ||
    (/^[ef]?grep$/.test(seg.name) &&
      flags.some((f) => /^-[A-Za-z]*[rR]|^--recursive$|^--dereference-recursive$/.test(f)))
  return recursive && args.slice(1).includes("/") ? "recursive search from /" : undefined
}

/** The first heavy segment as `"<command>: <category>"`, or undefined. An annotation only; it never gates. */
export const detectHeavy = (cmd: string): string | undefined => {
  for (const seg of splitSegments(cmd)) {
    const reason = heavyReason(seg)
    if (reason !== undefined) return `${seg.name}: ${reason}`
  }
  return undefined
}
