/**
 * A small bash-like lexer for the command guard (spec §5.1.2, security.md §4.A). Pure, single pass.
 *
 * It splits a script into simple commands on `;`, `&&`, `||`, `|`, `&`, newlines, `(` and `)` outside quotes,
 * reads words with `Words.ts`, records redirects (heredoc bodies included), remembers variables assigned
 * literally (`a=rm; $a -rf /`), skips `#` comments, and hands the bodies of `$(...)`, backticks, `<(...)`,
 * `>(...)` and unquoted heredocs back as nested scripts. `\r` is an ordinary word character, as in bash.
 */
import { matchParen, substitutionsIn } from "./Quote.js"
import type { Cursor, Word } from "./Words.js"
import { readWord, word } from "./Words.js"

export type { Word } from "./Words.js"
export { HOME, word } from "./Words.js"

export interface Redirect {
  readonly op: string
  readonly target: Word
  /** Heredoc body (`<<`, `<<-`). */
  readonly body?: string
}

export type Env = ReadonlyMap<string, string | undefined>

export interface RawSegment {
  readonly words: ReadonlyArray<Word>
  readonly redirects: ReadonlyArray<Redirect>
  /** Standard input comes from a pipe. */
  readonly piped: boolean
  /** Variables known when the segment starts (`undefined` value: assigned, but not literally). */
  readonly env: Env
}

export interface Lexed {
  readonly segments: ReadonlyArray<RawSegment>
  readonly nested: ReadonlyArray<string>
  readonly tricks: ReadonlyArray<string>
}

const REDIRECT = /^(?:&>>|&>|<<<|<<-|<<|<>|<&|>>|>\||>&|<|>)/
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/
const DECLARE = new Set(["export", "declare", "typeset", "local", "readonly"])

interface MutableRedirect {
  op: string
  target: Word
  body?: string
}

export const lex = (src: string, initial: Env): Lexed => {
  const c: Cursor = { src, i: 0, env: new Map(initial), nested: [], tricks: new Set() }
  const segments: Array<RawSegment> = []
  const heredocs: Array<{ r: MutableRedirect; quoted: boolean }> = []
  let words: Array<Word> = []
  let redirects: Array<MutableRedirect> = []
  let piped = false
  let env: Env = new Map(c.env)

  const remember = (ws: ReadonlyArray<Word>) => {
    const rest = DECLARE.has(ws[0]?.text ?? "") ? ws.slice(1).filter((w) => !w.text.startsWith("-")) : ws
    if (rest.length === 0 || !rest.every((w) => ASSIGN.test(w.text))) return
    for (const w of rest) {
      const m = ASSIGN.exec(w.text)
      if (m?.[1] !== undefined) c.env.set(m[1], w.dynamic || m[2] === "+" ? undefined : w.text.slice(m[0].length))
    }
  }

  const endSegment = (pipeNext: boolean) => {
    if (words.length > 0 || redirects.length > 0) {
      segments.push({ words, redirects, piped, env })
      remember(words)
    }
    words = []
    redirects = []
    piped = pipeNext
    env = new Map(c.env)
  }

  const readHeredocs = () => {
    for (const h of heredocs.splice(0)) {
      const body: Array<string> = []
      const strip = h.r.op === "<<-"
      while (c.i < src.length) {
        const nl = src.indexOf("\n", c.i)
        const line = src.slice(c.i, nl < 0 ? src.length : nl)
        c.i = nl < 0 ? src.length : nl + 1
        if ((strip ? line.replace(/^\t+/, "") : line) === h.r.target.text) break
        body.push(line)
      }
      h.r.body = body.join("\n")
      if (!h.quoted) c.nested.push(...substitutionsIn(h.r.body))
    }
  }

  while (c.i < src.length) {
    const ch = src[c.i] ?? ""
    const n = src[c.i + 1] ?? ""
    if (ch === " " || ch === "\t") c.i++
    else if (ch === "\n") {
      c.i++
      endSegment(false)
      readHeredocs()
    } else if (ch === "#") {
      const nl = src.indexOf("\n", c.i)
      c.i = nl < 0 ? src.length : nl
    } else if ((ch === "<" || ch === ">") && n === "(") {
      const e = matchParen(src, c.i + 1)
      c.nested.push(src.slice(c.i + 2, e))
      words.push(word("/dev/fd/63", true))
      c.i = e + 1
    } else if (ch === "<" || ch === ">" || (ch === "&" && n === ">")) {
      const op = REDIRECT.exec(src.slice(c.i))?.[0] ?? ch
      c.i += op.length
      while (src[c.i] === " " || src[c.i] === "\t") c.i++
      const from = c.i
      const r: MutableRedirect = { op, target: readWord(c)[0] ?? word("") }
      redirects.push(r)
      if (op === "<<" || op === "<<-") heredocs.push({ r, quoted: /['"\\]/.test(src.slice(from, c.i)) })
    } else if (ch === ";" || ch === "&" || ch === "|" || ch === "(" || ch === ")") {
      c.i += (ch === "&" || ch === "|") && (n === ch || (ch === "|" && n === "&")) ? 2 : 1
      endSegment(ch === "|" && n !== "|")
    } else {
      const ws = readWord(c)
      const fd = ws.length === 1 && /^\d+$/.test(ws[0]?.text ?? "") && (src[c.i] === "<" || src[c.i] === ">")
      if (!fd) words.push(...ws)
    }
  }
  endSegment(false)
  return { segments, nested: c.nested, tricks: [...c.tricks] }
}
