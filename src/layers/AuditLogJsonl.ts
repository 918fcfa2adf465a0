import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { dirname } from "node:path"
import { checkAnchor } from "../domain/audit/HeadAnchor.js"
import { verifyText } from "../domain/AuditChain.js"
import { AuditUnavailable } from "../domain/Errors.js"
import { redactText, redactValue } from "../domain/Redact.js"
import type { Tier } from "../domain/Tier.js"
import { AppConfig } from "../services/AppConfig.js"
import type { AuditHandle, AuditIntent, AuditLogShape, AuditOutcome, AuditQuery } from "../services/AuditLog.js"
import { AuditLog } from "../services/AuditLog.js"
import { anchorPathOf, readAnchor, writeAnchor } from "./audit/AnchorFile.js"
import type { Fields } from "./audit/Appender.js"
import { makeAppender } from "./audit/Appender.js"
import type { FileLockOptions } from "./audit/FileLock.js"
import { defaultLockOptions, makeFileLock } from "./audit/FileLock.js"
import { DEFAULT_QUERY_MAX_BYTES, readTail, runQuery } from "./audit/Query.js"

interface Head {
  readonly seq: number
  readonly hash: string
  /** Size and mtime of the file after our last record; any difference means someone else changed it. */
  readonly size: number
  readonly mtime: number | undefined
}

export interface AuditLogOptions {
  readonly lock?: Partial<FileLockOptions>
  /** `query` reads at most this many bytes from the end of the log (default 64 MiB). */
  readonly queryMaxBytes?: number
}

const statOf = (info: FileSystem.File.Info) => ({
  size: Number(info.size),
  mtime: Option.getOrUndefined(info.mtime)?.getTime()
})

/**
 * The audit log as an append-only JSONL file: one hash-chained record per line, one `write` per record on an
 * `O_APPEND` descriptor, then `fsync`. Appends from several processes are serialised by the lock file `<log>.lock`
 * (held from reading the head to the `fsync`), and each append then rewrites the head anchor `<log>.head`. Nothing
 * touches the disk until the first use.
 */
