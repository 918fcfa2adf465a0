import { Cause, Clock, Duration, Effect, Exit, Option, ParseResult, Schema, SchemaAST } from "effect"
import type { AuditOutcomeKind } from "../domain/Audit.js"
import { viewError } from "../domain/ErrorCodes.js"
import type { ToolFailure } from "../domain/Errors.js"
import { ConfirmationDeclined, ConfirmationRequired, InvalidArguments, ToolTimeout } from "../domain/Errors.js"
import { AuditLog } from "../services/AuditLog.js"
import { MutationGate, TierGate } from "../services/TierGate.js"
import { ToolContext } from "../services/ToolContext.js"
import type { AuditedDeps, AuditSpec, McpTool, RunnerDeps, ToolDef, ToolResult } from "./Tool.js"
import { toJsonSchema } from "./Tool.js"

export interface ConfirmSpec<I> {
  /** The exact action, shown to the human. */
  readonly question: (input: I) => string
  /** The `confirm` argument, honoured only when the client cannot ask the human itself. */
  readonly argument: (input: I) => boolean
}

export interface MutationDef<I, II, O, OI, E extends ToolFailure, R> extends ToolDef<I, II, O, OI, E, R> {
  readonly audit: AuditSpec<I, O>
  readonly confirm?: ConfirmSpec<I>
}

const formatIssues = (error: ParseResult.ParseError): ReadonlyArray<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    `- ${issue.path.length === 0 ? "(arguments)" : issue.path.join(".")}: ${issue.message}`
  )

/** Names of the arguments a struct schema accepts; unknown names are refused before decoding. */
const allowedKeys = (schema: Schema.Schema.Any): ReadonlyArray<string> | undefined => {
  const ast = schema.ast
  if (!SchemaAST.isTypeLiteral(ast) || ast.indexSignatures.length > 0) return undefined
  return ast.propertySignatures.map((p) => String(p.name))
}

const invalid = (name: string, issues: ReadonlyArray<string>) =>
  new InvalidArguments({ message: `invalid arguments for ${name}:\n${issues.join("\n")}`, issues })

const decodeArgs = <I, II>(name: string, schema: Schema.Schema<I, II>) => {
  const decode = Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })
  const allowed = allowedKeys(schema)
  return (raw: unknown) => {
    const args = raw ?? {}
    if (allowed !== undefined && typeof args === "object" && !Array.isArray(args)) {
      const unknown = Object.keys(args).filter((k) => !allowed.includes(k))
      if (unknown.length > 0) {
        const accepted = allowed.length === 0 ? "this tool takes no arguments" : `accepted: ${allowed.join(", ")}`
        return Effect.fail(invalid(name, unknown.map((k) => `- ${k}: unknown argument (${accepted})`)))
      }
    }
    return decode(args).pipe(
      Effect.mapError((error) => invalid(name, formatIssues(error)))
    )
  }
}

const success = <O, OI>(schema: Schema.Schema<O, OI>, value: O): Effect.Effect<ToolResult> =>
  Schema.encode(schema)(value).pipe(
    Effect.orDie,
    Effect.map((encoded) => {
      const structured = encoded as Readonly<Record<string, unknown>>
      return { _tag: "Success" as const, structured, text: JSON.stringify(structured) }
    })
  )

export const failureResult = (e: ToolFailure): ToolResult => {
  const error = viewError(e)
  return { _tag: "Failure", error, text: `${error.code}: ${error.message}\nhint: ${error.hint}` }
}

const defectResult = (tool: string, cause: Cause.Cause<unknown>): Effect.Effect<ToolResult> =>
  Effect.logError(`${tool} failed unexpectedly`, cause).pipe(Effect.as({
    _tag: "Failure" as const,
    error: { code: "INTERNAL", message: `${tool} failed unexpectedly`, hint: "This is a bug in homelab-mcp." },
    text: `INTERNAL: ${tool} failed unexpectedly (details are on the server's stderr)`
  }))

