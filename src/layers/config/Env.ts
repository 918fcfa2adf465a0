import { Config, Effect, Option } from "effect"
import { ConfigInvalid } from "../../domain/ConfigError.js"

/** Reads one variable; unset or empty is `none`. */
export const raw = (name: string): Effect.Effect<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(
    Effect.map(Option.filter((v) => v.trim() !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )

export const invalid = (variable: string, message: string) => new ConfigInvalid({ variable, message })

export const integer = (name: string, fallback: number, min: number, max: number) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback)
    const text = value.value.trim()
    const n = Number(text)
    return /^-?\d+$/.test(text) && n >= min && n <= max
      ? Effect.succeed(n)
      : Effect.fail(
        invalid(name, `${name}=${JSON.stringify(value.value)} must be a whole number from ${min} to ${max}`)
      )
  })

export const decimal = (name: string, fallback: number, min: number, max: number) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback)
    const n = Number(value.value.trim())
    return Number.isFinite(n) && n >= min && n <= max
      ? Effect.succeed(n)
      : Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be a number from ${min} to ${max}`))
  })

export const flag = (name: string) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(false)
    const v = value.value.trim()
    if (v === "1" || v === "true") return Effect.succeed(true)
    if (v === "0" || v === "false") return Effect.succeed(false)
    return Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be 1/true or 0/false`))
  })

/** Warn threshold below crit, or the pair is contradictory. */
export const ordered = (warnName: string, warn: number, critName: string, crit: number) =>
  warn < crit
    ? Effect.void
    : Effect.fail(invalid(warnName, `${warnName} (${warn}) must be lower than ${critName} (${crit})`))
