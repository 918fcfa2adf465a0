import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either, Option } from "effect"
import type { AuditEntry, AuditRecord } from "../../domain/Audit.js"
import { countBy, joinEntries, parseLine } from "../../domain/AuditChain.js"
import type { AuditQuery, AuditQueryResult } from "../../services/AuditLog.js"

/** By default `query` reads at most the newest 64 MiB of the log. */
export const DEFAULT_QUERY_MAX_BYTES = 64 * 1024 * 1024

const decoder = new TextDecoder()

export interface Tail {
  readonly text: string
  /** Bytes before the window that were not read (0 when the whole file was read). */
  readonly skippedBytes: number
  readonly size: number
}

/**
 * Reads at most the last `maxBytes` of an open regular file. When the file is larger, a line cut by the start of the
 * window is dropped.
 */
export const readTail = (
  file: FileSystem.File,
  size: number,
  maxBytes: number
): Effect.Effect<Tail, PlatformError> =>
  Effect.gen(function*() {
    // From one byte before the window: if that byte is a newline, the window's first line is whole and is kept.
    const start = Math.max(0, size - maxBytes - 1)
    const buffer = new Uint8Array(size - start)
    yield* file.seek(start, "start")
    let filled = 0
    while (filled < buffer.length) {
      const n = Number(yield* file.read(buffer.subarray(filled)))
      if (n === 0) break
      filled += n
    }
    const bytes = buffer.subarray(0, filled)
    const newline = bytes.indexOf(0x0a)
    const cut = start === 0 ? 0 : newline === -1 ? bytes.length : newline + 1
    return { text: decoder.decode(bytes.subarray(cut)), skippedBytes: start + cut, size }
  })

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
 * Runs a query over the lines read. The summary counts only what was read: when the window did not cover the whole
 * file (`tail.skippedBytes > 0`) the result is `truncated` and `firstTs` is the oldest record read, not the oldest in
 * the log. An outcome whose intent lies before the window is not shown.
 */
export const runQuery = (tail: Option.Option<Tail>, q: AuditQuery): AuditQueryResult => {
  const text = Option.match(tail, { onNone: () => "", onSome: (t) => t.text })
  const records: Array<AuditRecord> = []
  let skippedLines = 0
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const parsed = parseLine(line)
    if (Either.isRight(parsed)) records.push(parsed.right.record)
    else skippedLines++
  }
  const filtered = joinEntries(records).filter(matches(q))
  const newest = [...filtered].sort((a, b) => b.seq - a.seq)
  const windowed = Option.exists(tail, (t) => t.skippedBytes > 0)
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
    truncated: windowed || newest.length > q.limit,
    skippedLines
  }
}
