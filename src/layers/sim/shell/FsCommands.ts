import { Effect, Either } from "effect"
import type { View } from "./Files.js"
import { absPath, view } from "./Files.js"
import type { Found } from "./Fs.js"
import { baseOf, children, lookup, normalize, sizeOf } from "./Fs.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import type { SimFile } from "./SimSystem.js"
import { test } from "./TestCommand.js"
import { getopt, padL, padR, strftime, unlines } from "./Text.js"

/** Looking at files: ls, stat, basename, dirname (test / [ in TestCommand). */

const rwx = (mode: number) =>
  [6, 3, 0].map((shift, i) => {
    const bits = (mode >> shift) & 7
    const special = (mode >> (9 + (2 - i))) & 1
    const x = bits & 1 ? (special ? (i === 2 ? "t" : "s") : "x") : special ? (i === 2 ? "T" : "S") : "-"
    return `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${x}`
  }).join("")

const SPECIAL = {
  fifo: { letter: "p", name: "fifo", bits: 0o010000 },
  "char-device": { letter: "c", name: "character special file", bits: 0o020000 },
  "block-device": { letter: "b", name: "block special file", bits: 0o060000 },
  socket: { letter: "s", name: "socket", bits: 0o140000 }
} as const

/** The `ls -l` type letter: `-`, `d`, `l`, `p`, `c`, `b`, `s`. */
export const typeLetter = (f: SimFile) =>
  f.symlink !== undefined ? "l" : f.isDir ? "d" : f.special === undefined ? "-" : SPECIAL[f.special].letter

export const modeString = (f: SimFile) => `${typeLetter(f)}${rwx(f.mode)}`

/** `st_mode`: file type bits and permissions (`stat -c %f` prints it in hex). */
export const rawMode = (f: SimFile) =>
  (f.symlink !== undefined
    ? 0o120000
    : f.isDir
    ? 0o040000
    : f.special === undefined
    ? 0o100000
    : SPECIAL[f.special].bits) | (f.mode & 0o7777)

export const fileType = (f: SimFile) =>
  f.symlink !== undefined
    ? "symbolic link"
    : f.isDir
    ? "directory"
    : f.special !== undefined
    ? SPECIAL[f.special].name
    : sizeOf(f) === 0
    ? "regular empty file"
    : "regular file"

/** uid/gid → name from the machine's /etc/passwd and /etc/group (the number when unknown). */
export const namesOf = (v: View) => {
  const table = (path: string) => {
    const f = v.fs[path]
    const text = f === undefined || typeof f.content !== "string" ? "" : f.content
    return new Map(text.split("\n").map((l) => l.split(":")).map((c) => [Number(c[2]), c[0] ?? ""] as const))
  }
  const users = table("/etc/passwd")
  const groups = table("/etc/group")
  return { user: (id: number) => users.get(id) ?? String(id), group: (id: number) => groups.get(id) ?? String(id) }
}

const lsTime = (ms: number, nowMs: number) =>
  nowMs - ms > 182 * 86_400_000 ? strftime("%b %e  %Y", ms) : strftime("%b %e %H:%M", ms)

