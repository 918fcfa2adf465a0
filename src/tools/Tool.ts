import type { Duration, Effect } from "effect"
import { JSONSchema, Schema, SchemaAST } from "effect"
import type { ErrorView } from "../domain/ErrorCodes.js"
import type { ToolFailure } from "../domain/Errors.js"
import type { Tier } from "../domain/Tier.js"
import type { AuditLog } from "../services/AuditLog.js"
import type { MutationGate, TierGate } from "../services/TierGate.js"
import type { ToolContext } from "../services/ToolContext.js"

export interface ToolAnnotations {
  readonly readOnlyHint: boolean
  readonly destructiveHint: boolean
  readonly idempotentHint: boolean
  readonly openWorldHint: boolean
}

/** How a mutating tool is audited: the runner writes the intent before and the outcome after the handler. */
export interface AuditSpec<I, O> {
  readonly vmid?: (input: I) => number | undefined
  readonly path?: (input: I) => string | undefined
  readonly isLargeChange?: (input: I) => boolean
  /** Facts about the call worth keeping in the intent record (for example an override). */
  readonly note?: (input: I) => string | undefined
  /** What of the result goes into the outcome record (defaults to the whole result). */
  readonly result?: (output: O) => unknown
}

export interface ToolDef<I, II, O, OI, E extends ToolFailure, R> {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly minTier: Tier
  readonly annotations: ToolAnnotations
  readonly input: Schema.Schema<I, II>
  readonly output: Schema.Schema<O, OI>
  readonly timeout: Duration.DurationInput
  readonly audit?: AuditSpec<I, O>
  readonly handler: (input: I) => Effect.Effect<O, E, R>
}

/** What `tools/list` shows for one tool. */
export interface ToolListEntry {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly inputSchema: JsonObjectSchema
  readonly outputSchema: JsonObjectSchema
  readonly annotations: ToolAnnotations & { readonly title: string }
}

export type JsonObjectSchema = { readonly type: "object" } & Readonly<Record<string, unknown>>

export type ToolResult =
  | { readonly _tag: "Success"; readonly structured: Readonly<Record<string, unknown>>; readonly text: string }
  | { readonly _tag: "Failure"; readonly error: ErrorView; readonly text: string }

/** A tool with its types erased, ready for one registration loop. */
export interface McpTool<R> {
  readonly name: string
  readonly minTier: Tier
  readonly timeoutMs: number
  readonly listEntry: ToolListEntry
  readonly call: (args: unknown) => Effect.Effect<ToolResult, never, R>
}

/** Requirements every tool call may use besides its handler's. */
export type RunnerDeps = ToolContext | TierGate
export type AuditedDeps = AuditLog | MutationGate

/** Effect tags some schemas with `$id: "/schemas/unknown"`; repeated ids make validators refuse the schema. */
const stripIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stripIds)
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "$id").map(([k, v]) => [k, stripIds(v)]))
}

/** Effect Schema → JSON Schema 2020-12 with `type: "object"` at the root and no top-level `$ref`. */
export const toJsonSchema = (schema: Schema.Schema.Any): JsonObjectSchema => {
  const ast = schema.ast
  if (SchemaAST.isTypeLiteral(ast) && ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return { type: "object", properties: {}, additionalProperties: false }
  }
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(schema.ast, {
    definitions,
    target: "jsonSchema2020-12",
    topLevelReferenceStrategy: "skip"
  }) as unknown as Record<string, unknown>
  if (json.type !== "object") {
    throw new Error(`tool schemas must be objects at the root, got ${JSON.stringify(json.type)}`)
  }
  const withDefs = Object.keys(definitions).length > 0 ? { ...json, $defs: definitions } : json
  return stripIds(withDefs) as JsonObjectSchema
}

export const NoInput = Schema.Struct({})
