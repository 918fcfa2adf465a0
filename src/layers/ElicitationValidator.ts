import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator
} from "@modelcontextprotocol/sdk/validation/types.js"

type Property = { readonly type?: string; readonly enum?: ReadonlyArray<unknown> }

const typeOk = (value: unknown, p: Property): boolean => {
  if (p.enum !== undefined) return p.enum.includes(value)
  switch (p.type) {
    case "string":
      return typeof value === "string"
    case "boolean":
      return typeof value === "boolean"
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    default:
      return false
  }
}

/**
 * Validates elicitation replies. MCP limits elicitation schemas to flat objects of primitive properties, and this
 * server only ever asks for such a schema, so this covers exactly that subset instead of starting Ajv at startup
 * (the SDK's default builds an Ajv instance in every Server constructor). Anything outside the subset is invalid.
 */
export const elicitationValidator: jsonSchemaValidator = {
  getValidator: <T>(schema: JsonSchemaType): JsonSchemaValidator<T> => {
    const properties = (schema.properties ?? {}) as Readonly<Record<string, Property>>
    const required = (schema.required ?? []) as ReadonlyArray<string>
    return (input) => {
      const fail = (errorMessage: string) => ({ valid: false as const, data: undefined, errorMessage })
      if (typeof input !== "object" || input === null || Array.isArray(input)) return fail("reply is not an object")
      const record = input as Readonly<Record<string, unknown>>
      for (const key of required) if (!(key in record)) return fail(`missing ${key}`)
      for (const [key, value] of Object.entries(record)) {
        const p = properties[key]
        if (p === undefined) return fail(`unexpected field ${key}`)
        if (!typeOk(value, p)) return fail(`${key} has the wrong type`)
      }
      return { valid: true as const, data: input as T, errorMessage: undefined }
    }
  }
}
