import { Schema } from "effect"

/** An optional field that is absent rather than `undefined` (exactOptionalPropertyTypes-friendly). */
export const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })
