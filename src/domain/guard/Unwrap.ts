/**
 * From one lexed simple command to the command that actually runs: strips assignments, reserved words and wrappers
 * (`sudo`, `env`, `timeout 5`, `busybox`, `xargs`, `pct exec N --` …), and collects the scripts it runs
 * (`sh -c`, `eval`, `su -c`, `ssh host cmd`, a heredoc fed to a shell) and `find -exec` commands. Pure.
 */
import type { Env, RawSegment, Word } from "./Lexer.js"
import { lex, word } from "./Lexer.js"
import { basename } from "./Text.js"
import type { WrapSpec } from "./Wrappers.js"
import { KEYWORDS, SHELLS, WRAPPERS } from "./Wrappers.js"

export type Origin = "command" | "substitution" | "shell" | "eval" | "exec" | "remote"

export interface Script {
  readonly text: string
  readonly origin: Origin
}

export interface Unwrapped {
  readonly argv: ReadonlyArray<Word>
  readonly wrappers: ReadonlyArray<string>
  readonly env: Env
  readonly scripts: ReadonlyArray<Script>
  readonly execs: ReadonlyArray<ReadonlyArray<Word>>
  /** Why the command that runs is only known at run time. */
  readonly dynamic: string | undefined
}

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?(\+?)=/
const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"])

export const commandName = (w: Word | undefined): string => (w === undefined ? "" : basename(w.text).toLowerCase())

/** Marks words that a run-time value replaces (`xargs -I{}`, `find -exec … {}`). */
const replaced = (ws: ReadonlyArray<Word>, token: string): Array<Word> =>
  ws.map((w) => {
    const at = w.text.indexOf(token)
    return at < 0 ? w : { ...w, dynamic: true, prefix: w.text.slice(0, at) }
  })

interface Acc {
  readonly scripts: Array<Word>
  readonly split: Array<Word>
  readonly values: Map<string, Word | undefined>
  noJoin: boolean
}

/** Skips a wrapper's options from `from`; undefined when an option means nothing is executed. */
const scanOptions = (ws: ReadonlyArray<Word>, from: number, spec: WrapSpec, acc: Acc): number | undefined => {
  let i = from
  while (i < ws.length) {
    const t = ws[i]?.text ?? ""
    if (t === "--") return i + 1
    if (!t.startsWith("-") || t === "-") return i
    if (spec.stops?.includes(t)) return undefined
    if (spec.noJoin?.includes(t)) acc.noJoin = true
    const eq = t.startsWith("--") ? t.indexOf("=") : -1
    const key = eq > 0 ? t.slice(0, eq) : /^-[A-Za-z]{2,}$/.test(t) ? `-${t.slice(-1)}` : t
    const value = eq > 0 ? word(t.slice(eq + 1)) : ws[i + 1]
    const step = eq > 0 ? 1 : 2
    if (spec.scripts?.includes(key)) {
      if (value !== undefined) acc.scripts.push(value)
      i += step
    } else if (spec.split?.includes(key)) {
      if (value !== undefined) acc.split.push(value)
      i += step
    } else if (spec.values?.includes(key)) {
      acc.values.set(key, value)
      i += step
    } else i++
  }
  return i
}

const xargsCommand = (options: ReadonlyArray<Word>, acc: Acc, rest: ReadonlyArray<Word>): Array<Word> => {
  const attached = options.find((w) => /^-I.|^-i|^--replace/.test(w.text))?.text
  const token = acc.values.get("-I")?.text ??
    (attached === undefined ? undefined : attached.replace(/^(-I|-i|--replace=?)/, "") || "{}")
  return token === undefined ? [...rest, word("", true)] : replaced(rest, token)
}

/** The script a shell (or `at`) reads on standard input, or why it is unknowable. */
const stdinScript = (raw: RawSegment): { script?: string; dynamic?: string } => {
  const here = raw.redirects.find((r) => r.op === "<<<")
  if (here !== undefined) {
    return here.target.dynamic
      ? { dynamic: "a shell runs a here-string built at run time" }
      : { script: here.target.text }
  }
  const doc = raw.redirects.find((r) => r.op === "<<" || r.op === "<<-")
  if (doc !== undefined) return { script: doc.body ?? "" }
  if (raw.redirects.some((r) => r.op === "<")) return {}
  return raw.piped ? { dynamic: "a shell or scheduler reads its script from a pipe" } : {}
}

const shellScript = (ws: ReadonlyArray<Word>, raw: RawSegment): { script?: string; dynamic?: string } => {
  let i = 1
  let hasC = false
  let stdin = false
  for (; i < ws.length; i++) {
    const t = ws[i]?.text ?? ""
    if (t === "--" || t === "-") {
      i++
      break
    }
    if (!/^[-+]/.test(t)) break
    if (/^[-+][oO]$|^--(rcfile|init-file)$/.test(t)) i++
    else if (/^-[A-Za-z]*c[A-Za-z]*$/.test(t)) hasC = true
    else if (/^-[A-Za-z]*s[A-Za-z]*$/.test(t)) stdin = true
  }
  const first = ws[i]
  if (hasC) {
    if (first === undefined) return {}
    return first.dynamic ? { dynamic: "a shell runs a -c script built at run time" } : { script: first.text }
  }
  if (first !== undefined && !stdin) return first.dynamic ? { dynamic: "a shell runs a script chosen at run time" } : {}
  return stdinScript(raw)
}

