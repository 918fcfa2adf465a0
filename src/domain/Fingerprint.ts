import { Option } from "effect"
import { createHash } from "node:crypto"

/**
 * SHA-256 fingerprints in the OpenSSH style, `SHA256:<base64 without padding>`, shared by the TLS and SSH pins.
 */

const DIGEST_BYTES = 32
const HEX_COLONS = /(?:^|[\s=])((?:[0-9a-f]{2}:){31}[0-9a-f]{2})(?=\s|$)/i
const HEX_PLAIN = /^[0-9a-f]{64}$/i
const SHA256_TOKEN = /(?:^|\s)sha256:([A-Za-z0-9+/]+={0,2})(?=\s|$)/i
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const format = (digest: Buffer): string => `SHA256:${digest.toString("base64").replace(/=+$/, "")}`

const fromBase64 = (b64: string): Option.Option<string> => {
  if (!BASE64.test(b64)) return Option.none()
  const bare = b64.replace(/=+$/, "")
  const digest = Buffer.from(bare, "base64")
  // Round-trip so that non-canonical encodings (stray bits, wrong length) are rejected rather than altered.
  return digest.length === DIGEST_BYTES && format(digest) === `SHA256:${bare}`
    ? Option.some(format(digest))
    : Option.none()
}

const fromHex = (hex: string): Option.Option<string> => {
  const digest = Buffer.from(hex.replace(/:/g, ""), "hex")
  return digest.length === DIGEST_BYTES ? Option.some(format(digest)) : Option.none()
}

/**
 * Accepts `SHA256:<b64>` (any case of the prefix), a bare base64 digest, a full `ssh-keygen -lf` line, the colon-hex
 * form shown by browsers, the PVE GUI and `openssl x509 -fingerprint -sha256` (whole line or just the hex), or plain
 * hex. Returns `SHA256:<base64 without padding>`, or None when the input is not a SHA-256 digest.
 */
export const normalizeFingerprint = (input: string): Option.Option<string> => {
  const text = input.trim()
  const hexColons = HEX_COLONS.exec(text)?.[1]
  if (hexColons !== undefined) return fromHex(hexColons)
  if (HEX_PLAIN.test(text)) return fromHex(text)
  const token = SHA256_TOKEN.exec(text)?.[1]
  if (token !== undefined) return fromBase64(token)
  return fromBase64(text)
}

/** The fingerprint of raw bytes: a certificate's DER encoding, or an SSH host-key blob. */
export const fingerprintOf = (der: Uint8Array): string => format(createHash("sha256").update(der).digest())

export type PinDecision =
  | { readonly _tag: "Accept" }
  | { readonly _tag: "AcceptAndRecord" }
  | { readonly _tag: "Refuse"; readonly expected: string; readonly source: "pin" | "store" }

const same = (expected: string, presented: string) =>
  Option.getOrElse(normalizeFingerprint(expected), () => expected) === presented

/**
 * The fail-closed trust decision: an explicit pin wins and the store is ignored; otherwise a recorded fingerprint
 * must match; with neither, accept and record (trust on first use). Nothing is ever re-pinned here.
 */
export const decidePin = (input: {
  readonly pinned: Option.Option<string>
  readonly recorded: Option.Option<string>
  readonly presented: string
}): PinDecision => {
  const presented = Option.getOrElse(normalizeFingerprint(input.presented), () => input.presented)
  if (Option.isSome(input.pinned)) {
    return same(input.pinned.value, presented)
      ? { _tag: "Accept" }
      : { _tag: "Refuse", expected: input.pinned.value, source: "pin" }
  }
  if (Option.isSome(input.recorded)) {
    return same(input.recorded.value, presented)
      ? { _tag: "Accept" }
      : { _tag: "Refuse", expected: input.recorded.value, source: "store" }
  }
  return { _tag: "AcceptAndRecord" }
}
