/**
 * Bytes in the simulated shell's streams. Streams are strings; a byte that is not part of valid UTF-8 rides in them
 * as the lone surrogate U+DC80–U+DCFF (Python's "surrogateescape"), so binary data survives pipes, redirections and
 * `base64 -d > f` exactly, while text commands still see ordinary text.
 */

const encoder = new TextEncoder()
const cont = (b: number | undefined, lo = 0x80, hi = 0xbf) => b !== undefined && b >= lo && b <= hi

/** The code point of the valid UTF-8 sequence at `i` and its length, or `undefined` (RFC 3629 table). */
const utf8At = (bytes: Uint8Array, i: number): readonly [number, number] | undefined => {
  const b = bytes[i] ?? 0
  const [x1, x2, x3] = [bytes[i + 1], bytes[i + 2], bytes[i + 3]]
  const [b1, b2, b3] = [(x1 ?? 0) & 0x3f, (x2 ?? 0) & 0x3f, (x3 ?? 0) & 0x3f]
  if (b < 0x80) return [b, 1]
  if (b >= 0xc2 && b <= 0xdf) return cont(x1) ? [((b & 0x1f) << 6) | b1, 2] : undefined
  if (b >= 0xe0 && b <= 0xef) {
    const ok = cont(x1, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf) && cont(x2)
    return ok ? [((b & 0x0f) << 12) | (b1 << 6) | b2, 3] : undefined
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const ok = cont(x1, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf) && cont(x2) && cont(x3)
    return ok ? [((b & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3, 4] : undefined
  }
  return undefined
}

const ESCAPED = /[\udc80-\udcff]/

const escapeBytes = (bytes: Uint8Array): string => {
  const out: Array<string> = []
  for (let i = 0; i < bytes.length;) {
    const at = utf8At(bytes, i)
    out.push(at === undefined ? String.fromCharCode(0xdc00 + (bytes[i] ?? 0)) : String.fromCodePoint(at[0]))
    i += at === undefined ? 1 : at[1]
  }
  return out.join("")
}

/**
 * The bytes of file content or of a stream. Streams are strings; bytes that are not UTF-8 travel in them escaped
 * (see `textOf`), so `base64 -d > f` and `sha256sum < f` see the exact bytes.
 */
export const bytesOf = (content: string | Uint8Array): Uint8Array => {
  if (typeof content !== "string") return content
  if (!ESCAPED.test(content)) return encoder.encode(content)
  const parts: Array<number> = []
  for (const piece of content.split(/([\udc80-\udcff])/)) {
    if (piece.length === 1 && ESCAPED.test(piece)) parts.push(piece.charCodeAt(0) - 0xdc00)
    else for (const b of encoder.encode(piece)) parts.push(b)
  }
  return Uint8Array.from(parts)
}

/** Content as a stream string: UTF-8 decoded, every invalid byte kept as an escape (lossless with `bytesOf`). */
export const textOf = (content: string | Uint8Array): string =>
  typeof content === "string" ? content : escapeBytes(content)

/** Stored form of written stream text: escaped bytes become real bytes again. */
export const storedOf = (content: string | Uint8Array): string | Uint8Array =>
  typeof content === "string" && ESCAPED.test(content) ? bytesOf(content) : content
