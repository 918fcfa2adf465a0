import { Effect, ParseResult, Schema } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import { ApiUnavailable } from "../../domain/Errors.js"
import type { ApiRequest, ProxmoxApiShape } from "../../services/ProxmoxApi.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"

/** One API call whose `data` is decoded with `schema`; an unexpected shape is a typed error, not a crash. */
export const call = <A, I>(
  schema: Schema.Schema<A, I>,
  req: ApiRequest
): Effect.Effect<A, ApiFailure, ProxmoxApi> => Effect.flatMap(ProxmoxApi, (api) => callOn(api, schema, req))

/** The same over an explicit API (the token's, or root's through pvesh). */
export const callOn = <A, I>(
  api: ProxmoxApiShape,
  schema: Schema.Schema<A, I>,
  req: ApiRequest
): Effect.Effect<A, ApiFailure> =>
  Effect.gen(function*() {
    const data = yield* api.request(req)
    return yield* Schema.decodeUnknown(schema)(data).pipe(
      Effect.mapError((e) =>
        new ApiUnavailable({
          message: `unexpected answer from Proxmox for ${req.method} ${req.path}: ${
            ParseResult.ArrayFormatter.formatErrorSync(e).slice(0, 3).map((i) => `${i.path.join(".")} ${i.message}`)
              .join("; ")
          }`
        })
      )
    )
  })

/** PVE sends numbers as numbers or numeric strings depending on the endpoint and version. */
export const Num = Schema.Union(Schema.Number, Schema.NumberFromString)
