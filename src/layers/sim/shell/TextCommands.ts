import { Effect } from "effect"
import { readInputs } from "./Files.js"
import { bytesOf, textOf } from "./Fs.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, print } from "./Proc.js"
import { getopt, linesOf, padL, unlines } from "./Text.js"

/** Text commands: echo, printf, cat, head, tail, wc (tee lives with the files, sort and friends in TextTools). */

const ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "\"": "\"",
  "'": "'"
}

export const unescape = (s: string): string =>
  s.replace(/\\(0[0-7]{0,3}|x[0-9a-fA-F]{1,2}|[abfnrtv\\"'])/g, (_, e: string) => {
    if (e.startsWith("0")) return String.fromCharCode(parseInt(e.slice(1) || "0", 8))
    if (e.startsWith("x")) return String.fromCharCode(parseInt(e.slice(1), 16))
    return ESCAPES[e] ?? e
  })

const echo: Cmd = (args, p) => {
  let i = 0
  let newline = true
  let escapes = false
  for (; i < args.length && /^-[neE]+$/.test(args[i] ?? ""); i++) {
    const a = args[i] ?? ""
    if (a.includes("n")) newline = false
    if (a.includes("e")) escapes = true
    if (a.includes("E")) escapes = false
  }
  const text = args.slice(i).join(" ")
  return print(p, (escapes ? unescape(text) : text) + (newline ? "\n" : ""))
}

const printf: Cmd = (args, p) =>
  Effect.sync(() => {
    const [fmt = "", ...rest] = args
    if (args.length === 0) {
      p.err("printf: usage: printf format [arguments]\n")
      return 2
    }
    let code = 0
    let k = 0
    let out = ""
    const next = () => rest[k++] ?? ""
    const num = (s: string) => {
      const n = s.startsWith("'") || s.startsWith("\"") ? s.charCodeAt(1) : Number(s === "" ? 0 : s)
      if (Number.isNaN(n)) {
        p.err(`printf: '${s}': expected a numeric value\n`)
        code = 1
        return 0
      }
      return Math.trunc(n)
    }
    do {
      out += unescape(fmt).replace(
        /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdiouxXcbf%])/g,
        (_, flags: string, w, prec, conv) => {
          if (conv === "%") return "%"
          let v: string
          if (conv === "s") v = prec === undefined ? next() : next().slice(0, Number(prec))
          else if (conv === "b") v = unescape(next())
          else if (conv === "c") v = next().slice(0, 1)
          else if (conv === "f") v = Number(next() || 0).toFixed(prec === undefined ? 6 : Number(prec))
          else {
            const n = num(next())
            v = conv === "x"
              ? n.toString(16)
              : conv === "X"
              ? n.toString(16).toUpperCase()
              : conv === "o"
              ? n.toString(8)
              : String(n)
          }
          const width = Number(w ?? 0)
          if (flags.includes("-")) return v.padEnd(width)
          return flags.includes("0") && conv !== "s" ? v.padStart(width, "0") : v.padStart(width)
        }
      )
    } while (k > 0 && k < rest.length)
    p.out(out)
    return code
  })

const cat: Cmd = (args, p) =>
  Effect.flatMap(readInputs(p, "cat", getopt(args, "").operands), ({ failed, inputs }) => {
    const numbered = args.includes("-n")
    const text = inputs.map((i) => i.text).join("")
    p.out(numbered ? unlines(linesOf(text).map((l, n) => `${padL(n + 1, 6)}\t${l}`)) : text)
    return Effect.succeed(failed ? 1 : 0)
  })

/** `-5` → `-n 5` (head and tail's old syntax). */
const legacyCount = (args: ReadonlyArray<string>) => args.map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a))

const headTail = (tail: boolean): Cmd => (args, p) =>
  Effect.gen(function*() {
    const o = getopt(legacyCount(args), "nc", { lines: "n", bytes: "c" })
    const { failed, inputs } = yield* readInputs(p, tail ? "tail" : "head", o.operands)
    const spec = o.get("n") ?? "10"
    const count = Number(spec.replace(/^[+-]/, ""))
    if (Number.isNaN(count)) return yield* fail(p, `${tail ? "tail" : "head"}: invalid number of lines: '${spec}'`)
    for (const input of inputs) {
      if (inputs.length > 1) p.out(`==> ${input.name} <==\n`)
      if (o.has("c")) {
        const c = o.get("c") ?? ""
        const n = Number(c.replace(/^[+-]/, ""))
        if (!Number.isSafeInteger(n)) {
          return yield* fail(p, `${tail ? "tail" : "head"}: invalid number of bytes: '${c}'`)
        }
        const bytes = bytesOf(input.text)
        const from = tail ? (c.startsWith("+") ? Math.max(0, n - 1) : Math.max(0, bytes.length - n)) : 0
        const to = !tail && c.startsWith("-") ? Math.max(0, bytes.length - n) : tail ? bytes.length : n
        p.out(textOf(bytes.subarray(from, to)))
        continue
      }
      const lines = linesOf(input.text)
      const picked = tail
        ? (spec.startsWith("+") ? lines.slice(Math.max(0, count - 1)) : lines.slice(Math.max(0, lines.length - count)))
        : (spec.startsWith("-") ? lines.slice(0, Math.max(0, lines.length - count)) : lines.slice(0, count))
      p.out(unlines(picked))
    }
    if (tail && (o.has("f") || o.has("F") || o.has("follow"))) return yield* Effect.never
    return failed ? 1 : 0
  })

const wc: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "", { lines: "l", bytes: "c", words: "w", chars: "m" })
    const { failed, inputs } = yield* readInputs(p, "wc", o.operands)
    const picked = ["l", "w", "c", "m"].filter((k) => o.has(k))
    const cols = picked.length === 0 ? ["l", "w", "c"] : picked
    const count = (text: string, k: string) =>
      k === "l"
        ? (text.match(/\n/g) ?? []).length
        : k === "w"
        ? text.split(/\s+/).filter((w) => w !== "").length
        : k === "m"
        ? [...text].length
        : bytesOf(text).length
    const rows = inputs.map((i) => ({
      name: o.operands.length === 0 ? "" : i.name,
      n: cols.map((k) => count(i.text, k))
    }))
    if (rows.length > 1) {
      rows.push({ name: "total", n: cols.map((_, c) => rows.reduce((s, r) => s + (r.n[c] ?? 0), 0)) })
    }
    const width = cols.length === 1 && rows.length === 1
      ? 0
      : Math.max(...rows.flatMap((r) => r.n).map((n) => String(n).length))
    p.out(unlines(rows.map((r) => [...r.n.map((n) => padL(n, width)), ...(r.name === "" ? [] : [r.name])].join(" "))))
    return failed ? 1 : 0
  })

export const TEXT_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  echo: { run: echo },
  printf: { run: printf },
  cat: { run: cat },
  head: { run: headTail(false) },
  tail: { run: headTail(true) },
  wc: { run: wc }
}
