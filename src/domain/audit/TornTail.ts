import { Either, Option } from "effect"
import type { ChainReport } from "../AuditChain.js"
import { parseLine, verifyText } from "../AuditChain.js"

const NEWLINE = 0x0a
const decoder = new TextDecoder()

export interface TornTail {
  /** Byte offset just past the last good newline: the log is cut back to this length. */
  readonly goodEnd: number
  /** The 1-based line the torn bytes start on. */
  readonly line: number
  /** How many bytes are torn (moved aside). */
  readonly bytes: number
  /** The verified report of the part that is kept. */
  readonly kept: ChainReport
}

const countNewlines = (bytes: Uint8Array, end: number): number => {
  let n = 0
  for (let i = 0; i < end; i++) if (bytes[i] === NEWLINE) n++
  return n
}

/**
 * Finds a torn final line, the mark of a crash mid-append: bytes after the last newline, or a last line that does not
 * parse (for example zero bytes a filesystem left after a crash). Returns it only when it is the only damage: the
 * part before it must verify as an intact chain. Anything else (a break in the middle, a last line that parses but
 * does not chain) is not a torn tail and yields `None`.
 */
export const findTornTail = (bytes: Uint8Array): Option.Option<TornTail> => {
  const length = bytes.length
  if (length === 0) return Option.none()
  let goodEnd: number
  if (bytes[length - 1] === NEWLINE) {
    goodEnd = bytes.lastIndexOf(NEWLINE, length - 2) + 1
    const last = decoder.decode(bytes.subarray(goodEnd, length - 1))
    if (last.trim() === "" || Either.isRight(parseLine(last))) return Option.none()
  } else {
    goodEnd = bytes.lastIndexOf(NEWLINE) + 1
  }
  const kept = verifyText(decoder.decode(bytes.subarray(0, goodEnd)))
  if (!kept.intact) return Option.none()
  return Option.some({ goodEnd, line: countNewlines(bytes, goodEnd) + 1, bytes: length - goodEnd, kept })
}