const ls: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "")
    const v = yield* view(p)
    const names = namesOf(v)
    const long = o.has("l") || o.has("n")
    const operands = o.operands.length === 0 ? ["."] : o.operands
    const user = (f: SimFile) => (o.has("n") ? String(f.uid) : names.user(f.uid))
    const group = (f: SimFile) => (o.has("n") ? String(f.gid) : names.group(f.gid))
    const block = (entries: ReadonlyArray<readonly [string, SimFile]>) => {
      const width = (f: (x: SimFile) => string) => Math.max(0, ...entries.map(([, x]) => f(x).length))
      const [sizeW, userW, groupW] = [width((x) => String(sizeOf(x))), width(user), width(group)]
      return entries.map(([name, f]) =>
        long
          ? `${modeString(f)} ${f.isDir ? 2 : 1} ${padR(user(f), userW)} ${padR(group(f), groupW)} ${
            padL(sizeOf(f), sizeW)
          } ` +
            `${lsTime(f.mtimeMs, v.nowMs)} ${name}${f.symlink === undefined ? "" : ` -> ${f.symlink}`}`
          : name
      )
    }
    let code = 0
    const files: Array<readonly [string, SimFile]> = []
    const dirs: Array<readonly [string, Found]> = []
    for (const op of operands) {
      const abs = absPath(p, op)
      const found = lookup(v.fs, abs, !(long || o.has("d")) || op.endsWith("/"))
      if (Either.isLeft(found)) {
        p.err(`ls: cannot access '${op}': ${found.left}\n`)
        code = 2
      } else if (found.right.file.isDir && !o.has("d")) dirs.push([op, found.right])
      else files.push([op, found.right.file])
    }
    const out: Array<string> = block(files)
    for (const [op, dir] of dirs) {
      const all = o.has("a") || o.has("A")
      const entries = children(v.fs, dir.path)
        .filter((n) => all || !n.startsWith("."))
        .map((n) => [n, v.fs[normalize(dir.path, n)]] as const)
        .filter((e): e is readonly [string, SimFile] => e[1] !== undefined)
      const dots: Array<readonly [string, SimFile]> = o.has("a") ? [[".", dir.file], ["..", dir.file]] : []
      if (operands.length > 1) out.push(...(out.length > 0 ? [""] : []), `${op}:`)
      if (long) out.push(`total ${entries.reduce((s, [, f]) => s + Math.ceil(sizeOf(f) / 4096) * 4, 0)}`)
      out.push(...block([...dots, ...entries]))
    }
    p.out(unlines(out))
    return code
  })

const statFormat = (fmt: string, name: string, f: SimFile, v: View) => {
  const names = namesOf(v)
  const map: Record<string, () => string> = {
    a: () => (f.mode & 0o7777).toString(8),
    A: () => modeString(f),
    u: () => String(f.uid),
    g: () => String(f.gid),
    U: () => names.user(f.uid),
    G: () => names.group(f.gid),
    s: () => String(sizeOf(f)),
    n: () => name,
    N: () => `'${name}'${f.symlink === undefined ? "" : ` -> '${f.symlink}'`}`,
    F: () => fileType(f),
    f: () => rawMode(f).toString(16),
    Y: () => String(Math.floor(f.mtimeMs / 1000)),
    y: () => `${strftime("%F %T", f.mtimeMs)}.000000000 +0000`,
    h: () => (f.isDir ? "2" : "1"),
    i: () => String(1000 + name.length * 7),
    b: () => String(Math.ceil(sizeOf(f) / 512)),
    "%": () => "%"
  }
  return fmt.replace(/%([a-zA-Z%])/g, (all, c: string) => map[c]?.() ?? all).replace(/\\n/g, "\n").replace(/\\t/g, "\t")
}

const stat: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "c", { format: "c", dereference: "L" })
    const printfFmt = o.get("printf")
    const fmt = o.get("c")
    const v = yield* view(p)
    let code = 0
    for (const name of o.operands) {
      const found = lookup(v.fs, absPath(p, name), o.has("L"))
      if (Either.isLeft(found)) {
        p.err(`stat: cannot statx '${name}': ${found.left}\n`)
        code = 1
        continue
      }
      const f = found.right.file
      if (printfFmt !== undefined) p.out(statFormat(printfFmt, name, f, v))
      else if (fmt !== undefined) p.out(`${statFormat(fmt, name, f, v)}\n`)
      else {
        p.out(statFormat(
          "  File: %N\n  Size: %s\tBlocks: %b          IO Block: 4096   %F\nDevice: 0,45\tInode: %i        Links: %h\n" +
            "Access: (0%a/%A)  Uid: (    %u/    %U)   Gid: (    %g/    %G)\nAccess: %y\nModify: %y\nChange: %y\n Birth: -\n",
          name,
          f,
          v
        ))
      }
    }
    if (o.operands.length === 0) return yield* Effect.as(Effect.sync(() => p.err("stat: missing operand\n")), 1)
    return code
  })

export const FS_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ls: { run: ls },
  stat: { run: stat },
  test: { run: test(false) },
  "[": { run: test(true) },
  basename: {
    run: (args, p) => Effect.sync(() => (p.out(`${baseOf(args[0] ?? "").replace(args[1] ?? "\0", "")}\n`), 0))
  },
  dirname: {
    run: (args, p) =>
      Effect.sync(() => {
        const a = (args[0] ?? ".").replace(/\/+$/, "")
        p.out(`${a.includes("/") ? a.slice(0, a.lastIndexOf("/")) || "/" : "."}\n`)
        return 0
      })
  }
}