export const makeAuditLogJsonl = (
  path: string,
  extraKeys: ReadonlyArray<string> = [],
  options: AuditLogOptions = {}
): Effect.Effect<AuditLogShape, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const semaphore = yield* Effect.makeSemaphore(1)
    const state = yield* Ref.make(Option.none<Head>())
    const dir = dirname(path)
    const anchorPath = anchorPathOf(path)
    const fileLock = makeFileLock(fs, `${path}.lock`, { ...defaultLockOptions, ...options.lock })
    const { fail, loadHead, syncDir, writeRecord } = makeAppender(fs, path)

    const notRegular = (type: string) =>
      new AuditUnavailable({ message: `audit log ${path} is a ${type}, not a regular file; refusing to use it` })

    /** Opens the log for reading; `None` when it does not exist. Only a regular file (never a device) is read. */
    const openForRead = Effect.gen(function*() {
      const file = yield* fs.open(path, { flag: "r" })
      const info = yield* file.stat
      if (info.type !== "File") return yield* notRegular(info.type)
      return Option.some({ file, size: Number(info.size) })
    }).pipe(
      Effect.catchTag("SystemError", (e) => e.reason === "NotFound" ? Effect.succeedNone : Effect.fail(e)),
      Effect.mapError((e) => e._tag === "AuditUnavailable" ? e : fail("read")(e))
    )

    const appendLocked = (tier: Tier, fields: Fields) =>
      Effect.gen(function*() {
        const file = yield* fs.open(path, { flag: "a", mode: 0o600 }).pipe(Effect.mapError(fail("open")))
        const info = yield* file.stat.pipe(Effect.mapError(fail("stat")))
        if (info.type !== "File") return yield* notRegular(info.type)
        const now = statOf(info)
        const cached = Option.filter(yield* Ref.get(state), (h) => h.size === now.size && h.mtime === now.mtime)
        const head = Option.isSome(cached) ? cached.value : yield* loadHead(file, tier)
        const { hash, seq } = yield* writeRecord(file, head, fields)
        if (now.size === 0) yield* syncDir(dir)
        yield* writeAnchor(fs, anchorPath, { seq, hash }).pipe(
          Effect.catchAll((e) => Effect.logWarning(`audit log ${path}: head anchor not updated: ${e.message}`))
        )
        const after = statOf(yield* file.stat.pipe(Effect.mapError(fail("stat"))))
        yield* Ref.set(state, Option.some({ seq, hash, ...after }))
        return seq
      }).pipe(Effect.scoped, Effect.uninterruptible)

    const append = (tier: Tier, fields: Fields) =>
      fs.makeDirectory(dir, { recursive: true, mode: 0o700 }).pipe(
        Effect.mapError(fail("creating the directory")),
        Effect.zipRight(fileLock.withLock(appendLocked(tier, fields))),
        // A failed append never advances the head: the next one re-reads (and re-verifies) the file.
        Effect.tapError(() => Ref.set(state, Option.none())),
        semaphore.withPermits(1)
      )

    const intent = (i: AuditIntent) =>
      Effect.gen(function*() {
        const id = i.id ?? randomUUID()
        const { host, isLargeChange, path: target, rootTier, tier, tool, vmid, write } = i
        const args = i.args === undefined ? undefined : redactValue(i.args, extraKeys).value
        const note = i.note === undefined ? undefined : redactText(i.note, extraKeys).text
        const optional = {
          host,
          vmid,
          path: target,
          args,
          note,
          isLargeChange,
          rootTier,
          pid: process.pid,
          pidHost: hostname(),
          write
        }
        const seq = yield* append(tier, (seq, ts, prevHash) => ({
          seq,
          ts,
          kind: "intent",
          id,
          tool,
          tier,
          prevHash,
          ...optional
        }))
        return { id, seq, tool, tier } satisfies AuditHandle
      })

    const outcome = ({ id, seq: intentSeq, tier, tool }: AuditHandle, o: AuditOutcome) => {
      const optional = {
        intentSeq,
        outcome: o.outcome,
        error: o.error === undefined
          ? undefined
          : { code: o.error.code, message: redactText(o.error.message, extraKeys).text },
        result: o.result === undefined ? undefined : redactValue(o.result, extraKeys).value,
        note: o.note === undefined ? undefined : redactText(o.note, extraKeys).text,
        durationMs: o.durationMs
      }
      return append(tier, (seq, ts, prevHash) => ({ seq, ts, kind: "outcome", id, tool, tier, prevHash, ...optional }))
        .pipe(Effect.asVoid)
    }

    const maxBytes = options.queryMaxBytes ?? DEFAULT_QUERY_MAX_BYTES
    const query = (q: AuditQuery) =>
      Effect.gen(function*() {
        const opened = yield* openForRead
        const tail = yield* Effect.transposeOption(
          Option.map(opened, ({ file, size }) => readTail(file, size, maxBytes).pipe(Effect.mapError(fail("read"))))
        )
        const result = runQuery(tail, q)
        if (Option.exists(tail, (t) => t.skippedBytes > 0)) {
          yield* Effect.logWarning(`audit log ${path}: query read only the newest ${maxBytes} bytes of the log`)
        }
        if ((result.skippedLines ?? 0) > 0) {
          yield* Effect.logWarning(
            `audit log ${path}: ${result.skippedLines} corrupt line(s) skipped; run \`homelab-mcp verify\``
          )
        }
        return result
      }).pipe(Effect.scoped)

    // The anchor is read before the log: it is written after the log, so the log read is never behind it.
    const verify = Effect.gen(function*() {
      const anchor = yield* readAnchor(fs, anchorPath)
      const opened = yield* openForRead
      const whole = yield* Effect.transposeOption(
        Option.map(opened, ({ file, size }) => readTail(file, size, size).pipe(Effect.mapError(fail("read"))))
      )
      const report = verifyText(Option.match(whole, { onNone: () => "", onSome: (t) => t.text }))
      const check = checkAnchor(anchor, report)
      return {
        path,
        records: report.records.length,
        ok: report.problems.length === 0 && check.errors.length === 0,
        problems: [...report.problems, ...check.errors, ...check.warnings]
      }
    }).pipe(Effect.scoped, semaphore.withPermits(1))

    const pending = Effect.gen(function*() {
      const opened = yield* openForRead
      const whole = yield* Effect.transposeOption(
        Option.map(opened, ({ file, size }) => readTail(file, size, size).pipe(Effect.mapError(fail("read"))))
      )
      const records = verifyText(Option.match(whole, { onNone: () => "", onSome: (t) => t.text })).records
      const closed = new Set(records.filter((r) => r.kind === "outcome").map((r) => r.id))
      return records.filter((r) => r.kind === "intent" && !closed.has(r.id))
    }).pipe(Effect.scoped, semaphore.withPermits(1))

    return AuditLog.of({ path, intent, outcome, query, verify, pending })
  })

export const AuditLogJsonl: Layer.Layer<AuditLog, never, AppConfig | FileSystem.FileSystem> = Layer.effect(
  AuditLog,
  Effect.flatMap(AppConfig, (config) => makeAuditLogJsonl(config.auditLogPath))
)
