/** The tokenizer of the simulated shell: POSIX quoting, `$VAR` segments, operators, redirections, here-docs. */

export type Seg =
  | { readonly kind: "lit"; readonly text: string; readonly quoted: boolean }
  | { readonly kind: "var"; readonly name: string; readonly quoted: boolean; readonly fallback?: string }

export type Word = ReadonlyArray<Seg>

export type RedirOp = ">" | ">>" | "<" | ">&" | "<&" | "&>" | "&>>" | "<<"

export type Token =
  | { readonly t: "word"; readonly word: Word; readonly raw: string }
  | { readonly t: "op"; readonly op: string }
  | { readonly t: "redir"; readonly fd: number | undefined; readonly op: RedirOp; readonly heredoc?: HereDoc }

/** A here-document's body (read after the line ends); variables in it expand unless the delimiter was quoted. */
export interface HereDoc {
  body: string
  readonly expand: boolean
}

/** A script the shell refuses to parse: dash's `Syntax error` (exit 2), or a construct the simulator lacks. */
export class ShellSyntaxError {
  readonly _tag = "ShellSyntaxError"
  constructor(readonly message: string) {}
}

const OPERATORS = ["&&", "||", ";;", ";", "|", "&", "(", ")"] as const
const isNameChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c)

const unsupported = (what: string) => new ShellSyntaxError(`${what} not supported in the simulator`)

export const tokenize = (src: string): ReadonlyArray<Token> => {
  const tokens: Array<Token> = []
  const pendingDocs: Array<{ readonly delim: string; readonly strip: boolean; readonly into: HereDoc }> = []
  let i = 0
  let segs: Array<Seg> = []
  let raw = ""
  let inWord = false

  const lit = (text: string, quoted: boolean) => {
    const last = segs.at(-1)
    if (last?.kind === "lit" && last.quoted === quoted) segs[segs.length - 1] = { ...last, text: last.text + text }
    else segs.push({ kind: "lit", text, quoted })
    inWord = true
  }
  const flush = () => {
    if (inWord) tokens.push({ t: "word", word: segs, raw })
    segs = []
    raw = ""
    inWord = false
  }
  /** `$...` at `i` (pointing at `$`). */
  const dollar = (quoted: boolean) => {
    const next = src[i + 1]
    if (next === "(") throw unsupported(src[i + 2] === "(" ? "sh: arithmetic expansion" : "sh: command substitution")
    if (next === "{") {
      const end = src.indexOf("}", i + 2)
      if (end < 0) throw new ShellSyntaxError("sh: 1: Syntax error: Missing '}'")
      const body = src.slice(i + 2, end)
      const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?#$@*])(?::-(.*))?$/s.exec(body)
      if (m === null) throw new ShellSyntaxError(`sh: 1: Bad substitution`)
      segs.push({ kind: "var", name: m[1] ?? "", quoted, ...(m[2] === undefined ? {} : { fallback: m[2] }) })
      inWord = true
      raw += src.slice(i, end + 1)
      i = end + 1
      return
    }
    if (next !== undefined && /[?#$@*0-9]/.test(next)) {
      segs.push({ kind: "var", name: next, quoted })
      inWord = true
      raw += `$${next}`
      i += 2
      return
    }
    let j = i + 1
    while (isNameChar(src[j])) j++
    if (j === i + 1) lit("$", quoted)
    else segs.push({ kind: "var", name: src.slice(i + 1, j), quoted })
    inWord = true
    raw += src.slice(i, j)
    i = j
  }
  const readHeredocs = () => {
    for (const doc of pendingDocs.splice(0)) {
      const lines: Array<string> = []
      while (i < src.length) {
        const nl = src.indexOf("\n", i)
        const line = src.slice(i, nl < 0 ? src.length : nl)
        i = nl < 0 ? src.length : nl + 1
        const cmp = doc.strip ? line.replace(/^\t+/, "") : line
        if (cmp === doc.delim) break
        lines.push(`${cmp}\n`)
      }
      doc.into.body = lines.join("")
    }
  }

  while (i < src.length) {
    const c = src[i] ?? ""
    if (c === "\\") {
      if (src[i + 1] === "\n") i += 2
      else {
        lit(src[i + 1] ?? "", true)
        raw += src.slice(i, i + 2)
        i += 2
      }
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1)
      if (end < 0) throw new ShellSyntaxError("sh: 1: Syntax error: Unterminated quoted string")
      lit(src.slice(i + 1, end), true)
      raw += src.slice(i, end + 1)
      i = end + 1
    } else if (c === "\"") {
      lit("", true)
      const start = i
      i++
      while (i < src.length && src[i] !== "\"") {
        const d = src[i] ?? ""
        if (d === "\\" && /[$`"\\\n]/.test(src[i + 1] ?? "")) {
          if (src[i + 1] !== "\n") lit(src[i + 1] ?? "", true)
          i += 2
        } else if (d === "$") dollar(true)
        else if (d === "`") throw unsupported("sh: command substitution")
        else {
          lit(d, true)
          i++
        }
      }
      if (i >= src.length) throw new ShellSyntaxError("sh: 1: Syntax error: Unterminated quoted string")
      i++
      raw += src.slice(start, i)
    } else if (c === "$") dollar(false)
    else if (c === "`") throw unsupported("sh: command substitution")
    else if (c === "#" && !inWord) {
      while (i < src.length && src[i] !== "\n") i++
    } else if (c === " " || c === "\t" || c === "\r") {
      flush()
      i++
    } else if (c === "\n") {
      flush()
      tokens.push({ t: "op", op: "\n" })
      i++
      readHeredocs()
    } else if (c === ">" || c === "<" || (c === "&" && src[i + 1] === ">")) {
      const fd = inWord && /^[0-9]$/.test(raw) && segs.length === 1 ? Number(raw) : undefined
      if (fd === undefined) flush()
      else {
        segs = []
        raw = ""
        inWord = false
      }
      const op = (["&>>", "&>", "<<-", "<<", ">>", ">&", "<&", ">|", ">", "<"] as const).find((o) =>
        src.startsWith(o, i)
      )
      if (op === undefined) throw new ShellSyntaxError("sh: 1: Syntax error: redirection")
      i += op.length
      if (op === "<<" || op === "<<-") {
        while (src[i] === " " || src[i] === "\t") i++
        let j = i
        while (j < src.length && !/[\s;&|<>()]/.test(src[j] ?? "")) j++
        const word = src.slice(i, j)
        const delim = word.replace(/['"\\]/g, "")
        if (delim === "") throw new ShellSyntaxError("sh: 1: Syntax error: newline unexpected")
        i = j
        const into: HereDoc = { body: "", expand: delim === word }
        pendingDocs.push({ delim, strip: op === "<<-", into })
        tokens.push({ t: "redir", fd, op: "<<", heredoc: into })
      } else tokens.push({ t: "redir", fd, op: op === ">|" ? ">" : op })
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i))
      if (op !== undefined) {
        flush()
        tokens.push({ t: "op", op })
        i += op.length
      } else {
        lit(c, false)
        raw += c
        i++
      }
    }
  }
  flush()
  if (pendingDocs.length > 0) readHeredocs()
  return tokens
}
