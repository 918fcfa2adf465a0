import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Duration, Effect, Equivalence, Exit, Option, Random } from "effect"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { AuditUnavailable } from "../../domain/Errors.js"

export interface FileLockOptions {
  /** How long to wait for the lock before failing with AuditUnavailable. */
  readonly timeoutMs: number
  /** A lock older than this is stale, whoever holds it. */
  readonly staleMs: number
}

export const defaultLockOptions: FileLockOptions = { timeoutMs: 5_000, staleMs: 30_000 }

interface Owner {
  readonly pid: number
  readonly host: string
  readonly ts: string
  readonly nonce: string
}

/** What we saw of a lock we judged stale: it is removed only if the file we moved aside is still that one. */
interface Seen {
  readonly content: string
  readonly ino: Option.Option<number>
  readonly mtime: number | undefined
}

/** Nonces of the locks this process holds: a lock with our pid and another nonce was left by an earlier process. */
const held = new Set<string>()

const parseOwner = (text: string): Option.Option<Owner> => {
  try {
    const v = JSON.parse(text) as Partial<Owner> | null
    return typeof v?.pid === "number" && typeof v.host === "string" && typeof v.ts === "string" &&
        typeof v.nonce === "string"
      ? Option.some({ pid: v.pid, host: v.host, ts: v.ts, nonce: v.nonce })
      : Option.none()
  } catch {
    return Option.none()
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH"
  }
}

/** Why the lock is stale, or `None` while its holder may still be working. */
const staleness = (owner: Option.Option<Owner>, mtime: number | undefined, now: number, staleMs: number) => {
  const stamped = Option.match(owner, { onNone: () => Number.NaN, onSome: (o) => Date.parse(o.ts) })
  const since = Number.isNaN(stamped) ? mtime ?? now : stamped
  if (now - since > staleMs) return Option.some(`older than ${Math.round(staleMs / 1000)} s`)
  if (Option.isNone(owner) || owner.value.host !== hostname()) return Option.none()
  const { nonce, pid } = owner.value
  if (pid === process.pid) return held.has(nonce) ? Option.none() : Option.some(`left by an earlier process ${pid}`)
  return isAlive(pid) ? Option.none() : Option.some(`process ${pid} is not running`)
}

/**
 * A cross-process lock: the file `lockPath`, created with `O_EXCL` and holding the owner's pid, host, time and a
 * nonce. A stale lock (its process gone from this host, or older than `staleMs`) is broken only while holding a second
 * lock, `<lock>.break`, so breakers take turns: each re-reads the lock, and moves it aside (then removes it) only if
 * it is still the very file judged stale; a lock taken since is left alone. So two breakers never both win.
 */
