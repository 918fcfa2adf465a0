import { Cause, Clock, Duration, Effect, Exit, Option } from "effect"
import type { AuditOutcomeKind } from "../domain/Audit.js"
import { viewError } from "../domain/ErrorCodes.js"
import type { ToolFailure } from "../domain/Errors.js"
import type { CircuitOpen, GuardRefused } from "../domain/Errors.js"
import { ConfirmationDeclined, ConfirmationRequired } from "../domain/Errors.js"
import { AuditLog } from "../services/AuditLog.js"
import { MutationGate, TierGate } from "../services/TierGate.js"
import { ToolContext } from "../services/ToolContext.js"
import { decodeArgs, listEntry, settle, success, withTimeout } from "./Codec.js"
import type { AuditedDeps, AuditSpec, McpTool, RunnerDeps, ToolDef, ToolListEntry } from "./Tool.js"

export interface ConfirmSpec<I> {
  /** The exact action, shown to the human; `undefined` when this input needs no approval. */
  readonly question: (input: I) => string | undefined
  /** The `confirm` argument, honoured only when the client cannot ask the human itself. */
  readonly argument: (input: I) => boolean
}

export interface MutationDef<I, II, O, OI, E extends ToolFailure, R> extends ToolDef<I, II, O, OI, E, R> {
  readonly audit: AuditSpec<I, O>
  readonly confirm?: ConfirmSpec<I>
  /** Guardrails that refuse before anything runs; a refusal is audited as `refused` and nothing reaches the node. */
  readonly precheck?: (input: I) => Effect.Effect<void, E | GuardRefused | CircuitOpen, R>
}

/** A read-only tool: decode → handler under timeout → encode. */
export const defineTool = <I, II, O, OI, E extends ToolFailure, R>(
  def: ToolDef<I, II, O, OI, E, R>
): McpTool<R | RunnerDeps> => {
  const decode = decodeArgs(def.name, def.input)
  // JSON Schema is derived on first use: tools a tier never registers cost nothing at startup.
  let entry: ToolListEntry | undefined
  return {
    name: def.name,
    minTier: def.minTier,
    timeoutMs: Duration.toMillis(def.timeout),
    get listEntry() {
      return (entry ??= listEntry(def))
    },
    call: (args) =>
      decode(args).pipe(
        Effect.flatMap((input) => def.handler(input).pipe(withTimeout(def.name, def.timeout))),
        Effect.flatMap((out) => success(def.output, out)),
        settle(def.name)
      )
  }
}

/** The audit outcome of a finished handler: ok, refused/error with its code, timeout, interrupted, or unknown. */
export const outcomeOf = <A>(exit: Exit.Exit<A, ToolFailure>): {
  readonly outcome: AuditOutcomeKind
  readonly error?: { readonly code: string; readonly message: string }
} => {
  if (Exit.isSuccess(exit)) return { outcome: "ok" }
  if (Cause.isInterruptedOnly(exit.cause)) return { outcome: "interrupted" }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return { outcome: "error", error: { code: "INTERNAL", message: "unexpected defect" } }
  const view = viewError(failure.value)
  const e = failure.value
  const unknown = e._tag === "SshTimeout" ||
    (e._tag === "SshUnavailable" && e.message.includes("outcome is unknown")) ||
    (e._tag === "ApiTimeout" && e.message.includes("may still carry it out"))
  const outcome = e._tag === "ToolTimeout" ? "timeout" : unknown ? "unknown" : "error"
  return { outcome, error: { code: view.code, message: view.message } }
}

const isRefusal = (e: { readonly _tag: string }): e is GuardRefused | CircuitOpen =>
  e._tag === "GuardRefused" || e._tag === "CircuitOpen"

const gate = <I>(confirm: ConfirmSpec<I> | undefined, input: I) =>
  Effect.gen(function*() {
    const question = confirm?.question(input)
    if (confirm === undefined || question === undefined) return undefined
    const ctx = yield* ToolContext
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
  // JSON Schema is derived on first use: tools a tier never registers cost nothing at startup.
  let entry: ToolListEntry | undefined
  const spec = def.audit
  const run = (args: unknown, input: I) =>
    Effect.gen(function*() {
      const { tier } = yield* MutationGate
      const audit = yield* AuditLog
      const tiers = yield* TierGate
      if (!tiers.allows(def.minTier)) return yield* Effect.dieMessage(`${def.name} is not allowed at ${tier}`)
      const fields = {
        tool: def.name,
        tier,
        args,
        ...Option.match(Option.fromNullable(spec.vmid?.(input)), { onNone: () => ({}), onSome: (vmid) => ({ vmid }) }),
        ...Option.match(Option.fromNullable(spec.path?.(input)), { onNone: () => ({}), onSome: (path) => ({ path }) }),
        ...(spec.isLargeChange === undefined ? {} : { isLargeChange: spec.isLargeChange(input) }),
        ...(tier === "root" ? { rootTier: true } : {})
      }
      const refused = <X extends ConfirmationRequired | ConfirmationDeclined | GuardRefused | CircuitOpen>(e: X) =>
        audit.intent(fields).pipe(
          Effect.flatMap((h) =>
            audit.outcome(h, {
              outcome: "refused",
              error: { code: viewError(e).code, message: e.message },
              durationMs: 0
            })
          ),
          Effect.uninterruptible,
          Effect.zipRight(Effect.fail(e))
        )
      if (def.precheck !== undefined) {
        yield* def.precheck(input).pipe(Effect.catchIf(isRefusal, refused))
      }
      const confirmation = yield* gate(def.confirm, input).pipe(
        Effect.catchTags({ ConfirmationRequired: refused, ConfirmationDeclined: refused })
      )
      const started = yield* Clock.currentTimeMillis
      // The intent is written uninterruptibly and the outcome is tied to it, so no exit path (success, failure,
      // timeout, cancellation arriving during the intent's fsync, shutdown) leaves an intent without an outcome.
      return yield* Effect.acquireUseRelease(
        audit.intent((() => {
          const notes = [confirmation, spec.note?.(input)].filter((n): n is string => n !== undefined)
          return notes.length === 0 ? fields : { ...fields, note: notes.join("; ") }
        })()),
        () => def.handler(input).pipe(withTimeout(def.name, def.timeout)),
        (handle, exit) =>
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
    })
  return {
    name: def.name,
    minTier: def.minTier,
    timeoutMs: Duration.toMillis(def.timeout),
    get listEntry() {
      return (entry ??= listEntry(def))
    },
    call: (args) =>
      decode(args).pipe(
        Effect.flatMap((input) => run(args, input)),
        Effect.flatMap((out) => success(def.output, out)),
        settle(def.name)
      )
  }
}
