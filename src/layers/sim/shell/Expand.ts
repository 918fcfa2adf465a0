import { Effect } from "effect"
import { view } from "./Files.js"
import { children, normalize } from "./Fs.js"
import type { Word } from "./Lex.js"
import type { Env, Proc } from "./Proc.js"

/** Word expansion: variables (`$?`, `$1`, `${X:-y}`), `~`, field splitting of unquoted variables, pathname globs. */

const varValue = (env: Env, name: string, fallback: string | undefined): string => {
  let value: string | undefined
  if (name === "?") value = String(env.status)
  else if (name === "#") value = String(Math.max(0, env.args.length - 1))
  else if (name === "@" || name === "*") value = env.args.slice(1).join(" ")
  else if (name === "$") value = "4242"
  else if (/^[0-9]$/.test(name)) value = env.args[Number(name)]
  else value = env.vars.get(name)
  return value === undefined || (value === "" && fallback !== undefined) ? fallback ?? "" : value
}

interface Field {
  readonly text: string
  /** Has unquoted glob characters. */
  readonly glob: boolean
}

/** One word → its fields (an unquoted empty variable yields none; `"$@"` yields one field per argument). */
export const fieldsOf = (word: Word, env: Env): ReadonlyArray<Field> => {
  const only = word.length === 1 ? word[0] : undefined
  if (only?.kind === "var" && only.name === "@") return env.args.slice(1).map((text) => ({ text, glob: false }))
  const fields: Array<Field> = []
  let cur = ""
  let has = false
  let glob = false
  word.forEach((seg, i) => {
    if (seg.kind === "lit") {
      const text = i === 0 && !seg.quoted && /^~(\/|$)/.test(seg.text)
        ? `${env.vars.get("HOME") ?? "/root"}${seg.text.slice(1)}`
        : seg.text
      cur += text
      has = has || seg.quoted || text !== ""
      glob = glob || (!seg.quoted && /[*?[]/.test(text))
      return
    }
    const value = varValue(env, seg.name, seg.fallback)
    if (seg.quoted) {
      cur += value
      has = true
      return
    }
    value.split(/[ \t\n]+/).forEach((part, k) => {
      if (k > 0 && has) {
        fields.push({ text: cur, glob })
        cur = ""
        has = false
        glob = false
      }
      if (part !== "") {
        cur += part
        has = true
      }
    })
  })
  if (has) fields.push({ text: cur, glob })
  return fields
}

/** A word as one string (assignments, redirection targets): no splitting, no globbing. */
export const expandOne = (word: Word, env: Env): string =>
  word.map((seg) => (seg.kind === "lit" ? seg.text : varValue(env, seg.name, seg.fallback))).join("")

/** Variables in a here-document body (`$X`, `${X}`, `$?`; `\$` stays a dollar). */
export const expandText = (text: string, env: Env): string =>
  text.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|[?#$0-9])/g,
    (all, braced, bare) => all === "\\$" ? "$" : varValue(env, String(braced ?? bare), undefined)
  )

const globRegex = (pattern: string): RegExp => {
  let re = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ""
    if (c === "*") re += "[^/]*"
    else if (c === "?") re += "[^/]"
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2)
      if (end < 0) re += "\\["
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")
        re += `[${body}]`
        i = end
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&")
  }
  return new RegExp(`^${re}$`)
}

const globFs = (p: Proc, pattern: string) =>
  Effect.map(view(p), (v) => {
    const absolute = pattern.startsWith("/")
    const parts = pattern.split("/").filter((s) => s !== "")
    let paths: Array<string> = [absolute ? "/" : normalize("/", p.env.cwd)]
    for (const part of parts) {
      const next: Array<string> = []
      for (const dir of paths) {
        if (!/[*?[]/.test(part)) {
          const candidate = normalize(dir, part)
          if (v.fs[candidate] !== undefined) next.push(candidate)
          continue
        }
        const re = globRegex(part)
        for (const name of children(v.fs, dir)) {
          if (re.test(name) && (!name.startsWith(".") || part.startsWith("."))) next.push(normalize(dir, name))
        }
      }
      paths = next
    }
    const base = normalize("/", p.env.cwd)
    return paths.sort().map((x) => (absolute ? x : x.slice(base === "/" ? 1 : base.length + 1)))
  })

export const expandWords = (words: ReadonlyArray<Word>, p: Proc): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(
    Effect.forEach(words.flatMap((w) => fieldsOf(w, p.env)), (f) =>
      f.glob
        ? Effect.map(globFs(p, f.text), (hits) => (hits.length === 0 ? [f.text] : hits))
        : Effect.succeed([f.text])),
    (lists) => lists.flat()
  )