const withTimeout = <A, E, R>(name: string, timeout: Duration.DurationInput) => (self: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(self, {
    duration: timeout,
    onTimeout: () =>
      new ToolTimeout({
        message: `${name} did not finish within ${Duration.format(timeout)} and was stopped`,
        tool: name,
        timeoutMs: Duration.toMillis(timeout)
      })
  })

const listEntry = <I, II, O, OI, E extends ToolFailure, R>(def: ToolDef<I, II, O, OI, E, R>) => ({
  name: def.name,
  title: def.title,
  description: def.description,
  inputSchema: toJsonSchema(def.input),
  outputSchema: toJsonSchema(def.output),
  annotations: { title: def.title, ...def.annotations }
})

const settle =
  (name: string) => <R>(self: Effect.Effect<ToolResult, ToolFailure, R>): Effect.Effect<ToolResult, never, R> =>
    self.pipe(
      Effect.catchAll((e) => Effect.succeed(failureResult(e))),
      Effect.catchAllDefect((defect) => defectResult(name, Cause.die(defect)))
    )

/** A read-only tool: decode → handler under timeout → encode. */
export const defineTool = <I, II, O, OI, E extends ToolFailure, R>(
  def: ToolDef<I, II, O, OI, E, R>
): McpTool<R | RunnerDeps> => {
  const decode = decodeArgs(def.name, def.input)
  return {
    name: def.name,
    minTier: def.minTier,
    timeoutMs: Duration.toMillis(def.timeout),
    listEntry: listEntry(def),
    call: (args) =>
      decode(args).pipe(
        Effect.flatMap((input) => def.handler(input).pipe(withTimeout(def.name, def.timeout))),
        Effect.flatMap((out) => success(def.output, out)),
        settle(def.name)
      )
  }
}

const outcomeOf = <A>(exit: Exit.Exit<A, ToolFailure>): {
  readonly outcome: AuditOutcomeKind
  readonly error?: { readonly code: string; readonly message: string }
} => {
  if (Exit.isSuccess(exit)) return { outcome: "ok" }
  if (Cause.isInterruptedOnly(exit.cause)) return { outcome: "interrupted" }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return { outcome: "error", error: { code: "INTERNAL", message: "unexpected defect" } }
  const view = viewError(failure.value)
  const outcome = failure.value._tag === "ToolTimeout" ? "timeout" : "error"
  return { outcome, error: { code: view.code, message: view.message } }
}

const gate = <I>(confirm: ConfirmSpec<I> | undefined, input: I) =>
  Effect.gen(function*() {
    if (confirm === undefined) return undefined
    const ctx = yield* ToolContext
    const question = confirm.question(input)
    if (ctx.canElicit) {
      const approved = yield* ctx.elicitConfirmation(question)
      if (!approved) {
        return yield* new ConfirmationDeclined({ message: `Not done, the user did not approve: ${question}` })
      }
      return "confirmed by the user"
    }
    if (!confirm.argument(input)) {
      return yield* new ConfirmationRequired({
        message: `Not done: ${question} This needs the user's explicit approval.`
      })
    }
    return "confirm:true from the client (it cannot ask the user directly)"
  })

/** A mutating tool: confirm gate → audit intent → handler under timeout → audit outcome (always) → encode. */
export const defineMutation = <I, II, O, OI, E extends ToolFailure, R>(
  def: MutationDef<I, II, O, OI, E, R>
): McpTool<R | RunnerDeps | AuditedDeps> => {
  const decode = decodeArgs(def.name, def.input)
  const spec = def.audit
  const run = (args: unknown, input: I) =>
    Effect.gen(function*() {
      const { tier } = yield* MutationGate
      const audit = yield* AuditLog
      yield* TierGate
      const fields = {
        tool: def.name,
        tier,
        args,
        ...Option.match(Option.fromNullable(spec.vmid?.(input)), { onNone: () => ({}), onSome: (vmid) => ({ vmid }) }),
        ...Option.match(Option.fromNullable(spec.path?.(input)), { onNone: () => ({}), onSome: (path) => ({ path }) }),
        ...(spec.isLargeChange === undefined ? {} : { isLargeChange: spec.isLargeChange(input) }),
        ...(tier === "root" ? { rootTier: true } : {})
      }
      const refused = (e: ConfirmationRequired | ConfirmationDeclined) =>
        audit.intent(fields).pipe(
          Effect.flatMap((h) =>
            audit.outcome(h, {
              outcome: "refused",
              error: { code: viewError(e).code, message: e.message },
              durationMs: 0
            })
          ),
          Effect.zipRight(Effect.fail(e))
        )
      const confirmation = yield* gate(def.confirm, input).pipe(
        Effect.catchTags({ ConfirmationRequired: refused, ConfirmationDeclined: refused })
      )
      const handle = yield* audit.intent(confirmation === undefined ? fields : { ...fields, note: confirmation })
      const started = yield* Clock.currentTimeMillis
      return yield* def.handler(input).pipe(
        withTimeout(def.name, def.timeout),
        Effect.onExit((exit) =>
          Effect.gen(function*() {
            const durationMs = (yield* Clock.currentTimeMillis) - started
            const result = Exit.isSuccess(exit) ? { result: spec.result ? spec.result(exit.value) : exit.value } : {}
            yield* audit.outcome(handle, { ...outcomeOf(exit), ...result, durationMs }).pipe(
              Effect.catchAll((e) =>
                Effect.logError(`audit outcome for ${def.name} could not be written: ${e.message}`)
              )
            )
          })
        )
      )
    })
  return {
    name: def.name,
    minTier: def.minTier,
    timeoutMs: Duration.toMillis(def.timeout),
    listEntry: listEntry(def),
    call: (args) =>
      decode(args).pipe(
        Effect.flatMap((input) => run(args, input)),
        Effect.flatMap((out) => success(def.output, out)),
        settle(def.name)
      )
  }
}
