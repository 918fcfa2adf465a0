import { Either, Option, ParseResult, Schema } from "effect"
import type { ChainProblem, ChainReport } from "../AuditChain.js"

/**
 * The head anchor (`<log>.head`): the seq and hash of the newest record, rewritten atomically after every append.
 * The log must always reach at least that far: deleting lines from the end of the log leaves the anchor ahead of it.
 * A crash between the log's `fsync` and the anchor's rename leaves the anchor one append behind, which is fine.
 */
export const HeadAnchor = Schema.Struct({
  seq: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  hash: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
})
export type HeadAnchor = typeof HeadAnchor.Type

/** Problems about the anchor carry line 0: they concern the anchor file, or the end of the log, not one line. */
export const ANCHOR_LINE = 0

/** The anchor as it is found on disk: absent, unreadable (with why), or a decoded anchor. */
export type AnchorState = Option.Option<Either.Either<HeadAnchor, string>>

export const encodeAnchor = (anchor: HeadAnchor): string =>
  `${JSON.stringify({ seq: anchor.seq, hash: anchor.hash })}\n`

const decode = Schema.decodeUnknownEither(HeadAnchor)

export const parseAnchor = (text: string): Either.Either<HeadAnchor, string> => {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return Either.left("not valid JSON")
  }
  return Either.mapLeft(decode(raw), (e) => ParseResult.TreeFormatter.formatErrorSync(e).replace(/\s+/g, " "))
}

export interface AnchorCheck {
  /** The log was cut short, rewritten, or the anchor itself is corrupt: verification fails, appends refuse. */
  readonly errors: ReadonlyArray<ChainProblem>
  /** Reported, but the log still verifies (a missing anchor: a log older than anchors, or deleted by hand). */
  readonly warnings: ReadonlyArray<ChainProblem>
}

/** Compares the anchor with the records of the log (read after the anchor, so the log is never behind it). */
export const checkAnchor = (anchor: AnchorState, report: Pick<ChainReport, "records" | "lines">): AnchorCheck => {
  const none: AnchorCheck = { errors: [], warnings: [] }
  if (Option.isNone(anchor)) {
    return report.records.length === 0 ? none : {
      errors: [],
      warnings: [{
        line: ANCHOR_LINE,
        reason: "warning: head anchor missing, so records cut from the end of the log cannot be detected; the " +
          "next append recreates it"
      }]
    }
  }
  if (Either.isLeft(anchor.value)) {
    return { errors: [{ line: ANCHOR_LINE, reason: `head anchor unreadable: ${anchor.value.left}` }], warnings: [] }
  }
  const { hash, seq } = anchor.value.right
  if (seq === 0) return none
  const last = report.records.at(-1)?.seq ?? 0
  if (seq > last) {
    return {
      errors: [{
        line: ANCHOR_LINE,
        seq,
        reason: `head anchor is at seq ${seq} but the log ends at seq ${last}: records were removed from the end`
      }],
      warnings: []
    }
  }
  let index = -1
  report.records.forEach((r, i) => {
    if (r.seq === seq) index = i
  })
  const record = report.records[index]
  if (record === undefined) {
    return {
      errors: [{ line: ANCHOR_LINE, seq, reason: `head anchor names seq ${seq}, which the log lacks` }],
      warnings: []
    }
  }
  return record.hash === hash ? none : {
    errors: [{
      line: report.lines[index] ?? ANCHOR_LINE,
      seq,
      reason: "the record's hash differs from the head anchor (the log was rewritten)"
    }],
    warnings: []
  }
}
