import { Effect, Either } from "effect"
import type { Input } from "./Files.js"
import { absPath, readInputs, view } from "./Files.js"
import { lookup, textOf } from "./Fs.js"
import type { Cmd } from "./Proc.js"
import { getopt, linesOf } from "./Text.js"

/** GNU grep's common options: -E -F -i -v -n -c -l -q -o -w -x -h -H -r -a -e, context -A/-B/-C. */

const CLASSES: Readonly<Record<string, string>> = {
  digit: "0-9",
  alpha: "A-Za-z",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  xdigit: "0-9A-Fa-f",
  punct: "!-/:-@\\[-`{-~"
}

/** A basic or extended POSIX regex as a JS source. */
export const toJsRegex = (pattern: string, extended: boolean): string => {
  const classes = pattern.replace(/\[:([a-z]+):\]/g, (all, name: string) => CLASSES[name] ?? all)
  if (extended) return classes
  let out = ""
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i] ?? ""
    if (c === "\\" && i + 1 < classes.length) {
      const n = classes[++i] ?? ""
      out += "(){}|+?".includes(n) ? n : `\\${n}`
    } else out += "(){}|+?".includes(c) ? `\\${c}` : c
  }
  return out
}

const walk = (p: Parameters<Cmd>[1], paths: ReadonlyArray<string>) =>
  Effect.map(view(p), (v) => {
    const files: Array<string> = []
    for (const path of paths) {
      const abs = absPath(p, path)
      const found = lookup(v.fs, abs)
      if (Either.isRight(found) && found.right.file.isDir) {
        const prefix = found.right.path === "/" ? "/" : `${found.right.path}/`
        for (const [k, f] of Object.entries(v.fs).sort(([a], [b]) => a.localeCompare(b))) {
          if (k.startsWith(prefix) && !f.isDir && f.symlink === undefined) {
            files.push(path.replace(/\/$/, "") + k.slice(found.right.path.length))
          }
        }
      } else files.push(path)
    }
    return files
  })

export const grep: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "eABCmf", { regexp: "e", context: "C", "max-count": "m" })
    const patterns = [...o.all("e")]
    const operands = [...o.operands]
    if (patterns.length === 0) {
      const first = operands.shift()
      if (first === undefined) {
        p.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")
        return 2
      }
      patterns.push(...first.split("\n"))
    }
    const recursive = o.has("r") || o.has("R")
    const files = recursive && operands.length === 0 ? ["."] : operands
    const { failed, inputs } = recursive
      ? yield* Effect.flatMap(walk(p, files), (fs) => readInputs(p, "grep", fs))
      : yield* readInputs(p, "grep", files)
    let regex: RegExp
    try {
      const sources = patterns.map((pat) => {
        const src = o.has("F") ? pat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : toJsRegex(pat, o.has("E") || o.has("P"))
        return o.has("w") ? `\\b(?:${src})\\b` : o.has("x") ? `^(?:${src})$` : src
      })
      regex = new RegExp(sources.map((s) => `(?:${s})`).join("|"), o.has("i") ? "gi" : "g")
    } catch {
      p.err("grep: Unmatched ( or \\(\n")
      return 2
    }
    const after = Number(o.get("A") ?? o.get("C") ?? 0)
    const before = Number(o.get("B") ?? o.get("C") ?? 0)
    const max = o.has("m") ? Number(o.get("m")) : Infinity
    const named = !o.has("h") && (o.has("H") || inputs.length > 1 || recursive)
    let matchedAny = false
    for (const input of inputs) matchedAny = grepOne(input, regex, { o, named, before, after, max, p }) || matchedAny
    if (o.has("q")) return matchedAny ? 0 : failed ? 2 : 1
    return failed && !matchedAny ? 2 : matchedAny ? 0 : 1
  })

interface GrepOptions {
  readonly o: ReturnType<typeof getopt>
  readonly named: boolean
  readonly before: number
  readonly after: number
  readonly max: number
  readonly p: Parameters<Cmd>[1]
}

const grepOne = (input: Input, regex: RegExp, g: GrepOptions): boolean => {
  const { o, p } = g
  const lines = linesOf(textOf(input.text))
  const hits: Array<number> = []
  lines.forEach((l, i) => {
    regex.lastIndex = 0
    if (regex.test(l) !== o.has("v") && hits.length < g.max) hits.push(i)
  })
  if (o.has("q")) return hits.length > 0
  if (o.has("l")) {
    if (hits.length > 0) p.out(`${input.name}\n`)
    return hits.length > 0
  }
  if (o.has("c")) {
    p.out(`${g.named ? `${input.name}:` : ""}${hits.length}\n`)
    return hits.length > 0
  }
  const shown = new Set<number>()
  for (const h of hits) for (let i = h - g.before; i <= h + g.after; i++) if (i >= 0 && i < lines.length) shown.add(i)
  const isHit = new Set(hits)
  let last = -2
  for (const i of [...shown].sort((a, b) => a - b)) {
    if ((g.before > 0 || g.after > 0) && last >= 0 && i > last + 1) p.out("--\n")
    last = i
    const sep = isHit.has(i) ? ":" : "-"
    const prefix = `${g.named ? `${input.name}${sep}` : ""}${o.has("n") ? `${i + 1}${sep}` : ""}`
    const line = lines[i] ?? ""
    if (o.has("o") && isHit.has(i) && !o.has("v")) {
      regex.lastIndex = 0
      for (const m of line.matchAll(regex)) if (m[0] !== "") p.out(`${prefix}${m[0]}\n`)
    } else p.out(`${prefix}${line}\n`)
  }
  return hits.length > 0
}