export const makeFileLock = (fs: FileSystem.FileSystem, lockPath: string, options: FileLockOptions) => {
  const breakPath = `${lockPath}.break`
  const unavailable = (what: string) =>
    new AuditUnavailable({ message: `audit log lock ${lockPath}: ${what}; no mutation can run` })
  const failed = (what: string) => (e: PlatformError) => unavailable(`${what} failed: ${e.message}`)
  const missing = (e: PlatformError) => e._tag === "SystemError" && e.reason === "NotFound"
  const exists = (e: PlatformError) => e._tag === "SystemError" && e.reason === "AlreadyExists"

  /** Reads a lock file: `None` when it does not exist (or vanished meanwhile). */
  const inspect = (file: string) =>
    Effect.gen(function*() {
      const info = yield* fs.stat(file)
      const content = yield* fs.readFileString(file)
      return Option.some<Seen>({ content, ino: info.ino, mtime: Option.getOrUndefined(info.mtime)?.getTime() })
    }).pipe(Effect.catchIf(missing, () => Effect.succeedNone), Effect.mapError(failed(`reading ${file}`)))

  const sameIno = Option.getEquivalence(Equivalence.number)
  const sameFile = (a: Seen, b: Seen) => a.content === b.content && sameIno(a.ino, b.ino) && a.mtime === b.mtime

  /** Creates `file` exclusively: its nonce, or `None` when it exists. Never interrupted between create and record. */
  const create = (file: string, now: number) =>
    Effect.suspend(() => {
      const nonce = randomUUID()
      const owner: Owner = { pid: process.pid, host: hostname(), ts: new Date(now).toISOString(), nonce }
      // Known as ours before the file exists, so another fiber of this process never takes it for a leftover.
      held.add(nonce)
      return fs.writeFileString(file, `${JSON.stringify(owner)}\n`, { flag: "wx", mode: 0o600 }).pipe(
        Effect.as(Option.some(nonce)),
        Effect.catchIf(exists, () => Effect.succeedNone),
        Effect.tapError(() => fs.remove(file).pipe(Effect.ignore)),
        Effect.mapError(failed(`creating ${file}`)),
        Effect.onExit((exit) =>
          Exit.isSuccess(exit) && Option.isSome(exit.value) ? Effect.void : Effect.sync(() => held.delete(nonce))
        )
      )
    }).pipe(Effect.uninterruptible)

  /** Removes `file` if it still holds our nonce. */
  const release = (file: string, nonce: string) =>
    inspect(file).pipe(
      Effect.flatMap((seen) =>
        Option.exists(seen, (s) => Option.exists(parseOwner(s.content), (o) => o.nonce === nonce))
          ? fs.remove(file).pipe(Effect.mapError(failed(`removing ${file}`)))
          : Effect.void
      ),
      Effect.catchAll((e) => Effect.logWarning(e.message)),
      Effect.ensuring(Effect.sync(() => held.delete(nonce)))
    )

  /** Moves `file` aside and removes it if it is the one seen; puts back a file that changed meanwhile. */
  const removeIfSame = (file: string, seen: Seen, why: string) =>
    Effect.gen(function*() {
      const aside = `${file}.stale-${randomUUID()}`
      const moved = yield* fs.rename(file, aside).pipe(
        Effect.as(true),
        Effect.catchIf(missing, () => Effect.succeed(false))
      )
      if (!moved) return
      const got = yield* inspect(aside)
      if (Option.exists(got, (g) => sameFile(g, seen))) {
        yield* Effect.logWarning(`audit log lock: removed stale ${file} (${why}): ${seen.content.trim()}`)
      } else {
        yield* fs.link(aside, file).pipe(Effect.catchIf(exists, () => Effect.void))
      }
      yield* fs.remove(aside)
    }).pipe(Effect.mapError((e) => e._tag === "AuditUnavailable" ? e : failed(`breaking stale ${file}`)(e)))

  /** Breaks the stale lock if it is still the one seen, holding `<lock>.break`; false when another breaker is busy. */
  const breakStale = (seen: Seen, why: string, now: number) =>
    Effect.gen(function*() {
      const turn = yield* create(breakPath, now)
      if (Option.isNone(turn)) {
        const other = yield* inspect(breakPath)
        if (Option.isNone(other)) return true
        const dead = staleness(parseOwner(other.value.content), other.value.mtime, now, options.staleMs)
        if (Option.isSome(dead)) yield* removeIfSame(breakPath, other.value, dead.value)
        return Option.isSome(dead)
      }
      return yield* inspect(lockPath).pipe(
        Effect.flatMap((again) =>
          Option.exists(again, (a) => sameFile(a, seen)) ? removeIfSame(lockPath, seen, why) : Effect.void
        ),
        Effect.as(true),
        Effect.ensuring(release(breakPath, turn.value))
      )
    })

  const acquire = (restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const deadline = (yield* Clock.currentTimeMillis) + options.timeoutMs
      let delay = 2
      let last = Option.none<Seen>()
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const got = yield* create(lockPath, now)
        if (Option.isSome(got)) return got.value
        last = yield* inspect(lockPath)
        if (Option.isNone(last)) continue
        const why = staleness(parseOwner(last.value.content), last.value.mtime, now, options.staleMs)
        if (Option.isSome(why) && (yield* breakStale(last.value, why.value, now))) continue
        if (now >= deadline) break
        const jitter = yield* Random.nextIntBetween(0, delay)
        yield* restore(Effect.sleep(Duration.millis(delay + jitter)))
        delay = Math.min(delay * 2, 25)
      }
      const holder = Option.match(last, { onNone: () => "", onSome: (s) => `: ${s.content.trim()}` })
      return yield* unavailable(
        `held by another process for over ${options.timeoutMs / 1000} s${holder}. If no other homelab-mcp is ` +
          "running on this data directory, delete the lock file"
      )
    })

  /** Runs `use` holding the lock; waiting is interruptible, and the lock is released however `use` ends. */
  const withLock = <A, E, R>(use: Effect.Effect<A, E, R>): Effect.Effect<A, E | AuditUnavailable, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(acquire(restore), (nonce) => restore(use).pipe(Effect.ensuring(release(lockPath, nonce))))
    )

  return { lockPath, withLock }
}
