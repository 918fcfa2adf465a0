import { Effect } from "effect"
import { readInputs } from "./Files.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, print } from "./Proc.js"
import { getopt, linesOf, padL, unlines } from "./Text.js"
import { unescape } from "./TextCommands.js"

/** Line tools: sort, uniq, cut, tr, seq. */

const sort: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "kt")
    const { inputs } = yield* readInputs(p, "sort", o.operands)
    const field = Number((o.get("k") ?? "0").split(",")[0])
    const sep = o.get("t")
    const key = (
      l: string
    ) => (field > 0 ? (sep === undefined ? l.trim().split(/\s+/) : l.split(sep))[field - 1] ?? "" : l)
    let lines = inputs.flatMap((i) => linesOf(i.text))
    lines.sort((a, b) => {
      const [x, y] = [key(a), key(b)]
      return o.has("n") ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x < y ? -1 : x > y ? 1 : 0
    })
    if (o.has("r")) lines.reverse()
    if (o.has("u")) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1])
    return yield* print(p, unlines(lines))
  })

const uniq: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "")
    const { inputs } = yield* readInputs(p, "uniq", o.operands.slice(0, 1))
    const groups: Array<{ line: string; n: number }> = []
    for (const line of inputs.flatMap((i) => linesOf(i.text))) {
      const last = groups.at(-1)
      if (last?.line === line) last.n++
      else groups.push({ line, n: 1 })
    }
    const kept = groups.filter((g) => (o.has("d") ? g.n > 1 : o.has("u") ? g.n === 1 : true))
    return yield* print(p, unlines(kept.map((g) => (o.has("c") ? `${padL(g.n, 7)} ${g.line}` : g.line))))
  })

/** `1,3-4,6-` → a predicate on 1-based positions. */
const ranges = (list: string) => {
  const parts = list.split(",").map((r) => {
    const [a, b] = r.includes("-") ? r.split("-") : [r, r]
    return [a === "" || a === undefined ? 1 : Number(a), b === "" || b === undefined ? Infinity : Number(b)] as const
  })
  return (n: number) => parts.some(([a, b]) => n >= a && n <= b)
}

const cut: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "dfc")
    const { inputs } = yield* readInputs(p, "cut", o.operands)
    const lines = inputs.flatMap((i) => linesOf(i.text))
    const chars = o.get("c")
    if (chars !== undefined) {
      const keep = ranges(chars)
      return yield* print(p, unlines(lines.map((l) => [...l].filter((_, i) => keep(i + 1)).join(""))))
    }
    const fields = o.get("f")
    if (fields === undefined) return yield* fail(p, "cut: you must specify a list of bytes, characters, or fields")
    const d = o.get("d") ?? "\t"
    const keep = ranges(fields)
    return yield* print(
      p,
      unlines(lines.map((l) => (l.includes(d)
        ? l.split(d).filter((_, i) => keep(i + 1)).join(d)
        : l)
      ))
    )
  })

const expandSet = (set: string): Array<string> => {
  const chars = [...unescape(set)]
  const out: Array<string> = []
  for (let i = 0; i < chars.length; i++) {
    const [a = "", dash, b] = [chars[i], chars[i + 1], chars[i + 2]]
    if (dash === "-" && b !== undefined) {
      for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) out.push(String.fromCharCode(c))
      i += 2
    } else out.push(a)
  }
  return out
}

const tr: Cmd = (args, p) => {
  const o = getopt(args, "")
  const [from = "", to = ""] = o.operands
  const a = expandSet(from)
  const b = expandSet(to)
  let text = [...p.stdin].map((c) => {
    if (o.has("d")) return a.includes(c) ? "" : c
    const i = a.indexOf(c)
    return i < 0 || b.length === 0 ? c : b[Math.min(i, b.length - 1)] ?? c
  }).join("")
  if (o.has("s")) {
    const squeeze = o.has("d") ? b : b.length > 0 ? b : a
    text = [...text].filter((c, i, all) => !(i > 0 && c === all[i - 1] && squeeze.includes(c))).join("")
  }
  return print(p, text)
}

const seq: Cmd = (args, p) => {
  const n = args.map(Number)
  const [first, step, last] = n.length === 1
    ? [1, 1, n[0] ?? 1]
    : n.length === 2
    ? [n[0] ?? 1, 1, n[1] ?? 1]
    : [n[0] ?? 1, n[1] ?? 1, n[2] ?? 1]
  const out: Array<string> = []
  for (let x = first; step > 0 ? x <= last : x >= last; x += step) if (out.push(String(x)) > 100_000) break
  return print(p, unlines(out))
}

export const TEXT_TOOLS: Readonly<Record<string, CommandSpec>> = {
  sort: { run: sort },
  uniq: { run: uniq },
  cut: { run: cut },
  tr: { run: tr },
  seq: { run: seq }
}
