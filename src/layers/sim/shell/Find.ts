import { Effect, Either } from "effect"
import { absPath, view } from "./Files.js"
import { lookup, sizeOf } from "./Fs.js"
import { modeString, typeLetter } from "./FsCommands.js"
import type { Cmd } from "./Proc.js"
import { fail } from "./Proc.js"
import type { SimFile } from "./SimSystem.js"

/** find: `-H/-L/-P`, `--`, -maxdepth, -mindepth, -name, -iname, -path, -type, -print, -print0, -printf. */

const globToRegex = (g: string, flags = "") =>
  new RegExp(`^${g.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags)

const ESCAPES: Readonly<Record<string, string>> = { "0": "\0", n: "\n", t: "\t", "\\": "\\", a: "\x07" }

/** GNU `-printf`: %p %f %h %y %s %m %M %u %g %U %G %T@ %%, and the escapes \0 \n \t \\. */
const printf = (fmt: string, shown: string, f: SimFile): string =>
  fmt.replace(/\\([0nta\\])|%(T@|[pfhysmMugUG%])/g, (all, esc: string | undefined, d: string | undefined) => {
    if (esc !== undefined) return ESCAPES[esc] ?? all
    switch (d) {
      case "p":
        return shown
      case "f":
        return shown === "/" ? "/" : shown.replace(/\/+$/, "").slice(shown.replace(/\/+$/, "").lastIndexOf("/") + 1)
      case "h":
        return shown.includes("/") ? shown.slice(0, shown.lastIndexOf("/")) || "/" : "."
      case "y":
        return typeLetter(f) === "-" ? "f" : typeLetter(f)
      case "s":
        return String(sizeOf(f))
      case "m":
        return (f.mode & 0o7777).toString(8)
      case "M":
        return modeString(f)
      case "u":
      case "U":
        return String(f.uid)
      case "g":
      case "G":
        return String(f.gid)
      case "T@":
        return (f.mtimeMs / 1000).toFixed(10)
      default:
        return "%"
    }
  })

export const find: Cmd = (args, p) =>
  Effect.gen(function*() {
    let i = 0
    while (["-H", "-L", "-P"].includes(args[i] ?? "")) i++
    if (args[i] === "--") i++
    const starts: Array<string> = []
    for (; i < args.length && !(args[i] ?? "").startsWith("-"); i++) starts.push(args[i] ?? ".")
    const tests: Array<(path: string, f: SimFile) => boolean> = []
    const actions: Array<(path: string, f: SimFile) => string> = []
    let maxDepth = Infinity
    let minDepth = 0
    for (; i < args.length; i++) {
      const a = args[i] ?? ""
      const val = args[i + 1] ?? ""
      if (a === "-maxdepth") maxDepth = Number(args[++i])
      else if (a === "-mindepth") minDepth = Number(args[++i])
      else if (a === "-name" || a === "-iname") {
        const re = globToRegex(val, a === "-iname" ? "i" : "")
        tests.push((path) => re.test(path.slice(path.lastIndexOf("/") + 1)))
        i++
      } else if (a === "-path") {
        const re = globToRegex(val)
        tests.push((path) => re.test(path))
        i++
      } else if (a === "-type") {
        tests.push((_, f) => (typeLetter(f) === "-" ? "f" : typeLetter(f)) === val)
        i++
      } else if (a === "-print0") actions.push((path) => `${path}\0`)
      else if (a === "-printf") {
        actions.push((path, f) => printf(val, path, f))
        i++
      } else if (a === "-print") actions.push((path) => `${path}\n`)
      else if (!["-xdev", "-mount", "-follow", "-L", "-H"].includes(a)) {
        return yield* fail(p, `find: unknown predicate '${a}'`)
      }
    }
    const v = yield* view(p)
    let code = 0
    for (const start of starts.length === 0 ? ["."] : starts) {
      const found = lookup(v.fs, absPath(p, start))
      if (Either.isLeft(found)) {
        p.err(`find: '${start}': ${found.left}\n`)
        code = 1
        continue
      }
      const root = found.right.path
      const prefix = root === "/" ? "/" : `${root}/`
      const paths = [
        root,
        ...Object.keys(v.fs).filter((k) => k.startsWith(prefix) && k !== root).sort()
      ]
      for (const path of paths) {
        const rel = path === root ? "" : path.slice(prefix.length)
        const depth = rel === "" ? 0 : rel.split("/").length
        const file = v.fs[path]
        if (file === undefined || depth > maxDepth || depth < minDepth) continue
        const shown = rel === "" ? start : `${start.replace(/\/$/, "")}/${rel}`
        if (!tests.every((t) => t(shown, file))) continue
        p.out(actions.length === 0 ? `${shown}\n` : actions.map((act) => act(shown, file)).join(""))
      }
    }
    return code
  })
