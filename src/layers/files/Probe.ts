import { shQuote } from "../../domain/Shell.js"
import { dirOf } from "./Names.js"

/**
 * The POSIX `sh` scripts that look at and change one file, the same on every surface: run by the node's bash, by
 * `pct exec … sh -c` in a container (busybox works), or by the agent's `sh -c` in a VM. Only coreutils/busybox
 * commands with the flags both have: `stat -L -c`, `readlink -f`, `test`, `head -c`, `tail -c +N`, `base64`,
 * `sha256sum`, `xargs`, `mv -f`, `rm -f`, `sync`. Every line the caller parses starts with `@MCP `; paths the node
 * prints (a resolved symlink may hold anything) come back base64-encoded.
 */

/** Dedicated exit codes (sysexits-style, away from the 1/2/124–127/255 that commands use). */
export const EXIT = {
  lockBusy: 74,
  guestNotReady: 75,
  symlink: 76,
  notRegular: 77,
  staging: 78,
  contentChanged: 79,
  statFailed: 71
} as const

/**
 * The staged copy must hash to what was sent before anything commits it: a payload cut short (server killed,
 * connection dropped, call cancelled: sshd lets the script run on) can still decode cleanly to fewer bytes.
 */
export const stagedCheck = (variable: string, sha256: string): string =>
  `sha256sum -- "$${variable}" | grep -q '^${sha256} ' || exit ${EXIT.staging}`

/** `stat` of the resolved target and the resolved path; `@MCP missing <l>` when there is nothing (`l`: a link). */
const header = (path: string) => [
  `p=${shQuote(path)}`,
  "if test -L \"$p\"; then l=1; else l=0; fi",
  "if test -e \"$p\"; then :; else",
  "  printf '@MCP missing %s\\n' \"$l\"; readlink -f -- \"$p\" | base64 | tr -d '\\n'; echo; exit 0",
  "fi",
  "printf '@MCP stat %s ' \"$l\"",
  `stat -L -c '%f %s %u %g %h' -- "$p" || exit ${EXIT.statFailed}`,
  "readlink -f -- \"$p\" | base64 | tr -d '\\n'",
  "echo"
]

/** Only regular files are ever opened (`test -f` follows links): a FIFO or /dev/zero is never read (B6). */
export const statScript = (path: string): string => header(path).join("\n")

/** The whole file when it is regular and at most `maxBytes` (checked on the node, so a big file never travels). */
export const readScript = (path: string, maxBytes: number): string =>
  [
    ...header(path),
    `if test -f "$p" && stat -L -c %s -- "$p" | xargs test ${maxBytes} -ge; then`,
    `  echo '@MCP data'; head -c ${maxBytes + 1} < "$p" | base64 | tr -d '\\n'; echo`,
    "fi"
  ].join("\n")

/** Bytes `[offset, offset + length)` of a regular file. */
export const windowScript = (path: string, offset: number, length: number): string =>
  [
    ...header(path),
    "if test -f \"$p\"; then",
    `  echo '@MCP data'; tail -c +${offset + 1} < "$p" | head -c ${length} | base64 | tr -d '\\n'; echo`,
    "fi"
  ].join("\n")

/** SHA-256 computed where the file is: `@MCP hash <hex>  -`. */
export const hashScript = (path: string): string =>
  [...header(path), "if test -f \"$p\"; then printf '@MCP hash '; sha256sum < \"$p\"; fi"].join("\n")

/** Refuses a symlink (never replaced by a file, B4) and anything that exists but is not a regular file. */
const refuseOddTarget = [
  `if test -L "$t"; then echo '@MCP symlink'; exit ${EXIT.symlink}; fi`,
  "if test -e \"$t\" && test ! -f \"$t\"; then",
  `  printf '@MCP type '; stat -c %f -- "$t"; exit ${EXIT.notRegular}`,
  "fi"
]

/** Compare-and-swap: the target must still hash to `expect` (`null`: must not exist); else `@MCP cur …`, exit 79. */
const compare = (expect: string | null): ReadonlyArray<string> =>
  expect === null
    ? [`if test -e "$t"; then printf '@MCP cur '; sha256sum < "$t"; exit ${EXIT.contentChanged}; fi`]
    : [
      `if test -e "$t" && sha256sum < "$t" | grep -q '^${expect} '; then :; else`,
      "  printf '@MCP cur '; if test -e \"$t\"; then sha256sum < \"$t\"; else echo absent; fi",
      `  exit ${EXIT.contentChanged}`,
      "fi"
    ]

export const preflightScript = (target: string): string => [`t=${shQuote(target)}`, ...refuseOddTarget].join("\n")

/** The checks of `commitScript` alone (a VM write compares first, then writes through the agent). */
export const checkScript = (target: string, expect: string | null): string =>
  [`t=${shQuote(target)}`, ...refuseOddTarget, ...compare(expect), "echo '@MCP done'"].join("\n")

/**
 * The part of a write or delete that runs under the node-side lock: odd targets refused, compare-and-swap, then
 * `mv -f` of the staged temp over the target (or `rm -f`), and the directory synced. `@MCP nlink N` reports the
 * target's link count before (a rename breaks hard links).
 */
export const commitScript = (
  o: {
    readonly target: string
    readonly expect: string | null
    /** The staged temp to rename over the target; absent for a delete. */
    readonly temp?: string
    /** Sync the temp and remove it on any exit (inside a guest, where nothing else can). */
    readonly ownsTemp?: boolean
  }
): string =>
  [
    `t=${shQuote(o.target)}`,
    ...(o.temp === undefined ? [] : [`tmp=${shQuote(o.temp)}`]),
    ...(o.temp !== undefined && o.ownsTemp === true
      ? ["trap 'rm -f -- \"$tmp\"' EXIT", "sync -- \"$tmp\" 2>/dev/null || sync"]
      : []),
    ...refuseOddTarget,
    ...compare(o.expect),
    "if test -e \"$t\"; then printf '@MCP nlink '; stat -c %h -- \"$t\"; fi",
    o.temp === undefined
      ? `if test -e "$t"; then rm -f -- "$t" || exit ${EXIT.staging}; fi`
      : `mv -f -- "$tmp" "$t" || exit ${EXIT.staging}`,
    `sync -- ${shQuote(dirOf(o.target))} 2>/dev/null || sync`,
    "echo '@MCP done'"
  ].join("\n")
