/**
 * `splitSegments` (spec §5.1.2, security.md §4.A A5–A7): every simple command a script would run, including those
 * inside `$(...)`, backticks, `<(...)`, `sh -c '…'`, `eval`, `ssh host '…'`, heredocs fed to a shell and
 * `find -exec`, each already unwrapped to the command that really runs. Pure.
 */
import type { Env, RawSegment, Redirect, Word } from "./Lexer.js"
import { lex } from "./Lexer.js"
import type { Origin } from "./Unwrap.js"
import { commandName, unwrap } from "./Unwrap.js"

export type { Origin } from "./Unwrap.js"

export interface Segment {
  /** The command that runs and its arguments, wrappers stripped; `argv[0]` is the command word. */
  readonly argv: ReadonlyArray<Word>
  /** Basename of the command word, lower-cased (`/usr/sbin/REBOOT` → `reboot`); empty without a command. */
  readonly name: string
  readonly redirects: ReadonlyArray<Redirect>
  readonly piped: boolean
  readonly wrappers: ReadonlyArray<string>
  readonly origin: Origin
  /** 0 for the top-level script, +1 per substitution or nested script. */
  readonly depth: number
  /** Why the command that runs is only known at run time. */
  readonly dynamic?: string
}

export interface Analysis {
  readonly segments: ReadonlyArray<Segment>
  /** Every script text evaluated (the command itself, then nested ones). */
  readonly scripts: ReadonlyArray<string>
  /** Obfuscation tricks seen while lexing. */
  readonly tricks: ReadonlyArray<string>
  /** Nesting went beyond `MAX_DEPTH`; the innermost scripts were not evaluated. */
  readonly tooDeep: boolean
}

export const MAX_DEPTH = 8

export const analyze = (cmd: string): Analysis => {
  const segments: Array<Segment> = []
  const scripts: Array<string> = []
  const tricks = new Set<string>()
  let tooDeep = false

  const push = (raw: RawSegment, origin: Origin, depth: number): void => {
    const u = unwrap(raw)
    segments.push({
      argv: u.argv,
      name: commandName(u.argv[0]),
      redirects: raw.redirects,
      piped: raw.piped,
      wrappers: u.wrappers,
      origin,
      depth,
      ...(u.dynamic === undefined ? {} : { dynamic: u.dynamic })
    })
    for (const s of u.scripts) walk(s.text, u.env, s.origin, depth + 1)
    for (const words of u.execs) {
      if (depth + 1 > MAX_DEPTH) tooDeep = true
      else push({ words, redirects: [], piped: false, env: u.env }, "exec", depth + 1)
    }
  }

  const walk = (script: string, env: Env, origin: Origin, depth: number): void => {
    if (depth > MAX_DEPTH) {
      tooDeep = true
      return
    }
    scripts.push(script)
    const lexed = lex(script, env)
    for (const t of lexed.tricks) tricks.add(t)
    for (const raw of lexed.segments) push(raw, origin, depth)
    for (const body of lexed.nested) walk(body, env, "substitution", depth + 1)
  }

  walk(cmd, new Map(), "command", 0)
  return { segments, scripts, tricks: [...tricks], tooDeep }
}

/** Quote-aware split of a command into the simple commands it runs (nested scripts included, flattened). */
export const splitSegments = (cmd: string): ReadonlyArray<Segment> => analyze(cmd).segments

/** One segment as canonical text: command basename, arguments after quote removal, then redirects. */
export const renderSegment = (seg: Segment): string =>
  [
    seg.name,
    ...seg.argv.slice(1).map((w) => w.text),
    ...seg.redirects.map((r) => `${r.op} ${r.target.text}`)
  ].filter((s) => s !== "").join(" ")
