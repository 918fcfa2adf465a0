import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import type { ApiFailure } from "../domain/Errors.js"
import { ApiTimeout, ApiUnavailable, NotConfigured, PinMismatch } from "../domain/Errors.js"
import { decidePin } from "../domain/Fingerprint.js"
import type { ApiSettings } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import type { ApiParams, ApiRequest, ProxmoxApiShape } from "../services/ProxmoxApi.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { pinnedRequest } from "./PinnedHttps.js"
import type { PinStoreError } from "./PinStore.js"
import { readPin, recordPin } from "./PinStore.js"
import { cleanText, interpretResponse } from "./PveResponse.js"

/** Reads are retried on transport trouble only (150 ms, then 300 ms); mutations are never resent. */
const readRetry = Schedule.exponential(Duration.millis(150)).pipe(Schedule.intersect(Schedule.recurs(2)))

const encodeParams = (params: ApiParams | undefined): string => {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue
    if (typeof value === "object") { for (const item of value) form.append(key, item) }
    else form.append(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value))
  }
  return form.toString()
}

const mismatchMessage = (
  endpoint: string,
  expected: string,
  presented: string,
  source: "pin" | "store",
  store: string
) =>
  `TLS certificate of ${endpoint} does not match the ${
    source === "pin" ? "pinned PVE_API_TLS_FINGERPRINT" : `fingerprint recorded on first use in ${store}`
  }; the connection was refused before the API token was sent. Expected ${expected}, presented ${presented}. ` +
  "A renewed node certificate (pvecm updatecerts, ACME) is the usual cause, an interception the dangerous one. " +
  "Verify the new certificate out of band (on the node: openssl x509 -in /etc/pve/local/pve-ssl.pem -noout " +
  `-fingerprint -sha256), then update PVE_API_TLS_FINGERPRINT or delete the "${endpoint}" entry in ${store}.`

export const makeProxmoxApiHttp = (settings: ApiSettings): Effect.Effect<ProxmoxApiShape> =>
  Effect.sync(() => {
    const base = new URL(settings.baseUrl)
    const host = base.hostname.replace(/^\[(.*)\]$/, "$1")
    // The endpoint carries the resolved port (URL drops an explicit :443).
    const port = Number(settings.endpoint.slice(settings.endpoint.lastIndexOf(":") + 1))
    const prefix = base.pathname.replace(/\/$/, "")
    const { endpoint, knownCertsPath: store } = settings
    const secret = Redacted.value(settings.tokenSecret)
    const authorization = `PVEAPIToken=${settings.tokenId}=${secret}`
    // One TOFU decision at a time in this process, so concurrent first calls record once.
    const tofu = Effect.unsafeMakeSemaphore(1)

    const decide = (presented: string): Effect.Effect<void, PinMismatch | PinStoreError> =>
      Effect.gen(function*() {
        const recorded = Option.isSome(settings.fingerprint) ? Option.none<string>() : yield* readPin(store, endpoint)
        const decision = decidePin({ pinned: settings.fingerprint, recorded, presented })
        switch (decision._tag) {
          case "Accept":
            return
          case "AcceptAndRecord":
            yield* recordPin(store, endpoint, presented)
            yield* Effect.logWarning(
              `TLS certificate of ${endpoint} pinned on first use as ${presented}; verify it out of band`
            )
            return
          case "Refuse":
            return yield* new PinMismatch({
              channel: "tls",
              endpoint,
              expected: decision.expected,
              presented,
              message: mismatchMessage(endpoint, decision.expected, presented, decision.source, store)
            })
        }
      })
    const verify = Option.isSome(settings.fingerprint) ? decide : (fp: string) => tofu.withPermits(1)(decide(fp))

    const request = (req: ApiRequest): Effect.Effect<unknown, ApiFailure> => {
      const label = `${req.method} ${req.path}`
      const encoded = encodeParams(req.params)
      const inBody = req.method === "POST" || req.method === "PUT"
      const path = `${prefix}${req.path.split("/").map(encodeURIComponent).join("/")}`
      const once = pinnedRequest({
        host,
        port,
        endpoint,
        method: req.method,
        target: !inBody && encoded.length > 0 ? `${path}?${encoded}` : path,
        headers: [
          ["Host", base.host],
          ["Authorization", authorization],
          ["Accept", "application/json"],
          ["User-Agent", "homelab-mcp"],
          ...(inBody ? [["Content-Type", "application/x-www-form-urlencoded"] as const] : [])
        ],
        ...(inBody ? { body: encoded } : {}),
        verify
      }).pipe(
        Effect.flatMap((res) => interpretResponse(res, { label, path: req.path, tokenId: settings.tokenId, secret })),
        Effect.timeoutFail({
          duration: Duration.millis(settings.timeoutMs),
          onTimeout: () =>
            new ApiTimeout({
              timeoutMs: settings.timeoutMs,
              message: `PVE API ${label} timed out after ${settings.timeoutMs} ms` + (req.method === "GET"
                ? ""
                : "; the node may still carry it out, so check the guest state and task list before trying again")
            })
        })
      )
      const attempts = req.method === "GET"
        ? Effect.retry(once, { schedule: readRetry, while: (e) => e._tag === "ApiUnavailable" })
        : once
      return attempts.pipe(
        Effect.catchTag("PinStoreError", (e) =>
          Effect.fail(
            new ApiUnavailable({
              message: `TLS pin check for ${endpoint} failed closed: ${cleanText(e.message, secret)}`
            })
          ))
      )
    }

    return ProxmoxApi.of({ endpoint, node: settings.node, request })
  })

export const ProxmoxApiHttp: Layer.Layer<ProxmoxApi, NotConfigured, AppConfig> = Layer.effect(
  ProxmoxApi,
  Effect.flatMap(AppConfig, (config) =>
    Option.match(config.api, {
      onNone: () =>
        Effect.fail(
          new NotConfigured({
            message: "the PVE API is not configured: set PVE_API_BASE_URL, PVE_API_TOKEN_ID, PVE_API_TOKEN_SECRET " +
              "and PVE_API_NODE (or start with --simulated)"
          })
        ),
      onSome: makeProxmoxApiHttp
    }))
)
