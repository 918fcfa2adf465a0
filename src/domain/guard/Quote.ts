/**
 * Stateless scanning helpers for the lexer: matching brackets and quotes, ANSI-C decoding, brace lists. Pure.
 * Every scanner returns `s.length` when the construct is unterminated (or nested beyond `MAX_NESTING`), so
 * unbalanced or hostile input never loops or exhausts the stack.
 */

const MAX_NESTING = 64

/** Index of the closing backtick of a `...` substitution whose body starts at `from`. */
export const closeBacktick = (s: string, from: number): number => {
  for (let j = from; j < s.length; j++) {
    if (s[j] === "\\") j++
    else if (s[j] === "`") return j
  }
  return s.length
}

/** Index of the closing `"` of a double-quoted string whose body starts at `from`, skipping `$(...)` inside it. */
export const closeDouble = (s: string, from: number, nesting = 0): number => {
  if (nesting > MAX_NESTING) return s.length
  for (let j = from; j < s.length; j++) {
    const c = s[j]
    if (c === "\\") j++
    else if (c === "\"") return j
    else if (c === "$" && s[j + 1] === "(") j = matchParen(s, j + 1, nesting + 1)
    else if (c === "`") j = closeBacktick(s, j + 1)
  }
  return s.length
}

/** Index of the `)` matching the `(` at `open`, aware of quotes, escapes and nested substitutions. */
export const matchParen = (s: string, open: number, nesting = 0): number => {
  if (nesting > MAX_NESTING) return s.length
  let depth = 0
  for (let j = open; j < s.length; j++) {
    const c = s[j]
    if (c === "\\") j++
    else if (c === "'") {
      const e = s.indexOf("'", j + 1)
      if (e < 0) return s.length
      j = e
    } else if (c === "\"") j = closeDouble(s, j + 1, nesting + 1)
    else if (c === "`") j = closeBacktick(s, j + 1)
    else if (c === "(") depth++
    else if (c === ")" && --depth === 0) return j
  }
  return s.length
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  "\"": "\"",
  "?": "?"
}

const hexRun = (s: string, from: number, max: number): string => {
  const m = new RegExp(`^[0-9a-fA-F]{1,${max}}`).exec(s.slice(from))
  return m === null ? "" : m[0]
}

/** Decodes bash ANSI-C quoting `$'...'`; `quote` is the index of the opening `'`. */
export const decodeAnsiC = (s: string, quote: number): { readonly text: string; readonly end: number } => {
  let out = ""
  let j = quote + 1
  while (j < s.length && s[j] !== "'") {
    const c = s[j] ?? ""
    if (c !== "\\") {
      out += c
      j++
      continue
    }
    const n = s[j + 1] ?? ""
    j += 2
    const simple = SIMPLE_ESCAPES[n]
    if (simple !== undefined) out += simple
    else if (n === "x" || n === "u" || n === "U") {
      const hex = hexRun(s, j, n === "x" ? 2 : n === "u" ? 4 : 8)
      const code = hex === "" ? NaN : parseInt(hex, 16)
      out += Number.isNaN(code) || code > 0x10ffff ? `\\${n}` : String.fromCodePoint(code)
      j += hex.length
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{0,2}/.exec(s.slice(j))?.[0] ?? ""
      out += String.fromCharCode(parseInt(n + m, 8) & 0xff)
      j += m.length
    } else if (n === "c") {
      out += String.fromCharCode((s.charCodeAt(j) || 64) & 31)
      j++
    } else out += `\\${n}`
  }
  return { text: out, end: j + 1 }
}

/** The bodies of `$(...)` and backtick substitutions in text that the shell expands (an unquoted heredoc). */
export const substitutionsIn = (text: string): Array<string> => {
  const out: Array<string> = []
  for (let j = 0; j < text.length; j++) {
    const c = text[j]
    if (c === "\\") j++
    else if (c === "$" && text[j + 1] === "(") {
      const e = matchParen(text, j + 1)
      if (text[j + 2] !== "(") out.push(text.slice(j + 2, e))
      j = e
    } else if (c === "`") {
      const e = closeBacktick(text, j + 1)
      out.push(text.slice(j + 1, e))
      j = e
    }
  }
  return out
}

const BRACE_LIST = /^([^{}'"\\$`]*)\{([^{}'"\\$`]*,[^{}'"\\$`]*)\}([^{}'"\\$`]*)$/

/** Single-level brace expansion of an unquoted word (`{rm,-rf,/}` → `rm -rf /`); undefined when not a brace list. */
export const expandBraces = (raw: string): Array<string> | undefined => {
  const m = BRACE_LIST.exec(raw)
  if (m === null) return undefined
  const [, pre = "", list = "", post = ""] = m
  return list.split(",").map((alt) => `${pre}${alt}${post}`).filter((w) => w !== "")
}
