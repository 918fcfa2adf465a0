import { Effect, Either } from "effect"
import type { View } from "./Files.js"
import { absPath, view } from "./Files.js"
import { lookup, sizeOf } from "./Fs.js"
import type { Cmd, Proc } from "./Proc.js"

/** test / [ : file tests (-e -f -d -p -c -b -S -s -r -w -x -L), strings, integers, !, -a, -o. */

const unary = (op: string, arg: string, v: View, p: Proc): boolean => {
  const abs = absPath(p, arg)
  const found = lookup(v.fs, abs, op !== "-L" && op !== "-h")
  const f = Either.isRight(found) ? found.right.file : undefined
  switch (op) {
    case "-n":
      return arg !== ""
    case "-z":
      return arg === ""
    case "-e":
      return f !== undefined
    case "-f":
      return f !== undefined && !f.isDir && f.special === undefined
    case "-p":
      return f?.special === "fifo"
    case "-c":
      return f?.special === "char-device"
    case "-b":
      return f?.special === "block-device"
    case "-S":
      return f?.special === "socket"
    case "-d":
      return f?.isDir === true
    case "-s":
      return f !== undefined && sizeOf(f) > 0
    case "-r":
      return f !== undefined
    case "-w":
      return f !== undefined && !abs.startsWith("/proc/")
    case "-x":
      return f !== undefined && (f.isDir || (f.mode & 0o111) !== 0)
    case "-L":
    case "-h":
      return f?.symlink !== undefined
    default:
      return false
  }
}

const NUMERIC: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  "-eq": (a, b) => a === b,
  "-ne": (a, b) => a !== b,
  "-lt": (a, b) => a < b,
  "-le": (a, b) => a <= b,
  "-gt": (a, b) => a > b,
  "-ge": (a, b) => a >= b
}

const evaluate = (args: ReadonlyArray<string>, v: View, p: Proc): boolean => {
  const or = args.indexOf("-o")
  if (or > 0) return evaluate(args.slice(0, or), v, p) || evaluate(args.slice(or + 1), v, p)
  const and = args.indexOf("-a")
  if (and > 0) return evaluate(args.slice(0, and), v, p) && evaluate(args.slice(and + 1), v, p)
  const [a = "", b, c] = args
  if (a === "!") return !evaluate(args.slice(1), v, p)
  if (args.length === 1) return a !== ""
  if (args.length === 2) return unary(a, b ?? "", v, p)
  if (b === "=" || b === "==") return a === c
  if (b === "!=") return a !== c
  const cmp = NUMERIC[b ?? ""]
  return cmp !== undefined && cmp(Number(a), Number(c))
}

export const test = (bracket: boolean): Cmd => (args, p) =>
  Effect.gen(function*() {
    if (bracket && args.at(-1) !== "]") {
      p.err("sh: 1: [: missing ]\n")
      return 2
    }
    const expr = bracket ? args.slice(0, -1) : args
    if (expr.length === 0) return 1
    return evaluate(expr, yield* view(p), p) ? 0 : 1
  })
