/**
 * The one place that builds shell command lines. Every layer that hands text to a shell (the node's `bash`, the
 * `timeout` wrapper, `pct exec -- sh -c` in a container) quotes with `shQuote`, so a single property test covers the
 * whole pipeline.
 *
 * A NUL byte cannot pass through any shell or argv (C strings end at NUL), so it can never round-trip. `shQuote`
 * does not alter or reject it; callers validate their input with `hasNul` (or a stricter rule) first.
 */

/** Words that mean the same quoted or not: no globbing, expansion, assignment (`=`), tilde or brace characters. */
const SAFE_WORD = /^[A-Za-z0-9_@+,./:-]+$/

/** True when `s` holds a NUL byte, which no shell layer can carry. */
export const hasNul = (s: string): boolean => s.includes("\0")

/**
 * POSIX single-quoting: the result is read by `sh`/`bash`/`dash` as exactly one word equal to `arg`. Each `'`
 * becomes `'\''`; words made only of plainly safe characters are left bare for readable audit lines.
 */
export const shQuote = (arg: string): string => (SAFE_WORD.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)

/** An argv as one command line: each word quoted, joined by spaces. */
export const shJoin = (argv: ReadonlyArray<string>): string => argv.map(shQuote).join(" ")

const positiveInt = (what: string, n: number): string => {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`)
  return String(n)
}

/**
 * The node-side limit: `timeout` sends TERM after `secs` seconds and KILL 5 s later; exit code 124 means it fired.
 * `bash` on the node (Debian's `sh` is dash); `sh` for minimal hosts.
 */
export const timeoutWrap = (secs: number, script: string, shell: "bash" | "sh"): string =>
  `timeout --signal=TERM --kill-after=5 ${positiveInt("timeout seconds", secs)} ${shell} -c ${shQuote(script)}`

/**
 * Runs `script` inside container `vmid` with a clean environment. `sh` by default, so Alpine and other guests
 * without bash work.
 */
export const pctExec = (vmid: number, script: string, shell: "sh" | "bash" = "sh"): string =>
  `pct exec ${positiveInt("vmid", vmid)} --keep-env 0 -- ${shell} -c ${shQuote(script)}`
