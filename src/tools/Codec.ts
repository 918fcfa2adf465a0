import { Cause, Duration, Effect, ParseResult, Schema, SchemaAST } from "effect"
import { viewError } from "../domain/ErrorCodes.js"
import type { ToolFailure } from "../domain/Errors.js"
import { InvalidArguments, ToolTimeout } from "../domain/Errors.js"
import type { ToolDef, ToolResult } from "./Tool.js"
import { toJsonSchema } from "./Tool.js"

/** Argument decoding, result encoding and error rendering shared by every tool. */

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

export const decodeArgs = <I, II>(name: string, schema: Schema.Schema<I, II>) => {
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

export const success = <O, OI>(schema: Schema.Schema<O, OI>, value: O): Effect.Effect<ToolResult> =>
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

export const defectResult = (tool: string, cause: Cause.Cause<unknown>): Effect.Effect<ToolResult> =>
  Effect.logError(`${tool} failed unexpectedly`, cause).pipe(Effect.as({
    _tag: "Failure" as const,
    error: { code: "INTERNAL", message: `${tool} failed unexpectedly`, hint: "This is a bug in homelab-mcp." },
    text: `INTERNAL: ${tool} failed unexpectedly (details are on the server's stderr)`
  }))

export const withTimeout = <A, E, R>(name: string, timeout: Duration.DurationInput) => (self: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(self, {
    duration: timeout,
    onTimeout: () =>
      new ToolTimeout({
        message: `${name} did not finish within ${Duration.format(timeout)} and was stopped`,
        tool: name,
        timeoutMs: Duration.toMillis(timeout)
      })
  })

export const listEntry = <I, II, O, OI, E extends ToolFailure, R>(def: ToolDef<I, II, O, OI, E, R>) => ({
  name: def.name,
  title: def.title,
  description: def.description,
  inputSchema: toJsonSchema(def.input),
  outputSchema: toJsonSchema(def.output),
  annotations: { title: def.title, ...def.annotations }
})

export const settle =
  (name: string) => <R>(self: Effect.Effect<ToolResult, ToolFailure, R>): Effect.Effect<ToolResult, never, R> =>
    self.pipe(
      Effect.catchAll((e) => Effect.succeed(failureResult(e))),
      Effect.catchAllDefect((defect) => defectResult(name, Cause.die(defect)))
    )
