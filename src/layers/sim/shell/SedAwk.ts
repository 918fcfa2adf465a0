import { Effect, Either } from "effect"
import { readInputs, writeText } from "./Files.js"
import { toJsRegex } from "./Grep.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail } from "./Proc.js"
import { linesOf, unlines } from "./Text.js"

/** The everyday subsets of sed (`-n`, `-i`, `Np`, `/re/d`, `s///g`) and awk (`-F`, `{print $2}`, conditions, sums). */

type Address = { readonly line: number } | { readonly last: true } | { readonly re: RegExp }

interface SedCommand {
  readonly from?: Address
  readonly to?: Address
  readonly op: "p" | "d" | "q" | "s"
  readonly re?: RegExp
  readonly replacement?: string
  readonly print?: boolean
}

const sedReplacement = (r: string) =>
  r.replace(/\$/g, "$$$$").replace(/\\([1-9])/g, "$$$1").replace(/(^|[^\\])&/g, "$1$$&").replace(/\\&/g, "&")
    .replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\(.)/g, "$1")

const parseSed = (script: string, extended: boolean): ReadonlyArray<SedCommand> | string => {
  const out: Array<SedCommand> = []
  let i = 0
  const address = (): Address | undefined => {
    const num = /^\d+/.exec(script.slice(i))
    if (num !== null) {
      i += num[0].length
      return { line: Number(num[0]) }
    }
    if (script[i] === "$") {
      i++
      return { last: true }
    }
    if (script[i] === "/") {
      const end = script.indexOf("/", i + 1)
      const re = new RegExp(toJsRegex(script.slice(i + 1, end), extended))
      i = end + 1
      return { re }
    }
    return undefined
  }
  while (i < script.length) {
    while (/[\s;]/.test(script[i] ?? "")) i++
    if (i >= script.length) break
    const from = address()
    const to = script[i] === "," ? (i++, address()) : undefined
    const op = script[i++]
    const at = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
    if (op === "p" || op === "d" || op === "q") out.push({ ...at, op })
    else if (op === "s") {
      const delim = script[i] ?? "/"
      const parts: Array<string> = []
      let cur = ""
      for (i++; i < script.length && parts.length < 2; i++) {
        const c = script[i] ?? ""
        if (c === "\\" && script[i + 1] === delim) {
          cur += delim
          i++
        } else if (c === delim) {
          parts.push(cur)
          cur = ""
        } else cur += c
      }
      const flags = /^[gpIi0-9]*/.exec(script.slice(i))?.[0] ?? ""
      i += flags.length
      const re = new RegExp(
        toJsRegex(parts[0] ?? "", extended),
        `${flags.includes("g") ? "g" : ""}${/[Ii]/.test(flags) ? "i" : ""}`
      )
      out.push({ ...at, op: "s", re, replacement: sedReplacement(parts[1] ?? ""), print: flags.includes("p") })
    } else return `sed: -e expression #1, char ${i}: unknown command: \`${op ?? ""}'`
  }
  return out
}

const sed: Cmd = (args, p) =>
  Effect.gen(function*() {
    const scripts: Array<string> = []
    const files: Array<string> = []
    let quiet = false
    let inPlace = false
    let extended = false
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? ""
      if (a === "-e" || a === "--expression") scripts.push(args[++i] ?? "")
      else if (a === "-n" || a === "--quiet") quiet = true
      else if (a.startsWith("-i") || a.startsWith("--in-place")) inPlace = true
      else if (a === "-E" || a === "-r") extended = true
      else if (scripts.length === 0 && !a.startsWith("-")) scripts.push(a)
      else if (!a.startsWith("-")) files.push(a)
    }
    const commands = parseSed(scripts.join("\n"), extended)
    if (typeof commands === "string") return yield* fail(p, commands)
    const { failed, inputs } = yield* readInputs(p, "sed", files)
    for (const input of inputs) {
      const lines = linesOf(input.text)
      const out: Array<string> = []
      const active = new Map<SedCommand, boolean>()
      const hit = (a: Address, n: number, l: string) =>
        "line" in a ? a.line === n : "last" in a ? n === lines.length : a.re.test(l)
      for (const [k, original] of lines.entries()) {
        let line = original
        let deleted = false
        let quit = false
        for (const c of commands) {
          const n = k + 1
          let selected = c.from === undefined || hit(c.from, n, line)
          if (c.to !== undefined) {
            const on = active.get(c) === true
            selected = on || selected
            if (selected) active.set(c, !(on && hit(c.to, n, line)) && !("line" in c.to && c.to.line <= n))
          }
          if (!selected) continue
          if (c.op === "p") out.push(line)
          else if (c.op === "d") deleted = true
          else if (c.op === "q") quit = true
          else if (c.re !== undefined) {
            c.re.lastIndex = 0
            const changed = c.re.test(line)
            c.re.lastIndex = 0
            line = line.replace(c.re, c.replacement ?? "")
            if (changed && c.print === true) out.push(line)
          }
          if (deleted || quit) break
        }
        if (!deleted && !quiet) out.push(line)
        if (quit) break
      }
      if (inPlace) {
        const w = yield* writeText(p, input.name, unlines(out), false)
        if (Either.isLeft(w)) return yield* fail(p, `sed: couldn't open file ${input.name}: ${w.left}`, 4)
      } else p.out(unlines(out))
    }
    return failed ? 2 : 0
  })

