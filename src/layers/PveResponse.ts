import { Effect, Option } from "effect"
import type { ApiFailure } from "../domain/Errors.js"
import { ApiError, ApiForbidden, ApiNotFound, ApiUnauthorized, ApiUnavailable } from "../domain/Errors.js"
import type { HttpResponse } from "./Http1Response.js"

/** Maps one PVE HTTP response to the unwrapped `data`, or to a typed ApiFailure with a message fit for a model. */

export interface ResponseContext {
  /** `METHOD /path`, for messages. */
  readonly label: string
  readonly path: string
  readonly tokenId: string
  /** Never shown: scrubbed out of any server-provided text, in case a server echoes it. */
  readonly secret: string
}

const MAX_MESSAGE = 300
const PERMISSION = /Permission check failed \(([^,()]+),\s*([^()]+)\)/

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Control characters stripped, whitespace collapsed, the secret scrubbed, capped. */
export const cleanText = (text: string, secret: string, max = MAX_MESSAGE): string => {
  const scrubbed = secret.length > 0 ? text.split(secret).join("<redacted>") : text
  // eslint-disable-next-line no-control-regex
  const flat = scrubbed.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

const parseJson = (body: Buffer): Option.Option<unknown> =>
  Option.liftThrowable((b: Buffer): unknown => JSON.parse(b.toString("utf8")))(body)

const errorsOf = (json: Option.Option<unknown>): string | undefined => {
  if (Option.isNone(json) || !isRecord(json.value) || !isRecord(json.value["errors"])) return undefined
  const fields = Object.entries(json.value["errors"]).map(([k, v]) =>
    `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`
  )
  return fields.length > 0 ? fields.join("; ") : undefined
}

const messageOf = (json: Option.Option<unknown>): string | undefined =>
  Option.isSome(json) && isRecord(json.value) && typeof json.value["message"] === "string"
    ? json.value["message"]
    : undefined

/** Everything PVE said about the failure: reason phrase, `message`, `errors`, or else a snippet of a raw body. */
const pveSays = (res: HttpResponse, json: Option.Option<unknown>, secret: string): string => {
  const raw = Option.isNone(json) && res.body.length > 0 ? res.body.subarray(0, 1024).toString("utf8") : undefined
  const parts = [res.reason, messageOf(json), errorsOf(json), raw]
    .map((p) => (p === undefined ? "" : cleanText(p, secret)))
    .filter((p, i, all) => p.length > 0 && all.indexOf(p) === i)
  return cleanText(parts.join("; "), secret) || "no message"
}

const forbidden = (res: HttpResponse, json: Option.Option<unknown>, ctx: ResponseContext) => {
  const says = pveSays(res, json, ctx.secret)
  const m = PERMISSION.exec(`${res.reason} ${messageOf(json) ?? ""}`)
  const path = m?.[1]?.trim()
  const privilege = m?.[2]?.trim()
  if (path === undefined || privilege === undefined) {
    return new ApiForbidden({
      message: `Proxmox RBAC refused ${ctx.label} (403): this tier's token lacks the privilege (PVE: ${says})`
    })
  }
  return new ApiForbidden({
    message: `Proxmox RBAC refused ${ctx.label}: this tier's token lacks ${privilege} on ${path} (PVE: ${says})`,
    path: cleanText(path, ctx.secret),
    privilege: cleanText(privilege, ctx.secret)
  })
}

export const interpretResponse = (res: HttpResponse, ctx: ResponseContext): Effect.Effect<unknown, ApiFailure> => {
  const json = parseJson(res.body)
  const { label, secret } = ctx
  const status = res.status
  if (status >= 200 && status < 300) {
    if (Option.isSome(json) && isRecord(json.value) && "data" in json.value) return Effect.succeed(json.value["data"])
    const type = cleanText(res.headers.get("content-type") ?? "no content type", secret, 60)
    const snippet = cleanText(res.body.subarray(0, 512).toString("utf8"), secret, 120)
    return Effect.fail(
      new ApiUnavailable({
        message:
          `PVE API ${label} answered ${status} without a JSON {data} body (${type}): "${snippet}"; a proxy in front?`
      })
    )
  }
  const says = pveSays(res, json, secret)
  if (status >= 300 && status < 400) {
    const location = cleanText(res.headers.get("location") ?? "nowhere", secret, 120)
    return Effect.fail(
      new ApiError({ status, message: `PVE API ${label} answered ${status} to ${location}: redirect not followed` })
    )
  }
  switch (status) {
    case 400:
      return Effect.fail(new ApiError({ status, message: `PVE API rejected the parameters of ${label}: ${says}` }))
    case 401:
      return Effect.fail(
        new ApiUnauthorized({
          message: `PVE API refused the token ${ctx.tokenId} for ${label} (401: ${says}); check PVE_API_TOKEN_ID and ` +
            "PVE_API_TOKEN_SECRET, and whether the token expired or was deleted"
        })
      )
    case 403:
      return Effect.fail(forbidden(res, json, ctx))
    case 404:
    case 501:
      return Effect.fail(new ApiNotFound({ path: ctx.path, message: `PVE API has no ${label} (${status}: ${says})` }))
    case 502:
    case 503:
    case 504:
      return Effect.fail(new ApiUnavailable({ message: `PVE API ${label} unavailable (${status}: ${says})` }))
    default:
      return Effect.fail(new ApiError({ status, message: `PVE API ${label} failed (${status}): ${says}` }))
  }
}
