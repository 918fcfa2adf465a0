import { Effect, Schema } from "effect"
import { AuditEntry } from "../domain/Audit.js"
import { VmId } from "../domain/Ids.js"
import { AuditLog } from "../services/AuditLog.js"
import { WriteRecovery } from "../services/WriteRecovery.js"
import { readsLocal } from "./Annotations.js"
import { defineTool } from "./Runner.js"

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

const Instant = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)), {
    message: () => "must be an ISO date (2026-11-24) or date-time (2026-11-24T10:00:00Z)"
  }),
  Schema.annotations({ jsonSchema: { type: "string", description: "ISO date or date-time" } })
)

/** A date-only bound covers the whole UTC day: `since` from its start, `until` to its end. */
const toInstant = (s: string, end: boolean): Date =>
  DATE_ONLY.test(s) ? new Date(`${s}T${end ? "23:59:59.999" : "00:00:00.000"}Z`) : new Date(s)

const Summary = Schema.Struct({
  total: Schema.Number,
  byTool: Schema.Record({ key: Schema.String, value: Schema.Number }),
  byVmid: Schema.Record({ key: Schema.String, value: Schema.Number }),
  byOutcome: Schema.Record({ key: Schema.String, value: Schema.Number }),
  firstTs: Schema.NullOr(Schema.String),
  lastTs: Schema.NullOr(Schema.String)
})

const Output = Schema.Struct({
  summary: Summary,
  records: Schema.Array(AuditEntry),
  truncated: Schema.Boolean
})

/** Built from the configured limits, so the advertised bounds are the enforced bounds. */
export const makeQueryAudit = (limits: { readonly defaultLimit: number; readonly maxLimit: number }) =>
  defineTool({
    name: "query_audit",
    title: "Query the audit log",
    description: "Search this server's audit log of mutations (each one an intent joined with its outcome), newest " +
      "first. Filters combine with AND. The summary counts the whole filtered set of the newest 64 MiB of the log; " +
      "records are cut to limit, and truncated says when anything was left out.",
    minTier: "observe",
    annotations: readsLocal,
    input: Schema.Struct({
      tool: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(64)), { exact: true }),
      vmid: Schema.optionalWith(VmId, { exact: true }),
      pathContains: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(4096)), { exact: true }),
      since: Schema.optionalWith(Instant, { exact: true }).annotations({
        description: "Inclusive; a date covers its whole day (UTC)."
      }),
      until: Schema.optionalWith(Instant, { exact: true }).annotations({
        description: "Inclusive; a date covers its whole day (UTC)."
      }),
      outcome: Schema.optionalWith(AuditEntry.fields.outcome, { exact: true }),
      largeOnly: Schema.optionalWith(Schema.Boolean, { exact: true }),
      textSearch: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256)), { exact: true })
        .annotations({ description: "Case-insensitive text in the tool, arguments, path, note or error." }),
      limit: Schema.optionalWith(
        Schema.Number.pipe(Schema.int(), Schema.between(1, limits.maxLimit)),
        { exact: true, default: () => limits.defaultLimit }
      ).annotations({
        description: `How many records to return (1 to ${limits.maxLimit}, default ${limits.defaultLimit}).`
      })
    }),
    output: Output,
    timeout: "30 seconds",
    handler: (input) =>
      Effect.gen(function*() {
        const audit = yield* AuditLog
        // Startup recovery closes intents a crashed process left open; answer with the settled log.
        yield* (yield* WriteRecovery).ready
        const result = yield* audit.query({
          limit: input.limit,
          ...(input.tool === undefined ? {} : { tool: input.tool }),
          ...(input.vmid === undefined ? {} : { vmid: input.vmid }),
          ...(input.pathContains === undefined ? {} : { pathContains: input.pathContains }),
          ...(input.since === undefined ? {} : { since: toInstant(input.since, false) }),
          ...(input.until === undefined ? {} : { until: toInstant(input.until, true) }),
          ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
          ...(input.largeOnly === undefined ? {} : { largeOnly: input.largeOnly }),
          ...(input.textSearch === undefined ? {} : { text: input.textSearch })
        })
        return { summary: result.summary, records: result.entries, truncated: result.truncated }
      })
  })
