import { Either } from "effect"
import { shQuote } from "../../domain/Shell.js"
import type { DirEntry } from "../../services/RemoteFiles.js"
import { fileTypeOf, marker } from "./Parse.js"

/**
 * `list_directory` on the node: `find -H` lists the entries of the directory (a symlinked directory given as the
 * path is followed, its entries' links are not), NUL-terminated so no name can pass for another entry (B11).
 */

export const listScript = (path: string): string =>
  [
    `p=${shQuote(path)}`,
    "if test -d \"$p\"; then :; elif test -e \"$p\"; then printf '@MCP notdir '; stat -L -c %f -- \"$p\"; exit 0;",
    "else echo '@MCP missing'; exit 0; fi",
    "echo '@MCP list'",
    "find -H -- \"$p\" -mindepth 1 -maxdepth 1 -printf '%y %s %T@ %M %f\\0'"
  ].join("\n")

const TYPES: Readonly<Record<string, DirEntry["type"]>> = { f: "file", d: "directory", l: "symlink" }

const ENTRY = /^(\S) (\d+) (\d+(?:\.\d+)?) (\S{10}) (.+)$/s

export type Listing =
  | { readonly _tag: "missing" }
  | { readonly _tag: "notDirectory"; readonly fileType: string }
  | { readonly _tag: "entries"; readonly entries: ReadonlyArray<DirEntry> }

/** The listing, sorted by name; a line that does not parse is an error (never skipped silently). */
export const parseListing = (stdout: string): Either.Either<Listing, string> => {
  const lines = stdout.split("\n")
  if (marker(lines, "missing").at >= 0) return Either.right({ _tag: "missing" })
  const notDir = marker(lines, "notdir")
  if (notDir.at >= 0) return Either.right({ _tag: "notDirectory", fileType: fileTypeOf(parseInt(notDir.rest, 16)) })
  const start = stdout.indexOf("@MCP list\n")
  if (start < 0) return Either.left("no listing in the output")
  const entries: Array<DirEntry> = []
  for (const record of stdout.slice(start + "@MCP list\n".length).split("\0")) {
    if (record === "") continue
    const m = ENTRY.exec(record)
    if (m === null) return Either.left(`unexpected entry: ${JSON.stringify(record.slice(0, 100))}`)
    entries.push({
      name: m[5] ?? "",
      type: TYPES[m[1] ?? ""] ?? "other",
      sizeBytes: Number(m[2]),
      modified: new Date(Math.floor(Number(m[3]) * 1000)).toISOString(),
      permissions: m[4] ?? ""
    })
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return Either.right({ _tag: "entries", entries })
}
