import { Either } from "effect"
import { bytesOf, storedOf } from "./Bytes.js"
import type { SimFile, SimFs } from "./SimSystem.js"

/** Pure operations on a simulated filesystem; failures are errno texts ("No such file or directory"). */

export { bytesOf, storedOf, textOf } from "./Bytes.js"

export const ENOENT = "No such file or directory"
export const ENOTDIR = "Not a directory"
export const EISDIR = "Is a directory"
export const EEXIST = "File exists"
export const ENOTEMPTY = "Directory not empty"
export const ELOOP = "Too many levels of symbolic links"

type Result<A> = Either.Either<A, string>

export const sizeOf = (f: SimFile): number =>
  f.symlink !== undefined ? f.symlink.length : f.isDir ? 4096 : f.special !== undefined ? 0 : bytesOf(f.content).length

/** `cwd` + `p` → an absolute path with `.` and `..` resolved lexically (no symlinks followed). */
export const normalize = (cwd: string, p: string): string => {
  const parts: Array<string> = []
  for (const seg of (p.startsWith("/") ? p : `${cwd}/${p}`).split("/")) {
    if (seg === "" || seg === ".") continue
    if (seg === "..") parts.pop()
    else parts.push(seg)
  }
  return `/${parts.join("/")}`
}

export const parentOf = (p: string): string => (p.lastIndexOf("/") <= 0 ? "/" : p.slice(0, p.lastIndexOf("/")))
export const baseOf = (p: string): string => p.slice(p.lastIndexOf("/") + 1)
const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`)

/** The real path of `p` (symlinks followed; the last one only with `followLast`). The entry need not exist. */
export const resolve = (fs: SimFs, p: string, followLast = true): Result<string> => {
  let pending = normalize("/", p).split("/").filter((s) => s !== "")
  let at = "/"
  let hops = 0
  while (pending.length > 0) {
    const [name = "", ...rest] = pending
    pending = rest
    const next = join(at, name)
    const entry = fs[next]
    if (entry?.symlink !== undefined && (rest.length > 0 || followLast)) {
      if (++hops > 40) return Either.left(ELOOP)
      const target = entry.symlink.startsWith("/") ? entry.symlink : join(at, entry.symlink)
      pending = [...normalize("/", target).split("/").filter((s) => s !== ""), ...rest]
      at = "/"
      continue
    }
    if (rest.length > 0) {
      if (entry === undefined) return Either.left(ENOENT)
      if (!entry.isDir) return Either.left(ENOTDIR)
    }
    at = next
  }
  return Either.right(at)
}

export interface Found {
  readonly path: string
  readonly file: SimFile
}

export const lookup = (fs: SimFs, p: string, followLast = true): Result<Found> =>
  Either.flatMap(resolve(fs, p, followLast), (path) => {
    const file = fs[path]
    return file === undefined ? Either.left(ENOENT) : Either.right({ path, file })
  })

export const children = (fs: SimFs, dir: string): ReadonlyArray<string> => {
  const prefix = dir === "/" ? "/" : `${dir}/`
  return Object.keys(fs)
    .filter((k) => k !== dir && k.startsWith(prefix) && !k.slice(prefix.length).includes("/"))
    .map((k) => k.slice(prefix.length))
    .sort()
}

export const readFile = (fs: SimFs, p: string): Result<string | Uint8Array> =>
  Either.flatMap(lookup(fs, p), ({ file }) => (file.isDir ? Either.left(EISDIR) : Either.right(file.content)))

const newFile = (content: string | Uint8Array, mode: number, nowMs: number): SimFile => ({
  content,
  mode,
  uid: 0,
  gid: 0,
  isDir: false,
  mtimeMs: nowMs
})

const concat = (a: string | Uint8Array, b: string | Uint8Array): string | Uint8Array => {
  if (typeof a === "string" && typeof b === "string") return a + b
  const x = bytesOf(a)
  const y = bytesOf(b)
  const out = new Uint8Array(x.length + y.length)
  out.set(x)
  out.set(y, x.length)
  return out
}

/** Creates or replaces (or appends to) a regular file; its directory must exist. */
export const writeFile = (
  fs: SimFs,
  p: string,
  content: string | Uint8Array,
  nowMs: number,
  options: { readonly append?: boolean; readonly mode?: number } = {}
): Result<SimFs> =>
  Either.flatMap(resolve(fs, p), (path) => {
    const dir = fs[parentOf(path)]
    if (dir === undefined) return Either.left(ENOENT)
    if (!dir.isDir) return Either.left(ENOTDIR)
    const old = fs[path]
    if (old?.isDir === true) return Either.left(EISDIR)
    const data = storedOf(options.append === true && old !== undefined ? concat(old.content, content) : content)
    const file: SimFile = old === undefined
      ? newFile(data, options.mode ?? 0o644, nowMs)
      : { ...old, content: data, mtimeMs: nowMs }
    return Either.right({ ...fs, [path]: file })
  })

export const mkdir = (fs: SimFs, p: string, nowMs: number, parents: boolean, mode = 0o755): Result<SimFs> => {
  const path = normalize("/", p)
  const existing = lookup(fs, path)
  if (Either.isRight(existing)) {
    return parents && existing.right.file.isDir ? Either.right(fs) : Either.left(EEXIST)
  }
  const parent = lookup(fs, parentOf(path))
  if (Either.isLeft(parent)) {
    if (!parents || parent.left !== ENOENT) return Either.left(parent.left)
    return Either.flatMap(mkdir(fs, parentOf(path), nowMs, true), (f) => mkdir(f, path, nowMs, false, mode))
  }
  if (!parent.right.file.isDir) return Either.left(ENOTDIR)
  const dir: SimFile = { content: "", mode, uid: 0, gid: 0, isDir: true, mtimeMs: nowMs }
  return Either.right({ ...fs, [join(parent.right.path, baseOf(path))]: dir })
}

/** Removes an entry (a symlink itself, not its target); a directory needs `recursive` unless empty. */
export const remove = (fs: SimFs, p: string, recursive: boolean): Result<SimFs> =>
  Either.flatMap(lookup(fs, p, false), ({ file, path }) => {
    if (path === "/") return Either.left("Device or resource busy")
    if (file.isDir && !recursive) return Either.left(EISDIR)
    const next: Record<string, SimFile> = {}
    for (const [k, v] of Object.entries(fs)) if (k !== path && !k.startsWith(`${path}/`)) next[k] = v
    return Either.right(next)
  })

/** Copies (or moves) an entry and everything below it to `to` (which must not be inside `from`). */
export const copyTree = (fs: SimFs, from: string, to: string, nowMs: number, move: boolean): Result<SimFs> =>
  Either.flatMap(lookup(fs, from, false), ({ file, path }) =>
    Either.flatMap(resolve(fs, to, false), (dest) => {
      if (dest === path || dest.startsWith(`${path}/`)) return Either.left("Invalid argument")
      const parent = fs[parentOf(dest)]
      if (parent === undefined) return Either.left(ENOENT)
      if (!parent.isDir) return Either.left(ENOTDIR)
      if (fs[dest]?.isDir === true && !file.isDir) return Either.left(EISDIR)
      const next: Record<string, SimFile> = {}
      for (const [k, v] of Object.entries(fs)) {
        if (move && (k === path || k.startsWith(`${path}/`))) continue
        if (k !== dest && !k.startsWith(`${dest}/`)) next[k] = v
      }
      for (const [k, v] of Object.entries(fs)) {
        if (k === path || k.startsWith(`${path}/`)) {
          next[dest + k.slice(path.length)] = move ? v : { ...v, mtimeMs: nowMs }
        }
      }
      return Either.right(next)
    }))

export const update = (fs: SimFs, p: string, f: (file: SimFile) => SimFile, follow = true): Result<SimFs> =>
  Either.map(lookup(fs, p, follow), ({ file, path }) => ({ ...fs, [path]: f(file) }))
