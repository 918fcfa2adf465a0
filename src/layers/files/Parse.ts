import { Either } from "effect"
import type { RemoteStat } from "../../services/RemoteFiles.js"

/** Reads what the scripts of `Probe` print: the `@MCP` lines, base64 payloads, raw `st_mode` values. */

export interface Probe {
  readonly stat: RemoteStat
  /** The base64 text after `@MCP data`, when the script sent content. */
  readonly data: string | undefined
  /** The hex digest after `@MCP hash`, when the script hashed the file. */
  readonly sha256: string | undefined
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Bytes of a base64 payload; `undefined` when it is not clean base64 (cut off, or not ours). */
export const decodeBase64 = (text: string): Uint8Array | undefined =>
  BASE64.test(text) && text.length % 4 === 0 ? new Uint8Array(Buffer.from(text, "base64")) : undefined

/** `RemoteStat.fileType` of a raw `st_mode` (`stat -c %f`). */
export const fileTypeOf = (rawMode: number): RemoteStat["fileType"] => {
  switch (rawMode & 0o170000) {
    case 0o100000:
      return "file"
    case 0o040000:
      return "directory"
    case 0o120000:
      return "symlink"
    case 0o010000:
      return "fifo"
    case 0o140000:
      return "socket"
    case 0o020000:
      return "char-device"
    case 0o060000:
      return "block-device"
    default:
      return "other"
  }
}

/** The rest of the first line that starts with `@MCP <name> `, and the index of that line. */
export const marker = (lines: ReadonlyArray<string>, name: string): { readonly rest: string; readonly at: number } => {
  const at = lines.findIndex((l) => l === `@MCP ${name}` || l.startsWith(`@MCP ${name} `))
  return { at, rest: at < 0 ? "" : (lines[at] ?? "").slice(`@MCP ${name} `.length) }
}

const resolvedOf = (line: string | undefined): string => {
  const bytes = decodeBase64(line ?? "")
  return bytes === undefined ? "" : Buffer.from(bytes).toString("utf8").replace(/\n$/, "")
}

/** The probe's answer, or what was wrong with the output. */
export const parseProbe = (path: string, stdout: string): Either.Either<Probe, string> => {
  const lines = stdout.split("\n")
  const missing = marker(lines, "missing")
  const found = marker(lines, "stat")
  const at = missing.at >= 0 ? missing.at : found.at
  if (at < 0) return Either.left("no stat line in the output")
  const resolvedPath = resolvedOf(lines[at + 1])
  const data = marker(lines, "data")
  const hash = /^([0-9a-f]{64})\b/.exec(marker(lines, "hash").rest)?.[1]
  const tail = { data: data.at < 0 ? undefined : lines[data.at + 1] ?? "", sha256: hash }
  if (missing.at >= 0) {
    const stat: RemoteStat = {
      path,
      resolvedPath,
      exists: false,
      isSymlink: missing.rest === "1",
      fileType: "missing",
      sizeBytes: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 0
    }
    return Either.right({ stat, ...tail })
  }
  const m = /^([01]) ([0-9a-f]+) (\d+) (\d+) (\d+) (\d+)$/.exec(found.rest)
  if (m === null) return Either.left(`unexpected stat line: ${found.rest.slice(0, 100)}`)
  const raw = parseInt(m[2] ?? "0", 16)
  const stat: RemoteStat = {
    path,
    resolvedPath: resolvedPath === "" ? path : resolvedPath,
    exists: true,
    isSymlink: m[1] === "1",
    fileType: fileTypeOf(raw),
    sizeBytes: Number(m[3]),
    mode: raw & 0o7777,
    uid: Number(m[4]),
    gid: Number(m[5]),
    nlink: Number(m[6])
  }
  return Either.right({ stat, ...tail })
}

/** The link count a commit script saw before it renamed (`@MCP nlink N`), 0 when the target did not exist. */
export const nlinkBefore = (stdout: string): number => Number(marker(stdout.split("\n"), "nlink").rest) || 0

/** `@MCP done`: the commit script ran to its end. */
export const committed = (stdout: string): boolean => marker(stdout.split("\n"), "done").at >= 0
