import { Effect, Either, Layer, Redacted } from "effect"
import { fingerprintOf } from "../../domain/Fingerprint.js"
import { connectForPin, pinnedRequest } from "../../layers/PinnedHttps.js"
import { SetupApi, SetupFailed } from "./Ports.js"

/** The node's API for setup: a bare TLS handshake for the pin, and pinned token GETs (the server's own client). */

const TIMEOUT_MS = 15_000

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`

const certificate = (host: string, port: number) =>
  Effect.async<string, SetupFailed>((resume) => {
    const socket = connectForPin(host, port)
    const done = (e: Effect.Effect<string, SetupFailed>) => {
      socket.destroy()
      resume(e)
    }
    socket.once("secureConnect", () => {
      const raw = (socket.getPeerCertificate(true) as { readonly raw?: unknown } | null)?.raw
      done(
        raw instanceof Uint8Array && raw.length > 0
          ? Effect.succeed(fingerprintOf(raw))
          : Effect.fail(new SetupFailed({ message: `the API at ${hostPort(host, port)} presented no certificate` }))
      )
    })
    socket.once("error", (e) =>
      done(Effect.fail(new SetupFailed({ message: `cannot reach the API at ${hostPort(host, port)}: ${e.message}` }))))
    return Effect.sync(() =>
      socket.destroy()
    )
  }).pipe(
    Effect.timeoutFail({
      duration: TIMEOUT_MS,
      onTimeout: () => new SetupFailed({ message: `no TLS handshake from ${hostPort(host, port)} within 15 s` })
    })
  )

export const SetupApiLive = Layer.succeed(SetupApi, {
  certificate,
  get: (call) =>
    pinnedRequest({
      host: call.host,
      port: call.port,
      endpoint: hostPort(call.host, call.port),
      method: "GET",
      target: `/api2/json${call.path}`,
      headers: [
        ["Host", hostPort(call.host, call.port)],
        ["Authorization", `PVEAPIToken=${call.tokenId}=${Redacted.value(call.secret)}`],
        ["Accept", "application/json"],
        ["User-Agent", "homelab-mcp-setup"]
      ],
      verify: (fp) =>
        fp === call.pin
          ? Effect.void
          : Effect.fail(
            new SetupFailed({
              message: `the API at ${hostPort(call.host, call.port)} now presents ${fp}, not the pinned ${call.pin}`
            })
          )
    }).pipe(
      Effect.map((res) => {
        const body: unknown = Either.getOrUndefined(Either.try(() => JSON.parse(res.body.toString("utf8"))))
        return { status: res.status, body }
      }),
      Effect.catchTag("ApiUnavailable", (e) => Effect.fail(new SetupFailed({ message: e.message }))),
      Effect.timeoutFail({
        duration: TIMEOUT_MS,
        onTimeout: () => new SetupFailed({ message: `GET ${call.path} got no answer within 15 s` })
      })
    )
})
