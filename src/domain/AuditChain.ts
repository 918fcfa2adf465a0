import { Either, ParseResult, Schema } from "effect"
import { createHash } from "node:crypto"
import type { AuditEntry } from "./Audit.js"
import { AuditRecord, GENESIS_HASH } from "./Audit.js"

/** A problem found in the audit log; `line` is 1-based. Same shape as the `AuditProblem` of the port. */
export interface ChainProblem {
  readonly line: number
  readonly seq?: number
  readonly reason: string
}

export interface ChainReport {
  /** Every line that decoded as an `AuditRecord`, in file order. */
  readonly records: ReadonlyArray<AuditRecord>
  /** The 1-based line of each record, parallel to `records`. */
  readonly lines: ReadonlyArray<number>
  /** The first chain break first, then every other problem in line order. */
  readonly problems: ReadonlyArray<ChainProblem>
  /** True when the hash chain (parse, seq, prevHash, hash, trailing newline) holds to the last line. */
  readonly intact: boolean
  /** The last record's seq and hash: where the next append continues (seq 0 and genesis for an empty log). */
  readonly head: { readonly seq: number; readonly hash: string }
}

/** Canonical JSON: object keys sorted, `undefined` (and functions) dropped as `JSON.stringify` drops them. */
export const canonicalJson = (value: unknown): string => {
  const enc = (v: unknown): string | undefined => {
    const j = v !== null && typeof v === "object" && "toJSON" in v && typeof v.toJSON === "function" ? v.toJSON() : v
    if (j === undefined || typeof j === "function" || typeof j === "symbol") return undefined
    if (j === null || typeof j !== "object") return JSON.stringify(j)
    if (Array.isArray(j)) return `[${j.map((x) => enc(x) ?? "null").join(",")}]`
    const parts: Array<string> = []
    for (const key of Object.keys(j).sort()) {
      const inner = enc((j as Record<string, unknown>)[key])
      if (inner !== undefined) parts.push(`${JSON.stringify(key)}:${inner}`)
    }
    return `{${parts.join(",")}}`
  }
  return enc(value) ?? "null"
}

/** SHA-256 (hex) over `prevHash`, a newline, and the canonical JSON of the record without its `hash` field. */
export const hashRecord = (recordWithoutHash: Readonly<Record<string, unknown>>, prevHash: string): string => {
  const { hash: _ignored, ...rest } = recordWithoutHash
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(rest)).digest("hex")
}

const decodeRecord = Schema.decodeUnknownEither(AuditRecord)

export const parseLine = (
  text: string
): Either.Either<{ raw: Record<string, unknown>; record: AuditRecord }, string> => {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return Either.left("not valid JSON (corrupt or torn line)")
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return Either.left("not a JSON object")
  return decodeRecord(raw).pipe(
    Either.map((record) => ({ raw: raw as Record<string, unknown>, record })),
    Either.mapLeft((e) => `not an audit record: ${ParseResult.TreeFormatter.formatErrorSync(e).replace(/\s+/g, " ")}`)
  )
}

/**
 * Verify audit lines (line numbers are 1-based; empty lines are skipped): each line decodes, seq starts at 1 and
 * grows by 1, `prevHash` is the previous line's hash (genesis first), the hash recomputes, and every outcome follows
 * its intent (same id) with at most one outcome per intent. After a break the check resumes from the breaking
 * record, so one edit is reported once.
 */