const innerCommand = (ws: ReadonlyArray<Word>, skip: number): Array<Word> => {
  const dashes = ws.findIndex((w, k) => k >= skip && w.text === "--")
  return ws.slice(dashes < 0 ? skip : dashes + 1)
}

export const unwrap = (raw: RawSegment): Unwrapped => {
  let ws: Array<Word> = [...raw.words]
  const env = new Map(raw.env)
  const wrappers: Array<string> = []
  const scripts: Array<Script> = []
  const execs: Array<ReadonlyArray<Word>> = []
  let dynamic: string | undefined
  const script = (w: Word, origin: Origin, who: string) => {
    if (w.dynamic) dynamic ??= `${who} runs a script built at run time`
    else scripts.push({ text: w.text, origin })
  }
  for (let round = 0; round < 32 && ws.length > 0; round++) {
    let skip = 0
    for (let a = ws[0], m = ASSIGN.exec(a?.text ?? ""); a !== undefined && m !== null; skip++) {
      if (m[1] !== undefined) env.set(m[1], a.dynamic || m[2] === "+" ? undefined : a.text.slice(m[0].length))
      a = ws[skip + 1]
      m = ASSIGN.exec(a?.text ?? "")
    }
    if (skip > 0) ws = ws.slice(skip)
    const head = ws[0]
    if (head === undefined || head.dynamic) break
    const name = commandName(head)
    const sub = `${name} ${ws[1]?.text ?? ""} ${ws[2]?.text ?? ""}`
    if (KEYWORDS.has(name) || name === "function") ws = ws.slice(name === "function" ? 2 : 1)
    else if (/^pct exec /.test(sub)) ws = innerCommand(ws, 3)
    else if (/^qm guest exec$/.test(sub.trim()) || /^ip netns exec$/.test(sub.trim())) ws = innerCommand(ws, 4)
    else {
      const spec = WRAPPERS[name]
      if (spec === undefined) break
      const acc: Acc = { scripts: [], split: [], values: new Map(), noJoin: false }
      let at = scanOptions(ws, 1, spec, acc)
      for (let p = spec.positionals ?? 0; p > 0 && at !== undefined && at < ws.length; p--) {
        at = scanOptions(ws, at + 1, spec, acc)
      }
      wrappers.push(name)
      if (at === undefined) return { argv: [], wrappers, env, scripts, execs, dynamic }
      for (const s of acc.scripts) script(s, name === "ssh" ? "remote" : "shell", name)
      let rest = ws.slice(at)
      for (const s of acc.split) rest = [...lex(s.text, env).segments.flatMap((g) => g.words), ...rest]
      if (name === "xargs") rest = xargsCommand(ws.slice(1, at), acc, rest)
      if (spec.scriptOnly === true) rest = []
      if (spec.join === true && !acc.noJoin && rest.length > 0) {
        script({ ...word(rest.map((w) => w.text).join(" ")), dynamic: rest.some((w) => w.dynamic) }, "remote", name)
        rest = []
      }
      ws = rest
    }
  }
  const head = ws[0]
  const name = commandName(head)
  if (head?.dynamic === true) dynamic ??= "the command word is computed at run time"
  else if (head?.glob === true) dynamic ??= "the command word is a glob pattern"
  else if (head?.obfuscated === true) dynamic ??= "the command word is obfuscated"
  const scheduler = (name === "at" || name === "batch") && !ws.some((w) => /^-[A-Za-z]*f/.test(w.text))
  const fromShell = SHELLS.has(name) ? shellScript(ws, raw) : scheduler ? stdinScript(raw) : {}
  if (fromShell.script !== undefined) scripts.push({ text: fromShell.script, origin: "shell" })
  dynamic ??= fromShell.dynamic
  if (name === "eval") {
    dynamic ??= "eval runs a command string"
    scripts.push({ text: ws.slice(1).map((w) => w.text).join(" "), origin: "eval" })
  }
  if ((name === "source" || name === ".") && ws[1]?.dynamic === true) {
    dynamic ??= "a script chosen at run time is sourced"
  }
  if (name === "find") {
    for (let i = 1; i < ws.length; i++) {
      if (!FIND_EXEC.has(ws[i]?.text ?? "")) continue
      let j = i + 1
      while (j < ws.length && ws[j]?.text !== ";" && ws[j]?.text !== "+") j++
      execs.push(replaced(ws.slice(i + 1, j), "{}"))
      i = j
    }
  }
  return { argv: ws, wrappers, env, scripts, execs, dynamic }
}
