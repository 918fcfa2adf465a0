/**
 * Reads one shell word the way bash does before running it: quote and escape removal, `$'…'` decoding, `$IFS`
 * word splitting, `~` / `$HOME` / literal-variable expansion, single-level brace lists. Substitution bodies are
 * handed back as nested scripts; anything only known at run time marks the word `dynamic`. Pure apart from the
 * cursor it advances.
 */
import { closeBacktick, closeDouble, decodeAnsiC, expandBraces, matchParen } from "./Quote.js"

export interface Word {
  /** The word after quote removal and the expansions above; unknown expansions contribute nothing. */
  readonly text: string
  /** Part of the word is only known at run time (unknown variable, command substitution …). */
  readonly dynamic: boolean
  /** Unquoted glob characters. */
  readonly glob: boolean
  /** Built with an obfuscation trick: `$'…'`, `$IFS`, an empty substitution or parameter, a brace list. */
  readonly obfuscated: boolean
  /** The literal text before the first run-time expansion (equals `text` when not dynamic). */
  readonly prefix: string
}

/** The lexer's cursor and side outputs, shared with the word reader. */
export interface Cursor {
  readonly src: string
  i: number
  readonly env: Map<string, string | undefined>
  readonly nested: Array<string>
  readonly tricks: Set<string>
}

export const HOME = "/root"
export const BREAK: ReadonlySet<string> = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"])
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/

export const word = (text: string, dynamic = false): Word => ({
  text,
  dynamic,
  glob: false,
  obfuscated: false,
  prefix: dynamic ? "" : text
})

interface Builder {
  text: string
  dynamic: boolean
  glob: boolean
  obfuscated: boolean
  prefix: string | undefined
  has: boolean
}

const fresh = (obfuscated = false): Builder => ({
  text: "",
  dynamic: false,
  glob: false,
  obfuscated,
  prefix: undefined,
  has: false
})

/** Reads the word at the cursor; unquoted expansions may split it into several words, or into none. */
export const readWord = (c: Cursor): Array<Word> => {
  const src = c.src
  const start = c.i
  const out: Array<Word> = []
  let b = fresh()
  const flush = () => {
    if (b.has || b.text !== "") out.push({ ...b, prefix: b.prefix ?? b.text })
    b = fresh(b.obfuscated)
  }
  const unknown = () => {
    if (b.prefix === undefined) b.prefix = b.text
    b.dynamic = true
    b.has = true
  }
  const trick = (name: string) => {
    c.tricks.add(name)
    b.obfuscated = true
  }
  const expansion = (value: string | undefined, quoted: boolean) => {
    if (value === undefined) return unknown()
    if (quoted) {
      b.text += value
      b.has = true
      return
    }
    for (const ch of value) {
      if (ch !== " " && ch !== "\t" && ch !== "\n") b.text += ch
      else if (b.has || b.text !== "") flush()
    }
  }
  const lookup = (name: string): string | undefined => {
    if (name === "IFS") {
      trick("$IFS as a separator")
      return " "
    }
    if (c.env.has(name)) return c.env.get(name)
    return name === "HOME" ? HOME : undefined
  }
  const substitution = (body: string) => {
    if (body.trim() === "") return trick("empty command substitution")
    c.nested.push(body)
    unknown()
  }
  const dollar = (quoted: boolean) => {
    const n = src[c.i + 1] ?? ""
    const rest = src.slice(c.i + 1)
    if (n === "(") {
      const e = matchParen(src, c.i + 1)
      if (src[c.i + 2] === "(") unknown()
      else substitution(src.slice(c.i + 2, e))
      c.i = e + 1
    } else if (n === "{") {
      const e = src.indexOf("}", c.i + 2)
      const inner = src.slice(c.i + 2, e < 0 ? src.length : e)
      c.i = e < 0 ? src.length : e + 1
      if (NAME.exec(inner)?.[0] === inner) expansion(lookup(inner), quoted)
      else if (/^(?:[@*]|[1-9]\d*)$/.test(inner)) trick("empty positional parameter")
      else unknown()
    } else if (NAME.test(rest)) {
      const name = NAME.exec(rest)?.[0] ?? ""
      c.i += 1 + name.length
      expansion(lookup(name), quoted)
    } else if (n !== "" && "@*123456789".includes(n)) {
      c.i += 2
      trick("empty positional parameter")
    } else if (n !== "" && "$?!#0-".includes(n)) {
      c.i += 2
      unknown()
    } else {
      b.text += "$"
      c.i++
    }
  }
  const backtick = () => {
    const e = closeBacktick(src, c.i + 1)
    const body = src.slice(c.i + 1, e).replace(/\\([`\\$])/g, "$1")
    c.i = e + 1
    substitution(body)
  }
  const double = () => {
    const end = closeDouble(src, c.i + 1)
    c.i++
    b.has = true
    while (c.i < end) {
      const ch = src[c.i] ?? ""
      const n = src[c.i + 1] ?? ""
      if (ch === "\\" && n !== "" && "$`\"\\\n".includes(n)) {
        if (n !== "\n") b.text += n
        c.i += 2
      } else if (ch === "$" && /[({A-Za-z_@*0-9$?!#-]/.test(n)) dollar(true)
      else if (ch === "`") backtick()
      else {
        b.text += ch
        c.i++
      }
    }
    c.i = end + 1
  }

  while (c.i < src.length) {
    const ch = src[c.i] ?? ""
    if (BREAK.has(ch)) break
    if (ch === "\\") {
      if (src[c.i + 1] !== "\n" && c.i + 1 < src.length) {
        b.text += src[c.i + 1]
        b.has = true
      }
      c.i += 2
    } else if (ch === "'") {
      const e = src.indexOf("'", c.i + 1)
      const end = e < 0 ? src.length : e
      b.text += src.slice(c.i + 1, end)
      b.has = true
      c.i = end + 1
    } else if (ch === "\"") double()
    else if (ch === "`") backtick()
    else if (ch === "$" && src[c.i + 1] === "'") {
      const r = decodeAnsiC(src, c.i + 1)
      b.text += r.text
      b.has = true
      trick("ANSI-C quoting")
      c.i = r.end
    } else if (ch === "$" && src[c.i + 1] === "\"") c.i++
    else if (ch === "$") dollar(false)
    else if (ch === "~" && c.i === start) {
      const user = /^~([A-Za-z0-9_.-]*)(?=[/\s;&|()<>]|$)/.exec(src.slice(c.i))
      b.text += user === null ? ch : user[1] === "" || user[1] === undefined ? HOME : `/home/${user[1]}`
      c.i += user === null ? 1 : user[0].length
    } else {
      if (ch === "*" || ch === "?" || (ch === "[" && /^\[[^\s;&|()<>'"]+\]/.test(src.slice(c.i, c.i + 256)))) {
        b.glob = true
      }
      b.text += ch
      c.i++
    }
  }
  flush()
  const braces = out.length === 1 && out[0]?.dynamic === false ? expandBraces(src.slice(start, c.i)) : undefined
  if (braces === undefined) return out
  c.tricks.add("brace expansion")
  return braces.map((t) => ({ ...word(t), glob: /[*?]/.test(t), obfuscated: true }))
}
