import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import type { Scope } from "effect"
import { Clock, Duration, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import type { BackupUnavailable } from "../../domain/Errors.js"
import { unavailable } from "./DurableWrite.js"

export interface LockOptions {
  /** How long to wait for a lock held by a live process before giving up. */
  readonly timeoutMs: number
  /** How often to look again while waiting. */
  readonly pollMs: number
}

export const defaultLockOptions: LockOptions = { timeoutMs: 10_000, pollMs: 50 }

/** Locks this process holds or is taking, by path: a lock file with our pid that is not counted here is a leftover. */
const ours = new Map<string, number>()
const count = (path: string, delta: number) => ours.set(path, (ours.get(path) ?? 0) + delta)

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { readonly code?: string }).code !== "ESRCH"
  }
}

type Seen =
  | { readonly state: "free" }
  | { readonly state: "stale"; readonly text: string; readonly why: string }
  | { readonly state: "live"; readonly text: string }

/**
 * Cross-process lock files in `<store>/locks/<name>.lock`, created exclusively and holding `pid\nhostname\n`. A lock
 * whose process is gone from this host is stale and is taken over: moved aside, checked to still be the file judged
 * stale (else put back), then removed. Waiting polls on the Effect clock, so tests drive it with the TestClock.
 */
export const makeLocks = (fs: FileSystem.FileSystem, storeDir: string, options: LockOptions) => {
  const lockDir = `${storeDir}/locks`
  const pathOf = (name: string) => `${lockDir}/${name}.lock`
  const content = () => `${process.pid}\n${hostname()}\n`
  const missing = (e: PlatformError) => e._tag === "SystemError" && e.reason === "NotFound"
  const exists = (e: PlatformError) => e._tag === "SystemError" && e.reason === "AlreadyExists"

  const judge = (path: string, text: string, ageMs: number): Seen => {
    const [pid, host] = text.split("\n")
    const n = Number(pid)
    if (!Number.isSafeInteger(n) || n <= 0 || host === undefined || host === "") {
      // A writer may be between creating the file and filling it: only an old unreadable lock is stale.
      return ageMs > options.timeoutMs / 2
        ? { state: "stale", text, why: "unreadable and old" }
        : { state: "live", text }
    }
    if (host !== hostname()) return { state: "live", text }
    if (n === process.pid) {
      return (ours.get(path) ?? 0) > 0
        ? { state: "live", text }
        : { state: "stale", text, why: "left by this process earlier" }
    }
    return isAlive(n) ? { state: "live", text } : { state: "stale", text, why: `process ${n} is not running` }
  }

  const inspect = (path: string): Effect.Effect<Seen> =>
    Effect.gen(function*() {
      const info = yield* fs.stat(path)
      const text = yield* fs.readFileString(path)
      const mtime = info.mtime._tag === "Some" ? info.mtime.value.getTime() : Date.now()
      return judge(path, text, Date.now() - mtime)
    }).pipe(Effect.catchAll((e) => Effect.succeed<Seen>(missing(e) ? { state: "free" } : { state: "live", text: "" })))

  /** Creates the lock file; false when it exists. Whatever fails after the create removes the file again. */
  const create = (path: string) =>
    Effect.scoped(
      Effect.flatMap(fs.open(path, { flag: "wx", mode: 0o600 }), (file) =>
        file.writeAll(new TextEncoder().encode(content())).pipe(
          Effect.tapError(() =>
            fs.remove(path).pipe(Effect.ignore)
          ),
          Effect.as(true)
        ))
    ).pipe(
      Effect.catchIf(exists, () => Effect.succeed(false)),
      Effect.mapError((e) => unavailable(storeDir, `creating the lock ${path}`, e))
    )

  /** Moves a stale lock aside and removes it, unless it changed since it was judged (then it is put back). */
  const breakStale = (path: string, seen: { readonly text: string; readonly why: string }) =>
    Effect.gen(function*() {
      const aside = `${path}.stale-${randomBytes(6).toString("hex")}`
      const moved = yield* fs.rename(path, aside).pipe(
        Effect.as(true),
        Effect.catchIf(missing, () => Effect.succeed(false))
      )
      if (!moved) return
      const now = yield* fs.readFileString(aside).pipe(Effect.orElseSucceed(() => ""))
      if (now !== seen.text || (ours.get(path) ?? 0) > 0) {
        yield* fs.link(aside, path).pipe(Effect.catchIf(exists, () => Effect.void))
      } else {
        yield* Effect.logWarning(`backup store: took over stale lock ${path} (${seen.why})`)
      }
      yield* fs.remove(aside)
    }).pipe(Effect.mapError((e) => unavailable(storeDir, `taking over the stale lock ${path}`, e)))

  const release = (path: string) =>
    fs.remove(path).pipe(
      Effect.catchAll((e) => Effect.logWarning(`backup store: lock ${path} not removed: ${e.message}`)),
      Effect.ensuring(Effect.sync(() => count(path, -1)))
    )

  const take = (path: string, busy: string) =>
    Effect.gen(function*() {
      yield* fs.makeDirectory(lockDir, { recursive: true, mode: 0o700 }).pipe(
        Effect.mapError((e) => unavailable(storeDir, `creating ${lockDir}`, e))
      )
      const deadline = (yield* Clock.currentTimeMillis) + options.timeoutMs
      while (true) {
        count(path, 1)
        const got = yield* create(path).pipe(Effect.tapError(() => Effect.sync(() => count(path, -1))))
        if (got) return
        count(path, -1)
        const seen = yield* inspect(path)
        if (seen.state === "stale") yield* breakStale(path, seen)
        if (seen.state !== "live") continue
        if ((yield* Clock.currentTimeMillis) >= deadline) {
          const holder = seen.text.trim().replace(/\n/g, " on ")
          return yield* unavailable(storeDir, `${busy}${holder === "" ? "" : ` (lock ${path} held by pid ${holder})`}`)
        }
        yield* Effect.interruptible(Effect.sleep(Duration.millis(options.pollMs)))
      }
    })

  /**
   * Holds the lock `name` for the scope; `busy` says what another process is doing when it cannot be had. Taking it
   * is uninterruptible except while waiting.
   */
  const acquire = (name: string, busy: string): Effect.Effect<void, BackupUnavailable, Scope.Scope> =>
    Effect.acquireRelease(take(pathOf(name), busy), () => release(pathOf(name)))

  /** Whether a live process (this one included) holds the lock `name`. */
  const isHeld = (name: string) => Effect.map(inspect(pathOf(name)), (s) => s.state === "live")

  return { acquire, isHeld, pathOf }
}
