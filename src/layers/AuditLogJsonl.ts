import { FileSystem } from "@effect/platform"
import { Clock, Effect, Either, Layer, Option, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { dirname } from "node:path"
import type { AuditEntry, AuditRecord } from "../domain/Audit.js"
import { GENESIS_HASH } from "../domain/Audit.js"
import { countBy, hashRecord, joinEntries, parseLine, verifyText } from "../domain/AuditChain.js"
import { AuditUnavailable } from "../domain/Errors.js"
import { redactText, redactValue } from "../domain/Redact.js"
import { AppConfig } from "../services/AppConfig.js"
import type { AuditHandle, AuditIntent, AuditLogShape, AuditOutcome, AuditQuery } from "../services/AuditLog.js"
import { AuditLog } from "../services/AuditLog.js"

interface Head {
  readonly seq: number
  readonly hash: string
  /** Byte size of the file after the last record we know of; a different size means someone else wrote. */
  readonly size: number
}

type Fields = (seq: number, ts: string, prevHash: string) => Record<string, unknown>

/** Plain JSON for the record: bigints become strings; `undefined` fields vanish. */
const jsonSafe = (_key: string, value: unknown): unknown => typeof value === "bigint" ? value.toString() : value

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** All filters AND together; since/until compare instants (an unparseable `ts` never matches a time bound). */
const matches = (q: AuditQuery) => (e: AuditEntry): boolean => {
  const t = Date.parse(e.ts)
  const text = q.text?.toLowerCase()
  return (q.tool === undefined || e.tool === q.tool) &&
    (q.vmid === undefined || e.vmid === q.vmid) &&
    (q.pathContains === undefined || (e.path ?? "").includes(q.pathContains)) &&
    (q.since === undefined || t >= q.since.getTime()) &&
    (q.until === undefined || t <= q.until.getTime()) &&
    (q.outcome === undefined || e.outcome === q.outcome) &&
    (q.largeOnly !== true || e.isLargeChange === true) &&
    (text === undefined ||
      [e.tool, JSON.stringify(e.args ?? null), e.note ?? "", e.path ?? "", e.error?.message ?? ""]
        .some((s) => s.toLowerCase().includes(text)))
}

/**
 * The audit log as an append-only JSONL file: one hash-chained record per line, one `write` per record on an
 * `O_APPEND` descriptor, then `fsync`. Nothing touches the disk until the first use.
 */
export const makeAuditLogJsonl = (
  path: string,
  extraKeys: ReadonlyArray<string> = []
): Effect.Effect<AuditLogShape, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const lock = yield* Effect.makeSemaphore(1)
    const state = yield* Ref.make(Option.none<Head>())
    const dir = dirname(path)
    const fail = (what: string) => (e: { readonly message: string }) =>
      new AuditUnavailable({ message: `audit log ${path}: ${what} failed: ${e.message}` })

    const notRegular = (type: string) =>
      new AuditUnavailable({ message: `audit log ${path} is a ${type}, not a regular file; refusing to use it` })

    // Only a regular file is read (a device such as /dev/full or /dev/zero would never end).
    const readText: Effect.Effect<Option.Option<{ text: string; size: number }>, AuditUnavailable> = Effect.gen(
      function*() {
        const info = yield* fs.stat(path)
        if (info.type !== "File") return yield* notRegular(info.type)
        const bytes = yield* fs.readFile(path)
        return Option.some({ text: decoder.decode(bytes), size: bytes.length })
      }
    ).pipe(
      Effect.catchTag("SystemError", (e) => e.reason === "NotFound" ? Effect.succeedNone : Effect.fail(e)),
      Effect.mapError((e) => e._tag === "AuditUnavailable" ? e : fail("read")(e))
    )

    const loadHead = readText.pipe(Effect.flatMap(Option.match({
      onNone: () => Effect.succeed<Head>({ seq: 0, hash: GENESIS_HASH, size: 0 }),
      onSome: ({ size, text }) => {
        const report = verifyText(text)
        const first = report.problems[0]
        return report.intact || first === undefined
          ? Effect.succeed<Head>({ ...report.head, size })
          : Effect.fail(
            new AuditUnavailable({
              message: `audit log ${path} is damaged (line ${first.line}: ${first.reason}); refusing to append, so ` +
                "no mutation can run. Run `homelab-mcp verify` and repair or move the file aside."
            })
          )
      }
    })))

    const syncDir = Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (d) => d.sync)).pipe(Effect.ignore)

    const append = (fields: Fields) =>
      Effect.gen(function*() {
        yield* fs.makeDirectory(dir, { recursive: true, mode: 0o700 }).pipe(
          Effect.mapError(fail("creating the directory"))
        )
        const file = yield* fs.open(path, { flag: "a", mode: 0o600 }).pipe(Effect.mapError(fail("open")))
        const info = yield* file.stat.pipe(Effect.mapError(fail("stat")))
        if (info.type !== "File") return yield* notRegular(info.type)
        const size = Number(info.size)
        const cached = Option.filter(yield* Ref.get(state), (h) => h.size === size)
        const head = Option.isSome(cached) ? cached.value : yield* loadHead
        const seq = head.seq + 1
        const ts = new Date(yield* Clock.currentTimeMillis).toISOString()
        const body = yield* Effect.try({
          try: () => JSON.parse(JSON.stringify(fields(seq, ts, head.hash), jsonSafe)) as Record<string, unknown>,
          catch: (e) => fail("serialising the record")({ message: String(e) })
        })
        const hash = hashRecord(body, head.hash)
        const bytes = encoder.encode(`${JSON.stringify({ ...body, hash })}\n`)
        const written = Number(yield* file.write(bytes).pipe(Effect.mapError(fail("write"))))
        if (written !== bytes.length) {
          return yield* fail("write")({ message: `short write, ${written} of ${bytes.length} bytes` })
        }
        yield* file.sync.pipe(Effect.mapError(fail("fsync")))
        if (head.size === 0) yield* syncDir
        yield* Ref.set(state, Option.some({ seq, hash, size: head.size + bytes.length }))
        return seq
      }).pipe(
        Effect.scoped,
        // A failed append never advances the head: the next one re-reads (and re-verifies) the file.
        Effect.tapError(() => Ref.set(state, Option.none())),
        Effect.uninterruptible,
        lock.withPermits(1)
      )

    const intent = (i: AuditIntent) =>
      Effect.gen(function*() {
        const id = randomUUID()
        const { host, isLargeChange, path: target, rootTier, tier, tool, vmid } = i
        const args = i.args === undefined ? undefined : redactValue(i.args, extraKeys).value
        const note = i.note === undefined ? undefined : redactText(i.note, extraKeys).text
        const optional = { host, vmid, path: target, args, note, isLargeChange, rootTier }
        const seq = yield* append((seq, ts, prevHash) => ({
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
      return append((seq, ts, prevHash) => ({ seq, ts, kind: "outcome", id, tool, tier, prevHash, ...optional })).pipe(
        Effect.asVoid
      )
    }

    const query = (q: AuditQuery) =>
      Effect.gen(function*() {
        const text = Option.match(yield* readText, { onNone: () => "", onSome: (t) => t.text })
        const records: Array<AuditRecord> = []
        let skipped = 0
        for (const line of text.split("\n")) {
          if (line.trim() === "") continue
          const parsed = parseLine(line)
          if (Either.isRight(parsed)) records.push(parsed.right.record)
          else skipped++
        }
        if (skipped > 0) {
          yield* Effect.logWarning(`audit log ${path}: ${skipped} corrupt line(s) skipped; run \`homelab-mcp verify\``)
        }
        const filtered = joinEntries(records).filter(matches(q))
        const newest = [...filtered].sort((a, b) => b.seq - a.seq)
        return {
          summary: {
            total: filtered.length,
            byTool: countBy(filtered, (e) => e.tool),
            byVmid: countBy(filtered, (e) => (e.vmid === undefined ? undefined : String(e.vmid))),
            byOutcome: countBy(filtered, (e) => e.outcome),
            firstTs: newest.at(-1)?.ts ?? null,
            lastTs: newest[0]?.ts ?? null
          },
          entries: newest.slice(0, Math.max(0, q.limit)),
          truncated: newest.length > q.limit
        }
      })

    const verify = readText.pipe(
      Effect.map(Option.match({
        onNone: () => ({ path, records: 0, ok: true, problems: [] }),
        onSome: ({ text }) => {
          const report = verifyText(text)
          return { path, records: report.records.length, ok: report.problems.length === 0, problems: report.problems }
        }
      })),
      lock.withPermits(1)
    )

    return AuditLog.of({ path, intent, outcome, query, verify })
  })

export const AuditLogJsonl: Layer.Layer<AuditLog, never, AppConfig | FileSystem.FileSystem> = Layer.effect(
  AuditLog,
  Effect.flatMap(AppConfig, (config) => makeAuditLogJsonl(config.auditLogPath))
)
