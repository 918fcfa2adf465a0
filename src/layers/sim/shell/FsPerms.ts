import { Effect, Either } from "effect"
import { absPath, changeFs, each, view } from "./Files.js"
import { lookup } from "./Fs.js"
import { namesOf } from "./FsCommands.js"
import type { Cmd } from "./Proc.js"
import type { SimFile, SimFs } from "./SimSystem.js"

/** Ownership and permissions: chmod (octal and symbolic), chown (names from the machine's passwd/group). */

/** `755`, `u+x`, `go-w`, `a=r,u+w`. */
const applyMode = (spec: string, old: SimFile): number | undefined => {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8)
  let mode = old.mode
  for (const clause of spec.split(",")) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause)
    if (m === null) return undefined
    const who = m[1] === "" || m[1] === "a" ? "ugo" : m[1] ?? ""
    let bits = 0
    for (const c of m[3] ?? "") {
      const perm = c === "r"
        ? 4
        : c === "w"
        ? 2
        : c === "x" || (c === "X" && (old.isDir || (old.mode & 0o111) !== 0))
        ? 1
        : 0
      for (const w of who) bits |= perm << (w === "u" ? 6 : w === "g" ? 3 : 0)
      if (c === "t") bits |= 0o1000
      if (c === "s") bits |= (who.includes("u") ? 0o4000 : 0) | (who.includes("g") ? 0o2000 : 0)
    }
    const mask = [...who].reduce((acc, w) => acc | (7 << (w === "u" ? 6 : w === "g" ? 3 : 0)), 0)
    mode = m[2] === "+" ? mode | bits : m[2] === "-" ? mode & ~bits : (mode & ~mask) | bits
  }
  return mode
}

const recursivelyUpdate = (fs: SimFs, path: string, recursive: boolean, f: (x: SimFile) => SimFile) => {
  const next: Record<string, SimFile> = { ...fs }
  for (const [k, v] of Object.entries(fs)) {
    if (k === path || (recursive && k.startsWith(`${path}/`))) next[k] = v.symlink === undefined ? f(v) : v
  }
  return next
}

export const chmod: Cmd = (args, p) => {
  const recursive = args.includes("-R")
  const [spec = "", ...files] = args.filter((a) => a !== "-R" && a !== "--")
  return each(p, files, (f) =>
    changeFs(p, (fs) => {
      const found = lookup(fs, absPath(p, f))
      if (Either.isLeft(found)) return Either.left(`chmod: cannot access '${f}': ${found.left}`)
      const mode = applyMode(spec, found.right.file)
      if (mode === undefined) return Either.left(`chmod: invalid mode: '${spec}'`)
      return Either.right(recursivelyUpdate(fs, found.right.path, recursive, (x) => ({ ...x, mode })))
    }))
}

export const chown: Cmd = (args, p) =>
  Effect.gen(function*() {
    const recursive = args.includes("-R")
    const [spec = "", ...files] = args.filter((a) => a !== "-R" && a !== "-h" && a !== "--")
    const v = yield* view(p)
    const names = namesOf(v)
    const id = (name: string, byName: (n: number) => string) => {
      if (/^\d+$/.test(name)) return Number(name)
      for (let n = 0; n < 70_000; n++) if (byName(n) === name) return n
      return undefined
    }
    const [user = "", group] = spec.split(/[:.]/)
    const uid = user === "" ? undefined : id(user, names.user)
    const gid = group === undefined || group === "" ? undefined : id(group, names.group)
    if (user !== "" && uid === undefined) {
      return yield* Effect.as(Effect.sync(() => p.err(`chown: invalid user: '${spec}'\n`)), 1)
    }
    if (group !== undefined && group !== "" && gid === undefined) {
      return yield* Effect.as(
        Effect.sync(() => p.err(`chown: invalid group: '${spec}'\n`)),
        1
      )
    }
    return yield* each(p, files, (f) =>
      changeFs(p, (fs) => {
        const found = lookup(fs, absPath(p, f))
        if (Either.isLeft(found)) return Either.left(`chown: cannot access '${f}': ${found.left}`)
        return Either.right(recursivelyUpdate(fs, found.right.path, recursive, (x) => ({
          ...x,
          uid: uid ?? x.uid,
          gid: gid ?? x.gid
        })))
      }))
  })
