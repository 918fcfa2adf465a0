import { Effect } from "effect"
import type { Scope } from "effect"
import { isIP } from "node:net"
import type { TLSSocket } from "node:tls"
import { connect } from "node:tls"
import { ApiUnavailable } from "../domain/Errors.js"
import { fingerprintOf } from "../domain/Fingerprint.js"
import type { HttpResponse } from "./Http1Response.js"
import { makeResponseParser } from "./Http1Response.js"

export type { HttpResponse } from "./Http1Response.js"

/**
 * A minimal HTTP/1.1-over-TLS client whose trust decision happens between the TLS handshake and the first
 * application byte: CA validation is off (PVE certificates are self-signed) and replaced by `verify`, which sees the
 * SHA-256 fingerprint of the leaf certificate's DER bytes. Only when `verify` succeeds is the request (and with it
 * the token) written. Built on `node:tls` alone so that it behaves the same under Node and Bun. No redirects, no
 * keep-alive: one connection per request, destroyed when the effect ends, fails or is interrupted.
 */
export interface PinnedRequest<E, R> {
  /** Host name or IP literal (no brackets). */
  readonly host: string
  readonly port: number
  /** `host:port` for messages. */
  readonly endpoint: string
  readonly method: string
  /** Origin-form request target: absolute path plus optional query. */
  readonly target: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: string
  readonly verify: (fingerprint: string) => Effect.Effect<void, E, R>
  readonly maxBodyBytes?: number
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024

const detail = (e: Error): string => {
  const code = "code" in e && typeof e.code === "string" ? e.code : undefined
  return code === undefined ? e.message : code
}

/**
 * A TLS connection whose certificate is judged by its pin, not by a CA (hence `rejectUnauthorized: false`), TLS 1.2
 * or newer, with SNI for host names. The one way this code base opens a TLS connection to a node.
 */
export const connectForPin = (host: string, port: number): TLSSocket =>
  connect({
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: false,
    minVersion: "TLSv1.2"
  })

/** TCP connect + TLS handshake; the socket is destroyed if the fiber is interrupted meanwhile. */
const handshake = (host: string, port: number, endpoint: string) =>
  Effect.async<TLSSocket, ApiUnavailable>((resume) => {
    const socket = connectForPin(host, port)
    let settled = false
    const settle = (effect: Effect.Effect<TLSSocket, ApiUnavailable>) => {
      if (settled) return
      settled = true
      socket.off("error", onError)
      socket.off("close", onClose)
      socket.on("error", () => undefined) // later errors are reported by the exchange; never an uncaught 'error'
      resume(effect)
    }
    const unavailable = (why: string) => {
      socket.destroy()
      settle(Effect.fail(new ApiUnavailable({ message: `PVE API at ${endpoint} ${why}` })))
    }
    const onError = (e: Error) => unavailable(`unreachable: ${detail(e)}`)
    const onClose = () => unavailable("closed the connection during TLS setup")
    socket.on("error", onError)
    socket.on("close", onClose)
    socket.once("secureConnect", () => settle(Effect.succeed(socket)))
    return Effect.sync(() => socket.destroy())
  })

/** Handshake, with the socket's destruction tied to the enclosing scope. */
const openSocket = (
  host: string,
  port: number,
  endpoint: string
): Effect.Effect<TLSSocket, ApiUnavailable, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.tap(
      restore(handshake(host, port, endpoint)),
      (socket) => Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
    )
  )

const peerFingerprint = (socket: TLSSocket, endpoint: string) =>
  Effect.suspend(() => {
    const cert = socket.getPeerCertificate(true) as { readonly raw?: unknown } | null
    const raw = cert?.raw
    return raw instanceof Uint8Array && raw.length > 0
      ? Effect.succeed(fingerprintOf(raw))
      : Effect.fail(
        new ApiUnavailable({
          message: `PVE API at ${endpoint} presented no TLS certificate; refused before sending anything`
        })
      )
  })

const serialize = <E, R>(req: PinnedRequest<E, R>): Buffer => {
  const body = req.body === undefined ? undefined : Buffer.from(req.body, "utf8")
  const lines = [`${req.method} ${req.target} HTTP/1.1`, ...req.headers.map(([k, v]) => `${k}: ${v}`)]
  if (body !== undefined) lines.push(`Content-Length: ${body.length}`)
  lines.push("Connection: close", "", "")
  const head = Buffer.from(lines.join("\r\n"), "utf8")
  return body === undefined ? head : Buffer.concat([head, body])
}

/** Writes the request and reads one response. */
const exchange = (socket: TLSSocket, request: Buffer, endpoint: string, maxBodyBytes: number) =>
  Effect.async<HttpResponse, ApiUnavailable>((resume) => {
    const parser = makeResponseParser(maxBodyBytes)
    let settled = false
    const settle = (effect: Effect.Effect<HttpResponse, ApiUnavailable>) => {
      if (settled) return
      settled = true
      socket.off("data", onData)
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
      socket.destroy()
      resume(effect)
    }
    const handle = (step: ReturnType<typeof parser.push>) => {
      if (step._tag === "Done") settle(Effect.succeed(step.response))
      else if (step._tag === "Fail") {
        settle(Effect.fail(new ApiUnavailable({ message: `PVE API at ${endpoint}: ${step.message}` })))
      }
    }
    const onData = (chunk: Buffer) => handle(parser.push(chunk))
    const onEnd = () => handle(parser.end())
    const onError = (e: Error) =>
      settle(Effect.fail(new ApiUnavailable({ message: `PVE API at ${endpoint} connection failed: ${detail(e)}` })))
    socket.on("data", onData)
    socket.on("end", onEnd)
    socket.on("close", onEnd)
    socket.on("error", onError)
    if (socket.destroyed) onEnd()
    else socket.write(request)
    return Effect.sync(() => socket.destroy())
  })

const unsafeHeader = (value: string) => /[\r\n\0]/.test(value)

/**
 * Performs one pinned request. Fails with ApiUnavailable for transport problems (unreachable, reset, premature close,
 * malformed or oversized response) and with `verify`'s error when the certificate is refused; in that case no byte of
 * the request has been written.
 */
export const pinnedRequest = <E, R>(req: PinnedRequest<E, R>): Effect.Effect<HttpResponse, ApiUnavailable | E, R> =>
  Effect.scoped(
    Effect.gen(function*() {
      const bad = req.headers.find(([k, v]) => unsafeHeader(k) || unsafeHeader(v)) ??
        (/[\s\0]/.test(req.target) ? ["target"] : undefined)
      if (bad !== undefined) {
        return yield* new ApiUnavailable({
          message: `refusing to send a request whose ${bad[0]} contains a line break or blank`
        })
      }
      const socket = yield* openSocket(req.host, req.port, req.endpoint)
      const fingerprint = yield* peerFingerprint(socket, req.endpoint)
      yield* req.verify(fingerprint)
      return yield* exchange(socket, serialize(req), req.endpoint, req.maxBodyBytes ?? MAX_BODY_BYTES)
    })
  )
