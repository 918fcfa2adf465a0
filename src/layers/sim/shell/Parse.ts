import type { RedirOp, Token, Word } from "./Lex.js"
import { ShellSyntaxError, tokenize } from "./Lex.js"

/** The parser of the simulated shell: lists, `&&`/`||`, pipelines, groups, `if`/`for`/`while`, redirections. */

export interface Redir {
  readonly fd: number | undefined
  readonly op: RedirOp
  readonly target: Word
  readonly heredoc?: { readonly body: string; readonly expand: boolean }
}

export type Command =
  | {
    readonly kind: "simple"
    readonly assigns: ReadonlyArray<{ readonly name: string; readonly value: Word }>
    readonly words: ReadonlyArray<Word>
    readonly redirs: ReadonlyArray<Redir>
  }
  | { readonly kind: "group"; readonly body: Script; readonly subshell: boolean; readonly redirs: ReadonlyArray<Redir> }
  | {
    readonly kind: "if"
    readonly branches: ReadonlyArray<{ readonly cond: Script; readonly body: Script }>
    readonly orElse: Script | undefined
    readonly redirs: ReadonlyArray<Redir>
  }
  | {
    readonly kind: "for"
    readonly name: string
    readonly items: ReadonlyArray<Word>
    readonly body: Script
    readonly redirs: ReadonlyArray<Redir>
  }
  | {
    readonly kind: "while"
    readonly cond: Script
    readonly body: Script
    readonly until: boolean
    readonly redirs: ReadonlyArray<Redir>
  }

export interface Pipeline {
  readonly negate: boolean
  readonly commands: ReadonlyArray<Command>
}

export interface AndOr {
  readonly head: Pipeline
  readonly tail: ReadonlyArray<{ readonly op: "&&" | "||"; readonly pipeline: Pipeline }>
}

export type Script = ReadonlyArray<AndOr>

const RESERVED = new Set(["then", "else", "elif", "fi", "do", "done", "}", ")"])

export const parse = (src: string): Script => {
  const tokens = tokenize(src)
  let pos = 0
  const peek = (): Token | undefined => tokens[pos]
  const wordIs = (t: Token | undefined, w: string) => t?.t === "word" && t.raw === w
  const opIs = (t: Token | undefined, op: string) => t?.t === "op" && t.op === op
  const fail = (t: Token | undefined): never => {
    const what = t === undefined
      ? "end of file"
      : t.t === "word"
      ? `"${t.raw}"`
      : t.t === "op"
      ? (t.op === "\n" ? "newline" : `"${t.op}"`)
      : "redirection"
    throw new ShellSyntaxError(`sh: 1: Syntax error: ${what} unexpected`)
  }
  const skipNewlines = () => {
    while (opIs(peek(), "\n")) pos++
  }
  const expectWord = (w: string) => {
    skipNewlines()
    if (!wordIs(peek(), w)) fail(peek())
    pos++
  }
  const atEnd = (t: Token | undefined) => t === undefined || (t.t === "word" && RESERVED.has(t.raw)) || opIs(t, ")")

  const redirs = (): Array<Redir> => {
    const out: Array<Redir> = []
    while (peek()?.t === "redir") {
      const r = peek()
      pos++
      if (r?.t !== "redir") break
      if (r.heredoc !== undefined) {
        out.push({ fd: r.fd, op: r.op, target: [], heredoc: r.heredoc })
        continue
      }
      const target = peek()
      if (target?.t !== "word") return fail(target)
      pos++
      out.push({ fd: r.fd, op: r.op, target: target.word })
    }
    return out
  }

  const list = (): Script => {
    const items: Array<AndOr> = []
    for (;;) {
      while (opIs(peek(), "\n") || opIs(peek(), ";")) pos++
      if (atEnd(peek())) return items
      items.push(andOr())
      const t = peek()
      if (opIs(t, ";") || opIs(t, "\n") || opIs(t, "&")) pos++
      else if (!atEnd(t)) fail(t)
    }
  }

  const andOr = (): AndOr => {
    const head = pipeline()
    const tail: Array<{ op: "&&" | "||"; pipeline: Pipeline }> = []
    for (let t = peek(); t?.t === "op" && (t.op === "&&" || t.op === "||"); t = peek()) {
      pos++
      skipNewlines()
      tail.push({ op: t.op, pipeline: pipeline() })
    }
    return { head, tail }
  }

  const pipeline = (): Pipeline => {
    const negate = wordIs(peek(), "!")
    if (negate) pos++
    const commands = [command()]
    while (opIs(peek(), "|")) {
      pos++
      skipNewlines()
      commands.push(command())
    }
    return { negate, commands }
  }

  const command = (): Command => {
    const t = peek()
    if (opIs(t, "(") || wordIs(t, "{")) {
      pos++
      const body = list()
      if (opIs(t, "(")) {
        if (!opIs(peek(), ")")) fail(peek())
        pos++
      } else expectWord("}")
      return { kind: "group", body, subshell: opIs(t, "("), redirs: redirs() }
    }
    if (wordIs(t, "if")) {
      pos++
      const branches = [{ cond: list(), body: (expectWord("then"), list()) }]
      while (wordIs(peek(), "elif")) {
        pos++
        branches.push({ cond: list(), body: (expectWord("then"), list()) })
      }
      const orElse = wordIs(peek(), "else") ? (pos++, list()) : undefined
      expectWord("fi")
      return { kind: "if", branches, orElse, redirs: redirs() }
    }
    if (wordIs(t, "for")) {
      pos++
      const name = peek()
      if (name?.t !== "word" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.raw)) return fail(name)
      pos++
      const items: Array<Word> = []
      if (wordIs(peek(), "in")) {
        pos++
        for (let w = peek(); w?.t === "word"; w = peek()) {
          items.push(w.word)
          pos++
        }
      }
      if (opIs(peek(), ";")) pos++
      expectWord("do")
      const body = list()
      expectWord("done")
      return { kind: "for", name: name.raw, items, body, redirs: redirs() }
    }
    if (wordIs(t, "while") || wordIs(t, "until")) {
      pos++
      const cond = list()
      expectWord("do")
      const body = list()
      expectWord("done")
      return { kind: "while", cond, body, until: wordIs(t, "until"), redirs: redirs() }
    }
    return simple()
  }

  const simple = (): Command => {
    const assigns: Array<{ name: string; value: Word }> = []
    const words: Array<Word> = []
    const rs: Array<Redir> = []
    for (;;) {
      const t = peek()
      if (t?.t === "redir") rs.push(...redirs())
      else if (t?.t === "word" && !(words.length === 0 && RESERVED.has(t.raw))) {
        const first = t.word[0]
        const m = first?.kind === "lit" && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null
        if (words.length === 0 && m !== null && first?.kind === "lit") {
          const rest = first.text.slice(m[0].length)
          const value = rest === "" ? t.word.slice(1) : [{ ...first, text: rest }, ...t.word.slice(1)]
          assigns.push({ name: m[1] ?? "", value })
        } else words.push(t.word)
        pos++
      } else break
    }
    if (words.length === 0 && assigns.length === 0 && rs.length === 0) fail(peek())
    return { kind: "simple", assigns, words, redirs: rs }
  }

  const script = list()
  if (pos < tokens.length) fail(peek())
  return script
}
