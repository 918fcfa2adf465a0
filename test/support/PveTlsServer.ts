import { Effect } from "effect"
import { X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import type { Socket } from "node:net"
import { join } from "node:path"
import type { TLSSocket } from "node:tls"
import { createServer } from "node:tls"
import { fingerprintOf } from "../../src/domain/Fingerprint.js"

/**
 * An in-process TLS server on 127.0.0.1 standing in for pveproxy. It records every application byte it receives on
 * each connection, parses requests, and answers with whatever the test's handler returns (or never answers).
 */

export type CertName = "a" | "b"

const fixture = (file: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", "tls", file), "utf8")
export const certs = {
  a: { key: fixture("a.key"), cert: fixture("a.pem") },
  b: { key: fixture("b.key"), cert: fixture("b.pem") }
}
export const fingerprintOfCert = (name: CertName): string => fingerprintOf(new X509Certificate(certs[name].cert).raw)

export interface SeenRequest {
  readonly method: string
  readonly target: string
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
}

export interface Reply {
  readonly status: number
  readonly reason?: string
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: string
  /** Send the body with chunked transfer coding, in pieces of this many bytes. */
  readonly chunked?: number
}

/** `"hang"` never answers; `"drop"` destroys the connection without a response. */
export type Handler = (req: SeenRequest, index: number) => Reply | "hang" | "drop"

export interface PveTlsServer {
  readonly port: number
  readonly requests: Array<SeenRequest>
  /** Application bytes received, one entry per TLS connection. */
  readonly received: Array<Buffer>
  readonly tcpConnections: () => number
  /** Resolves once every TCP connection accepted so far is closed. */
  readonly settled: () => Promise<void>
  readonly useCert: (name: CertName) => void
  readonly close: () => Promise<void>
}

export const json = (data: unknown, status = 200, reason = "OK"): Reply => ({
  status,
  reason,
  headers: [["Content-Type", "application/json;charset=UTF-8"]],
  body: JSON.stringify({ data })
})

const render = (reply: Reply): string => {
  const body = reply.body ?? ""
  const head = [
    `HTTP/1.1 ${reply.status} ${reply.reason ?? ""}`.trimEnd(),
    ...(reply.headers ?? []).map(([k, v]) => `${k}: ${v}`)
  ]
  const framed = (reply.headers ?? []).some(([k]) => k.toLowerCase() === "content-length")
  if (reply.chunked === undefined) {
    return [...head, ...(framed ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]), "", body].join("\r\n")
  }
  const pieces: Array<string> = []
  for (let i = 0; i < body.length; i += reply.chunked) {
    const piece = body.slice(i, i + reply.chunked)
    pieces.push(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`)
  }
  return [...head, "Transfer-Encoding: chunked", "", `${pieces.join("")}0\r\n\r\n`].join("\r\n")
}

const parseRequest = (buf: Buffer): SeenRequest | undefined => {
  const end = buf.indexOf("\r\n\r\n")
  if (end < 0) return undefined
  const [line = "", ...lines] = buf.subarray(0, end).toString("utf8").split("\r\n")
  const headers = new Map(
    lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()])
  )
  const length = Number(headers.get("content-length") ?? "0")
  if (buf.length < end + 4 + length) return undefined
  const [method = "", target = ""] = line.split(" ")
  return { method, target, headers, body: buf.subarray(end + 4, end + 4 + length).toString("utf8") }
}

export const startServer = (initial: CertName, handler: Handler): Promise<PveTlsServer> => {
  const requests: Array<SeenRequest> = []
  const received: Array<Buffer> = []
  const closed: Array<Promise<void>> = []
  const sockets: Array<Socket> = []
  const server = createServer({ ...certs[initial], minVersion: "TLSv1.2" }, (socket: TLSSocket) => {
    const slot = received.push(Buffer.alloc(0)) - 1
    let answered = false
    socket.on("error", () => undefined)
    socket.on("data", (chunk: Buffer) => {
      received[slot] = Buffer.concat([received[slot] ?? Buffer.alloc(0), chunk])
      const req = answered ? undefined : parseRequest(received[slot] ?? Buffer.alloc(0))
      if (req === undefined) return
      answered = true
      const reply = handler(req, requests.push(req) - 1)
      if (reply === "drop") socket.destroy()
      else if (reply !== "hang") socket.end(render(reply))
    })
  })
  server.on("connection", (socket: Socket) => {
    socket.on("error", () => undefined)
    sockets.push(socket)
    closed.push(new Promise((resolve) => socket.once("close", () => resolve())))
  })
  server.on("tlsClientError", () => undefined)
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        requests,
        received,
        tcpConnections: () => closed.length,
        settled: () => Promise.all(closed).then(() => undefined),
        useCert: (name) => server.setSecureContext({ ...certs[name], minVersion: "TLSv1.2" }),
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            for (const socket of sockets) socket.destroy() // drop hanging connections so close() can finish
          })
      })
    })
  })
}

/** Runs `use` against a fresh server, closing it afterwards. */
export const withServer = <A, E, R>(
  cert: CertName,
  handler: Handler,
  use: (server: PveTlsServer) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.promise(() => startServer(cert, handler)),
    use,
    (s) => Effect.promise(() => s.close())
  )
