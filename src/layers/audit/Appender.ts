import type { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { randomUUID } from "node:crypto"
import { dirname } from "node:path"
import { checkAnchor } from "../../domain/audit/HeadAnchor.js"
import type { TornTail } from "../../domain/audit/TornTail.js"
import { findTornTail } from "../../domain/audit/TornTail.js"
import type { ChainProblem, ChainReport } from "../../domain/AuditChain.js"
import { hashRecord, verifyText } from "../../domain/AuditChain.js"
import { AuditUnavailable } from "../../domain/Errors.js"
import type { Tier } from "../../domain/Tier.js"
import { anchorPathOf, readAnchor } from "./AnchorFile.js"

/** The tool name of the intent/outcome pair that records the recovery of a torn tail. */
export const RECOVERY_TOOL = "audit_recovery"

export interface ChainHead {
  readonly seq: number
  readonly hash: string
}

export type Fields = (seq: number, ts: string, prevHash: string) => Record<string, unknown>

/** Plain JSON for the record: bigints become strings; `undefined` fields vanish. */
const jsonSafe = (_key: string, value: unknown): unknown => typeof value === "bigint" ? value.toString() : value

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Writing records to the open log, and finding (or restoring) where the chain continues. Used under the lock. */
export const makeAppender = (fs: FileSystem.FileSystem, path: string) => {
  const fail = (what: string) => (e: { readonly message: string }) =>
    new AuditUnavailable({ message: `audit log ${path}: ${what} failed: ${e.message}` })

  const damaged = (p: ChainProblem | undefined) => {
    const anchor = p === undefined || p.line === 0
    return new AuditUnavailable({
      message:
        `audit log ${path} is damaged (${anchor ? "" : `line ${p.line}: `}${p?.reason ?? "unknown"}); refusing ` +
        "to append, so no mutation can run. Run `homelab-mcp verify` and repair or move the file aside" +
        (anchor ? ` (or, once the change is understood, delete ${anchorPathOf(path)}).` : ".")
    })
  }

  const syncDir = (dir: string) =>
    Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (d) => d.sync)).pipe(Effect.ignore)

  /** One record: one `write` on the `O_APPEND` descriptor, then `fsync`. */
  const writeRecord = (file: FileSystem.File, head: ChainHead, fields: Fields) =>
    Effect.gen(function*() {
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
      return { seq, hash } satisfies ChainHead
    })

  /** Moves the torn bytes to `<log>.torn-<ts>`, cuts the log back, and records that as an audit_recovery pair. */
  const recover = (file: FileSystem.File, bytes: Uint8Array, torn: TornTail, tier: Tier) =>
    Effect.gen(function*() {
      const stamp = new Date(yield* Clock.currentTimeMillis).toISOString().replace(/[:.]/g, "-")
      const quarantine = `${path}.torn-${stamp}-${randomUUID().slice(0, 8)}`
      yield* Effect.scoped(Effect.gen(function*() {
        const out = yield* fs.open(quarantine, { flag: "wx", mode: 0o600 })
        yield* out.writeAll(bytes.subarray(torn.goodEnd))
        yield* out.sync
      })).pipe(Effect.mapError(fail(`moving the torn tail to ${quarantine}`)))
      yield* syncDir(dirname(path))
      yield* file.truncate(torn.goodEnd).pipe(
        Effect.zipRight(file.sync),
        Effect.mapError(fail("truncating the torn tail"))
      )
      const id = randomUUID()
      const cut = torn.kept.head
      const note = `torn last line (line ${torn.line}, ${torn.bytes} bytes, never completed) moved to ${quarantine}; ` +
        `the log was cut back to seq ${cut.seq}`
      const intent = yield* writeRecord(file, cut, (seq, ts, prevHash) => ({
        seq,
        ts,
        kind: "intent",
        id,
        tool: RECOVERY_TOOL,
        tier,
        prevHash,
        args: { quarantinedTo: quarantine, bytes: torn.bytes, line: torn.line },
        note
      }))
      const after = yield* writeRecord(file, intent, (seq, ts, prevHash) => ({
        seq,
        ts,
        kind: "outcome",
        id,
        tool: RECOVERY_TOOL,
        tier,
        prevHash,
        intentSeq: intent.seq,
        outcome: "ok",
        durationMs: 0
      }))
      yield* Effect.logWarning(`audit log ${path}: ${note}`)
      return after
    })

  /**
   * Reads and verifies the whole log, and the head anchor, to find where the chain continues. A torn final line, when
   * it is the only damage, is recovered; any other damage refuses.
   */
  const loadHead = (file: FileSystem.File, tier: Tier): Effect.Effect<ChainHead, AuditUnavailable> =>
    Effect.gen(function*() {
      const anchor = yield* readAnchor(fs, anchorPathOf(path))
      const bytes = yield* fs.readFile(path).pipe(Effect.mapError(fail("read")))
      const anchored = (report: ChainReport) => {
        const check = checkAnchor(anchor, report)
        return check.errors.length === 0 ? Effect.void : Effect.fail(damaged(check.errors[0]))
      }
      const report = verifyText(decoder.decode(bytes))
      if (report.intact) return yield* Effect.as(anchored(report), report.head)
      const torn = findTornTail(bytes)
      if (Option.isNone(torn)) return yield* damaged(report.problems[0])
      yield* anchored(torn.value.kept)
      return yield* recover(file, bytes, torn.value, tier)
    })

  return { fail, syncDir, writeRecord, loadHead }
}
