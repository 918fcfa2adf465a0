/**
 * Incremental HTTP/1.1 response parser for one response on a `Connection: close` socket: status line, reason phrase,
 * headers, and a body framed by Content-Length, chunked transfer coding, or the end of the connection. Pure; the
 * socket code feeds it bytes.
 */

export interface HttpResponse {
  readonly status: number
  readonly reason: string
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>
  readonly body: Buffer
}

export type ParseStep =
  | { readonly _tag: "More" }
  | { readonly _tag: "Done"; readonly response: HttpResponse }
  | { readonly _tag: "Fail"; readonly reason: "too-large" | "malformed" | "truncated"; readonly message: string }

const MAX_HEAD_BYTES = 64 * 1024
const MAX_CHUNK_LINE = 4096
const CRLF = Buffer.from("\r\n")
const HEAD_END = Buffer.from("\r\n\r\n")
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/

type Framing = "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "close"

const more: ParseStep = { _tag: "More" }
const fail = (reason: "too-large" | "malformed" | "truncated", message: string): ParseStep => ({
  _tag: "Fail",
  reason,
  message
})

const parseHead = (text: string) => {
  const [statusLine = "", ...lines] = text.split("\r\n")
  const m = STATUS_LINE.exec(statusLine)
  if (m === null) return undefined
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const prev = headers.get(name)
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`)
  }
  return { status: Number(m[1]), reason: (m[2] ?? "").trim(), headers }
}

export const makeResponseParser = (maxBodyBytes: number) => {
  let pending: Buffer = Buffer.alloc(0)
  let head: ReturnType<typeof parseHead>
  let framing: Framing = "close"
  let remaining = 0
  let seenBytes = false
  const parts: Array<Buffer> = []
  let bodyBytes = 0

  const done = (): ParseStep =>
    head === undefined ? fail("malformed", "no response head") : {
      _tag: "Done",
      response: { status: head.status, reason: head.reason, headers: head.headers, body: Buffer.concat(parts) }
    }

  const addBody = (bytes: Buffer): ParseStep | undefined => {
    bodyBytes += bytes.length
    if (bodyBytes > maxBodyBytes) return fail("too-large", `response too large (over ${maxBodyBytes} bytes)`)
    if (bytes.length > 0) parts.push(bytes)
    return undefined
  }

  const startBody = (): ParseStep | undefined => {
    if (head === undefined) return fail("malformed", "no response head")
    const te = head.headers.get("transfer-encoding")
    const cl = head.headers.get("content-length")
    if (head.status === 204 || head.status === 304) {
      framing = "length"
      remaining = 0
    } else if (te !== undefined && /(?:^|,)\s*chunked\s*$/i.test(te)) {
      framing = "chunk-size"
    } else if (te === undefined && cl !== undefined) {
      const values = new Set(cl.split(",").map((v) => v.trim()))
      const [only] = [...values]
      if (values.size !== 1 || only === undefined || !/^\d{1,16}$/.test(only)) {
        return fail("malformed", "invalid Content-Length")
      }
      remaining = Number(only)
      if (remaining > maxBodyBytes) return fail("too-large", `response too large (${remaining} bytes)`)
      framing = "length"
    } else {
      framing = "close"
    }
    return undefined
  }

  const consumeBody = (input: Buffer): ParseStep => {
    let buf = input
    for (;;) {
      switch (framing) {
        case "close": {
          return addBody(buf) ?? more
        }
        case "length": {
          const take = buf.subarray(0, remaining)
          remaining -= take.length
          const err = addBody(take)
          if (err !== undefined) return err
          return remaining === 0 ? done() : more
        }
        case "chunk-size": {
          pending = pending.length === 0 ? buf : Buffer.concat([pending, buf])
          const eol = pending.indexOf(CRLF)
          if (eol < 0) return pending.length > MAX_CHUNK_LINE ? fail("malformed", "chunk size line too long") : more
          const sizeText = pending.subarray(0, eol).toString("latin1").split(";")[0]?.trim() ?? ""
          buf = pending.subarray(eol + 2)
          pending = Buffer.alloc(0)
          if (!/^[0-9a-f]{1,8}$/i.test(sizeText)) return fail("malformed", "malformed chunk size")
          remaining = parseInt(sizeText, 16)
          if (remaining === 0) return done()
          if (bodyBytes + remaining > maxBodyBytes) return fail("too-large", "response too large (chunked)")
          framing = "chunk-data"
          break
        }
        case "chunk-data": {
          const take = buf.subarray(0, remaining)
          remaining -= take.length
          const err = addBody(take)
          if (err !== undefined) return err
          buf = buf.subarray(take.length)
          if (remaining > 0) return more
          framing = "chunk-crlf"
          remaining = 2
          break
        }
        case "chunk-crlf": {
          const skip = Math.min(remaining, buf.length)
          remaining -= skip
          buf = buf.subarray(skip)
          if (remaining > 0) return more
          framing = "chunk-size"
          break
        }
      }
      if (buf.length === 0 && framing !== "chunk-size") return more
    }
  }

  const push = (chunk: Buffer): ParseStep => {
    if (chunk.length > 0) seenBytes = true
    if (head !== undefined) return consumeBody(chunk)
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    for (;;) {
      const end = pending.indexOf(HEAD_END)
      if (end < 0) return pending.length > MAX_HEAD_BYTES ? fail("malformed", "response head too large") : more
      const parsed = parseHead(pending.subarray(0, end).toString("utf8"))
      if (parsed === undefined) return fail("malformed", "not an HTTP/1.x response")
      pending = pending.subarray(end + 4)
      if (parsed.status >= 100 && parsed.status < 200) continue // interim response (100 Continue): skip it
      head = parsed
      const err = startBody()
      if (err !== undefined) return err
      const rest = pending
      pending = Buffer.alloc(0)
      return framing === "length" && remaining === 0 ? done() : consumeBody(rest)
    }
  }

  /** The connection ended: complete only when the body was framed by the close itself. */
  const end = (): ParseStep => {
    if (head !== undefined && framing === "close") return done()
    return fail("truncated", seenBytes ? "connection closed mid-response" : "connection closed without a response")
  }

  return { push, end }
}