/** awk: `-F`, rules `[BEGIN|END|/re/|!/re/|expr op expr] { print a, b; x += $2 }`. */
const awk: Cmd = (args, p) =>
  Effect.gen(function*() {
    let sep: string | undefined
    const rest: Array<string> = []
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? ""
      if (a === "-F") sep = args[++i]
      else if (a.startsWith("-F")) sep = a.slice(2)
      else rest.push(a)
    }
    const [program = "", ...files] = rest
    const rules = [...program.matchAll(/\s*(BEGIN|END|!?\/(?:[^/\\]|\\.)*\/|[^{]*?)\s*(?:\{([^}]*)\}|$)/g)]
      .filter((m) => m[0].trim() !== "")
      .map((m) => ({ pattern: (m[1] ?? "").trim(), body: m[2] }))
    const { failed, inputs } = yield* readInputs(p, "awk", files)
    const vars = new Map<string, number | string>()
    let nr = 0
    let fields: Array<string> = []
    let record = ""
    const value = (term: string): string | number => {
      const t = term.trim()
      if (/^".*"$/.test(t)) return t.slice(1, -1).replace(/\\t/g, "\t").replace(/\\n/g, "\n")
      if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t)
      if (t === "NR") return nr
      if (t === "NF") return fields.length
      const field = /^\$(\d+|NF)$/.exec(t)
      if (field !== null) {
        return field[1] === "0"
          ? record
          : (field[1] === "NF" ? fields.at(-1) : fields[Number(field[1]) - 1]) ?? ""
      }
      return vars.get(t) ?? ""
    }
    const test = (pattern: string): boolean => {
      if (pattern === "") return true
      const re = /^(!?)\/(.*)\/$/.exec(pattern)
      if (re !== null) return new RegExp(re[2] ?? "").test(record) !== (re[1] === "!")
      const m = /^(.+?)\s*(==|!=|>=|<=|>|<|~|!~)\s*(.+)$/.exec(pattern)
      if (m === null) return Boolean(value(pattern))
      const [a, b] = [value(m[1] ?? ""), m[2]?.includes("~") ? m[3] ?? "" : value(m[3] ?? "")]
      const num = typeof a === "number" || typeof b === "number"
      const [x, y] = num ? [Number(a), Number(b)] : [String(a), String(b)]
      switch (m[2]) {
        case "~":
        case "!~":
          return new RegExp(String(b).replace(/^\/|\/$/g, "")).test(String(a)) === (m[2] === "~")
        case "==":
          return x === y
        case "!=":
          return x !== y
        case ">":
          return x > y
        case "<":
          return x < y
        case ">=":
          return x >= y
        default:
          return x <= y
      }
    }
    const run = (body: string | undefined) => {
      for (const stmt of (body ?? "print").split(/;|\n/).map((s) => s.trim()).filter((s) => s !== "")) {
        const assign = /^([A-Za-z_]\w*)\s*(\+=|=|\+\+)\s*(.*)$/.exec(stmt)
        if (assign !== null) {
          const [, name = "", op, expr = ""] = assign
          const cur = Number(vars.get(name) ?? 0)
          vars.set(name, op === "++" ? cur + 1 : op === "+=" ? cur + Number(value(expr)) : value(expr))
        } else if (stmt === "print" || stmt.startsWith("print ")) {
          const items = stmt.slice(5).trim()
          const parts = items === "" ?
            [record] :
            items.split(/\s*,\s*/).map((item) =>
              (item.match(/"[^"]*"|\S+/g) ?? []).map((t) => String(value(t))).join("")
            )
          p.out(`${parts.join(" ")}\n`)
        }
      }
    }
    for (const r of rules) if (r.pattern === "BEGIN") run(r.body)
    for (const line of inputs.flatMap((i) => linesOf(i.text))) {
      nr++
      record = line
      fields = sep === undefined ? line.trim().split(/\s+/).filter((f) => f !== "") : line.split(sep)
      for (const r of rules) if (r.pattern !== "BEGIN" && r.pattern !== "END" && test(r.pattern)) run(r.body)
    }
    for (const r of rules) if (r.pattern === "END") run(r.body)
    return failed ? 2 : 0
  })

export const SED_AWK_COMMANDS: Readonly<Record<string, CommandSpec>> = { sed: { run: sed }, awk: { run: awk } }
