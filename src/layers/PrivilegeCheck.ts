import { Duration, Effect, Either, Option, Schema } from "effect"
import type { PrivilegeReading, PrivilegeRefused, PrivilegeStatus } from "../domain/PrivilegeVerdict.js"
import { privilegeVerdict, unchecked } from "../domain/PrivilegeVerdict.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"

/** How long startup waits for the two reads; past it the server starts with the privileges "unchecked". */
export const PRIVILEGE_READ_BUDGET = Duration.seconds(4)

const Version = Schema.Struct({ version: Schema.String })
const Permissions = Schema.Record({
  key: Schema.String,
  value: Schema.Record({ key: Schema.String, value: Schema.Number })
})

/**
 * Asks the token about itself: `GET /version` and `GET /access/permissions` (every token may read its own), both at
 * once and bounded. Any failure (unreachable, 401, pin mismatch, odd shape) becomes `Unreadable` with the reason:
 * the tools report API errors themselves, so an unreachable node never stops the server from starting.
 */
export const readPrivileges = (
  budget: Duration.DurationInput = PRIVILEGE_READ_BUDGET
): Effect.Effect<PrivilegeReading, never, ProxmoxApi> =>
  Effect.gen(function*() {
    const api = yield* ProxmoxApi
    const [version, permissions] = yield* Effect.all([
      api.request({ method: "GET", path: "/version" }).pipe(Effect.flatMap(Schema.decodeUnknown(Version))),
      api.request({ method: "GET", path: "/access/permissions" }).pipe(
        Effect.flatMap(Schema.decodeUnknown(Permissions))
      )
    ], { concurrency: 2 })
    return { _tag: "Read", version: version.version, permissions } as PrivilegeReading
  }).pipe(
    Effect.timeoutFail({
      duration: budget,
      onTimeout: () => ({ message: `the API did not answer within ${Duration.format(budget)}` })
    }),
    Effect.catchAll((e: { readonly message: string }) =>
      Effect.succeed<PrivilegeReading>({ _tag: "Unreadable", reason: e.message })
    )
  )

/** The startup check (issue 6 §2): the status for `server_info` and the banner, or a refusal to start. */
export const startupPrivileges = (
  config: AppConfigShape
): Effect.Effect<PrivilegeStatus, PrivilegeRefused, ProxmoxApi> =>
  Effect.gen(function*() {
    if (!config.privileges.check) return unchecked("the check is off in this test harness")
    const reading = yield* readPrivileges()
    const verdict = privilegeVerdict(config.tier, reading, {
      strict: config.privileges.strict,
      tokenId: Option.map(config.api, (a) => a.tokenId)
    })
    return yield* Either.match(verdict, { onLeft: Effect.fail, onRight: Effect.succeed })
  })
