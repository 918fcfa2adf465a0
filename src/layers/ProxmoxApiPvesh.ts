import { Effect, Layer } from "effect"
import type { ApiFailure } from "../domain/Errors.js"
import { ApiError, ApiNotFound, ApiTimeout, ApiUnavailable } from "../domain/Errors.js"
import { stripControl } from "../domain/Redact.js"
import { shJoin } from "../domain/Shell.js"
import type { ApiParams, ApiRequest, ProxmoxApiShape } from "../services/ProxmoxApi.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { RootApi } from "../services/RootApi.js"
import type { SshTransportShape } from "../services/SshTransport.js"
import { SshTransport } from "../services/SshTransport.js"

const VERB = { GET: "get", POST: "create", PUT: "set", DELETE: "delete" } as const
const TIMEOUT_MS = 60_000

const flags = (params: ApiParams | undefined): ReadonlyArray<string> =>
  Object.entries(params ?? {}).flatMap(([key, value]) => {
    if (value === undefined) return []
    if (typeof value === "object") return value.flatMap((item) => [`--${key}`, item])
    return [`--${key}`, typeof value === "boolean" ? (value ? "1" : "0") : String(value)]
  })

/** pvesh prints PVE's error text on stderr and exits non-zero; a leading status code is kept when present. */
const failure = (req: ApiRequest, stderr: string, exitCode: number | null): ApiFailure => {
  const text = stripControl(stderr).trim().slice(0, 300) || `pvesh exited ${exitCode ?? "by a signal"}`
  const status = /^(\d{3}) /.exec(text)
  if (status?.[1] === "501" || /not implemented|no such (path|method)/i.test(text)) {
    return new ApiNotFound({ message: text, path: req.path })
  }
  return new ApiError({ message: text, status: status === null ? 500 : Number(status[1]) })
}

export const makePveshApi = (ssh: SshTransportShape, node: string): ProxmoxApiShape => ({
  node,
  endpoint: `pvesh over ssh ${ssh.endpoint}`,
  request: (req) =>
    ssh.exec(shJoin(["pvesh", VERB[req.method], req.path, "--output-format", "json", ...flags(req.params)]), {
      timeoutMs: TIMEOUT_MS
    }).pipe(
      Effect.catchTags({
        SshUnavailable: (e) => Effect.fail(new ApiUnavailable({ message: `pvesh over SSH: ${e.message}` })),
        SshTimeout: (e) =>
          Effect.fail(
            new ApiTimeout({ message: `pvesh ${req.method} ${req.path}: ${e.message}`, timeoutMs: e.timeoutMs })
          )
      }),
      Effect.flatMap((r) => {
        if (r.timedOut) {
          return Effect.fail(
            new ApiTimeout({ message: `pvesh ${req.method} ${req.path} timed out`, timeoutMs: TIMEOUT_MS })
          )
        }
        if (r.exitCode !== 0) return Effect.fail(failure(req, r.stderr, r.exitCode))
        const text = r.stdout.trim()
        if (text === "") return Effect.succeed(null)
        return Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: () => new ApiUnavailable({ message: `pvesh ${req.method} ${req.path} printed no JSON` })
        })
      })
    )
})

/** RootApi for companion and root: pvesh as root over the pinned SSH connection, on the configured node. */
export const RootApiPvesh = Layer.effect(
  RootApi,
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const api = yield* ProxmoxApi
    return RootApi.of(makePveshApi(ssh, api.node))
  })
)
