import { Effect, Either, Random } from "effect"
import { absPath, changeFs, each, tagged, writeText } from "./Files.js"
import { baseOf, copyTree, lookup, mkdir, normalize, readFile, remove, update } from "./Fs.js"
import { chmod, chown } from "./FsPerms.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import type { SimFile, SimFs } from "./SimSystem.js"
import { getopt } from "./Text.js"

/** Changing files: mkdir, rm, mv, cp, touch, chmod, chown, ln, mktemp, tee. */

const mkdirCmd: Cmd = (args, p) => {
  const o = getopt(args, "m", { parents: "p", mode: "m" })
  const mode = o.has("m") ? parseInt(o.get("m") ?? "755", 8) : 0o755
  return each(p, o.operands, (d) =>
    Effect.map(
      changeFs(p, (fs, now) => mkdir(fs, absPath(p, d), now, o.has("p"), mode)),
      tagged(`mkdir: cannot create directory '${d}'`)
    ))
}

const rm: Cmd = (args, p) => {
  const o = getopt(args, "")
  const recursive = o.has("r") || o.has("R") || o.has("recursive")
  if (recursive && o.operands.some((x) => absPath(p, x) === "/")) {
    return Effect.as(
      Effect.sync(() =>
        p.err(
          "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n"
        )
      ),
      1
    )
  }
  return each(p, o.operands, (f) =>
    Effect.map(
      changeFs(p, (fs) => {
        const r = remove(fs, absPath(p, f), recursive || o.has("d"))
        return Either.isLeft(r) && r.left === "No such file or directory" && o.has("f") ? Either.right(fs) : r
      }),
      tagged(`rm: cannot remove '${f}'`)
    ))
}

/** `cp`/`mv` SRC... DEST: into DEST when it is a directory. */
const transfer = (move: boolean): Cmd => (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "t")
    const ops = [...o.operands]
    const dest = o.get("t") ?? ops.pop()
    const name = move ? "mv" : "cp"
    if (dest === undefined || ops.length === 0) {
      return yield* Effect.as(Effect.sync(() => p.err(`${name}: missing file operand\n`)), 1)
    }
    const recursive = move || o.has("r") || o.has("R") || o.has("a")
    const follow = !move && !o.has("a") && !o.has("P") && !o.has("d")
    return yield* each(p, ops, (src) =>
      changeFs(p, (fs, now) => {
        const found = lookup(fs, absPath(p, src), follow)
        if (Either.isLeft(found)) {
          return Either.left(`${name}: cannot stat '${src}': ${found.left}`)
        }
        if (found.right.file.isDir && !recursive) {
          return Either.left(`cp: -r not specified; omitting directory '${src}'`)
        }
        const target = lookup(fs, absPath(p, dest))
        const to = Either.isRight(target) && target.right.file.isDir
          ? normalize(target.right.path, baseOf(found.right.path))
          : absPath(p, dest)
        const r = copyTree(fs, found.right.path, to, now, move)
        return Either.mapLeft(r, (e) => `${name}: cannot ${move ? "move" : "create regular file"} '${dest}': ${e}`)
      }))
  })

const touch: Cmd = (args, p) => {
  const o = getopt(args, "dt")
  return each(p, o.operands, (f) =>
    changeFs(p, (fs, now) => {
      const found = lookup(fs, absPath(p, f))
      if (Either.isRight(found)) return update(fs, found.right.path, (x) => ({ ...x, mtimeMs: now }))
      if (o.has("c")) return Either.right(fs)
      return Either.mapLeft(
        Either.flatMap(Either.right(fs), (x) => writeNew(x, absPath(p, f), now)),
        (e) => `touch: cannot touch '${f}': ${e}`
      )
    }))
}

const writeNew = (fs: SimFs, path: string, now: number, mode = 0o644, isDir = false): Either.Either<SimFs, string> => {
  const parent = lookup(fs, path.slice(0, path.lastIndexOf("/")) || "/")
  if (Either.isLeft(parent)) return Either.left(parent.left)
  if (!parent.right.file.isDir) return Either.left("Not a directory")
  const entry: SimFile = { content: "", mode, uid: 0, gid: 0, isDir, mtimeMs: now }
  return Either.right({ ...fs, [normalize(parent.right.path, baseOf(path))]: entry })
}

const ln: Cmd = (args, p) => {
  const o = getopt(args, "")
  const [target = "", link = baseOf(target)] = o.operands
  return each(p, [link], (l) =>
    changeFs(p, (fs, now) => {
      const at = lookup(fs, absPath(p, l))
      const path = Either.isRight(at) && at.right.file.isDir ? normalize(at.right.path, baseOf(target)) : absPath(p, l)
      if (fs[path] !== undefined && !o.has("f")) {
        return Either.left(`ln: failed to create symbolic link '${l}': File exists`)
      }
      if (!o.has("s")) {
        const src = readFile(fs, absPath(p, target))
        if (Either.isLeft(src)) return Either.left(`ln: failed to access '${target}': ${src.left}`)
        return Either.right({
          ...fs,
          [path]: { content: src.right, mode: 0o644, uid: 0, gid: 0, isDir: false, mtimeMs: now }
        })
      }
      return Either.right({
        ...fs,
        [path]: { content: "", mode: 0o777, uid: 0, gid: 0, isDir: false, symlink: target, mtimeMs: now }
      })
    }))
}

const mktemp: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "p", { tmpdir: "p" })
    const template = o.operands[0] ?? "tmp.XXXXXXXXXX"
    const dir = template.includes("/") && !o.has("t") && !o.has("p")
      ? ""
      : o.get("p") ?? p.env.vars.get("TMPDIR") ?? "/tmp"
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    let name = ""
    for (const c of template) name += c === "X" ? alphabet[yield* Random.nextIntBetween(0, alphabet.length)] ?? "x" : c
    const path = absPath(p, dir === "" ? name : `${dir}/${name}`)
    const r = yield* changeFs(p, (fs, now) => writeNew(fs, path, now, o.has("d") ? 0o700 : 0o600, o.has("d")))
    if (Either.isLeft(r)) {
      return yield* Effect.as(
        Effect.sync(() => p.err(`mktemp: failed to create file via template '${path}': ${r.left}\n`)),
        1
      )
    }
    p.out(`${path}\n`)
    return 0
  })

const tee: Cmd = (args, p) => {
  const o = getopt(args, "")
  p.out(p.stdin)
  return each(p, o.operands, (f) => Effect.map(writeText(p, f, p.stdin, o.has("a")), tagged(`tee: ${f}`)))
}

export const FS_CHANGE_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  mkdir: { run: mkdirCmd },
  rm: { run: rm },
  mv: { run: transfer(true) },
  cp: { run: transfer(false) },
  touch: { run: touch },
  chmod: { run: chmod },
  chown: { run: chown },
  ln: { run: ln },
  mktemp: { run: mktemp },
  tee: { run: tee }
}