export const verifyLines = (lines: ReadonlyArray<string>): ChainReport => {
  const records: Array<AuditRecord> = []
  const recordLines: Array<number> = []
  const chain: Array<ChainProblem> = []
  const other: Array<ChainProblem> = []
  const intents = new Map<string, AuditRecord>()
  const closed = new Set<string>()
  let head = { seq: 0, hash: GENESIS_HASH }
  lines.forEach((text, index) => {
    const line = index + 1
    if (text.trim() === "") return
    const parsed = parseLine(text)
    if (Either.isLeft(parsed)) {
      chain.push({ line, reason: parsed.left })
      return
    }
    const { raw, record } = parsed.right
    const seq = record.seq
    const reasons: Array<string> = []
    if (seq !== head.seq + 1) reasons.push(`seq ${seq} where ${head.seq + 1} was expected (lines missing or reordered)`)
    if (record.prevHash !== head.hash) reasons.push("prevHash does not match the previous record's hash")
    if (hashRecord(raw, record.prevHash) !== record.hash) reasons.push("hash does not match the content (edited)")
    if (reasons.length > 0) chain.push({ line, seq, reason: reasons.join("; ") })
    records.push(record)
    recordLines.push(line)
    head = { seq, hash: record.hash }
    if (record.kind === "intent") {
      if (intents.has(record.id)) other.push({ line, seq, reason: `a second intent with id ${record.id}` })
      else intents.set(record.id, record)
      return
    }
    const intent = intents.get(record.id)
    if (intent === undefined) other.push({ line, seq, reason: `outcome without an earlier intent (id ${record.id})` })
    else if (closed.has(record.id)) other.push({ line, seq, reason: `a second outcome for intent ${record.id}` })
    else if (record.intentSeq !== undefined && record.intentSeq !== intent.seq) {
      other.push({ line, seq, reason: `intentSeq ${record.intentSeq} but the intent has seq ${intent.seq}` })
    }
    closed.add(record.id)
  })
  const [first, ...restChain] = chain
  const rest = [...restChain, ...other].sort((a, b) => a.line - b.line)
  return {
    records,
    lines: recordLines,
    problems: first === undefined ? rest : [first, ...rest],
    intact: chain.length === 0,
    head
  }
}

/** Verify the whole text of a log file: `verifyLines` plus the rule that a non-empty log ends with a newline. */
export const verifyText = (text: string): ChainReport => {
  const lines = text.split("\n")
  const report = verifyLines(lines)
  if (text === "" || text.endsWith("\n")) return report
  const torn: ChainProblem = { line: lines.length, reason: "torn tail: the last line has no terminating newline" }
  const problems = report.intact ? [torn, ...report.problems] : [...report.problems, torn]
  return { ...report, problems, intact: false }
}

/** Intents joined with their outcomes (the first outcome of an id wins), in seq order. */
export const joinEntries = (records: ReadonlyArray<AuditRecord>): Array<AuditEntry> => {
  const outcomes = new Map<string, AuditRecord>()
  for (const r of records) if (r.kind === "outcome" && !outcomes.has(r.id)) outcomes.set(r.id, r)
  return records.filter((r) => r.kind === "intent").map((i): AuditEntry => {
    const o = outcomes.get(i.id)
    const notes = [i.note, o?.note].filter((n): n is string => n !== undefined)
    return {
      id: i.id,
      seq: i.seq,
      ts: i.ts,
      tool: i.tool,
      tier: i.tier,
      ...(i.host === undefined ? {} : { host: i.host }),
      ...(i.vmid === undefined ? {} : { vmid: i.vmid }),
      ...(i.path === undefined ? {} : { path: i.path }),
      ...(i.args === undefined ? {} : { args: i.args }),
      ...(notes.length === 0 ? {} : { note: notes.join("; ") }),
      ...(i.isLargeChange === undefined ? {} : { isLargeChange: i.isLargeChange }),
      ...(i.rootTier === undefined ? {} : { rootTier: i.rootTier }),
      ...(i.write === undefined ? {} : { write: i.write }),
      outcome: o?.outcome ?? "pending",
      ...(o === undefined ? {} : { outcomeTs: o.ts }),
      ...(o?.error === undefined ? {} : { error: o.error }),
      ...(o?.result === undefined ? {} : { result: o.result }),
      ...(o?.durationMs === undefined ? {} : { durationMs: o.durationMs })
    }
  })
}

/** Count entries by a key; entries whose key is undefined are not counted. */
export const countBy = (entries: ReadonlyArray<AuditEntry>, key: (e: AuditEntry) => string | undefined) => {
  const out: Record<string, number> = {}
  for (const e of entries) {
    const k = key(e)
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1
  }
  return out
}
