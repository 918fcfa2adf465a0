import { Schema } from "effect"

/** Invalid or contradictory configuration: names the variable and what it expects. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  variable: Schema.String,
  message: Schema.String
}) {}
