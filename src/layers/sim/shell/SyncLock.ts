import { Duration, Effect, Either, Option } from "effect"
import { absPath, changeFs, each, view, writeText } from "./Files.js"
import { baseOf, lookup, normalize } from "./Fs.js"
import type { Cmd, CommandSpec, Proc } from "./Proc.js"
import { fail } from "./Proc.js"
import { getopt } from "./Text.js"

/** Durability and locking: sync (a no-op that checks its files), flock (real mutual exclusion per lock file), mkfifo. */

const sync: Cmd = (args, p) =>
  Effect.gen(function*() {
    const v = yield* view(p)
    return yield* each(p, getopt(args, "").operands, (f) =>
      Effect.succeed(
        Either.isLeft(lookup(v.fs, absPath(p, f)))
          ? Either.left(`sync: error opening '${f}': No such file or directory`)
          : Either.void
      ))
  })

const lockOf = (p: Proc, path: string): Effect.Semaphore => {
  const known = p.node.locks.get(path)
  if (known !== undefined) return known
  const made = Effect.unsafeMakeSemaphore(1)
  p.node.locks.set(path, made)
  return made
}

/** `flock [-w SECS] [-n] [-E CODE] FILE COMMAND [ARGS]` or `flock … FILE -c 'SCRIPT'` (file-descriptor form: no). */
const flock: Cmd = (args, p) =>
  Effect.gen(function*() {
    let i = 0
    let waitMs: number | undefined
    let conflict = 1
    for (; i < args.length && (args[i] ?? "").startsWith("-"); i++) {
      const a = args[i] ?? ""
      if (a === "-w" || a === "--timeout" || a === "--wait") waitMs = Number(args[++i]) * 1000
      else if (a === "-E" || a === "--conflict-exit-code") conflict = Number(args[++i])
      else if (a === "-n" || a === "--nonblock") waitMs = 0
      else if (a === "--") {
        i++
        break
      } else if (!["-x", "-e", "--exclusive", "-s", "--shared", "-o", "--close"].includes(a)) {
        return yield* fail(p, `flock: unrecognized option '${a}'`, 64)
      }
    }
    const [file, ...rest] = args.slice(i)
    if (file === undefined || rest.length === 0) {
      return yield* fail(p, "flock: not enough arguments (the file-descriptor form is not simulated)", 64)
    }
    const argv = rest[0] === "-c" || rest[0] === "--command" ? ["sh", "-c", rest[1] ?? ""] : rest
    const created = yield* writeText(p, file, "", true)
    if (Either.isLeft(created)) return yield* fail(p, `flock: cannot open lock file ${file}: ${created.left}`, 66)
    const lock = lockOf(p, absPath(p, file))
    const command = Effect.catchAll(p.node.argv(argv, p), (e) => Effect.succeed(e.code))
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        restore(
          waitMs === undefined
            ? Effect.asSome(lock.take(1))
            : Effect.timeoutOption(lock.take(1), Duration.millis(waitMs))
        ),
        (got) => Option.isNone(got) ? Effect.succeed(conflict) : Effect.ensuring(restore(command), lock.release(1))
      )
    )
  })

const mkfifo: Cmd = (args, p) => {
  const o = getopt(args, "m", { mode: "m" })
  const mode = parseInt(o.get("m") ?? "644", 8)
  return each(p, o.operands, (f) =>
    changeFs(p, (fs, now) => {
      const path = absPath(p, f)
      if (fs[path] !== undefined) return Either.left(`mkfifo: cannot create fifo '${f}': File exists`)
      const parent = lookup(fs, path.slice(0, path.lastIndexOf("/")) || "/")
      if (Either.isLeft(parent) || !parent.right.file.isDir) {
        return Either.left(`mkfifo: cannot create fifo '${f}': No such file or directory`)
      }
      const entry = { content: "", mode, uid: 0, gid: 0, isDir: false, special: "fifo" as const, mtimeMs: now }
      return Either.right({ ...fs, [normalize(parent.right.path, baseOf(path))]: entry })
    }))
}

export const SYNC_LOCK_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  sync: { run: sync },
  flock: { run: flock },
  mkfifo: { run: mkfifo }
}
