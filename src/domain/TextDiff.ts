import type { StructuredPatch } from "diff"
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from "diff"

export interface TextDiffOptions {
  /** The file's path, shown in the `---`/`+++` headers as `a<path>` and `b<path>`. */
  readonly path: string
  /** The most lines the returned diff holds; longer diffs are cut and marked `truncated`. */
  readonly maxLines: number
}

export interface TextDiff {
  /** A unified diff (3 lines of context); empty when nothing changed. */
  readonly diff: string
  readonly truncated: boolean
  /** Lines added and removed over the whole diff, also when the text was truncated. */
  readonly addedLines: number
  readonly removedLines: number
}

/** Beyond this many edits the diff is not searched for: the whole file is shown as replaced. */
const MAX_EDIT_LENGTH = 2_000

const countLines = (patch: StructuredPatch) => {
  let added = 0
  let removed = 0
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith("+")) added++
      else if (line.startsWith("-")) removed++
    }
  }
  return { added, removed }
}

/** Lines of a text as `diff` counts them: a final newline ends the last line, it does not start another. */
const splitLines = (text: string) => text === "" ? [] : text.replace(/\n$/, "").split("\n")

/** The diff of two texts too different to search: every old line removed, every new line added. */
const replaceAll = (before: string, after: string, path: string) => {
  const old = splitLines(before)
  const neu = splitLines(after)
  const noEol = (text: string, lines: ReadonlyArray<string>) =>
    lines.length > 0 && !text.endsWith("\n") ? ["\\ No newline at end of file"] : []
  const body = [
    `--- a${path}`,
    `+++ b${path}`,
    `@@ -${old.length === 0 ? 0 : 1},${old.length} +${neu.length === 0 ? 0 : 1},${neu.length} @@`,
    ...old.map((l) => `-${l}`),
    ...noEol(before, old),
    ...neu.map((l) => `+${l}`),
    ...noEol(after, neu)
  ]
  return { text: `${body.join("\n")}\n`, added: neu.length, removed: old.length }
}

/** A unified diff of two texts (pure), built with the `diff` package and capped at `maxLines` lines. */
export const unifiedDiff = (before: string, after: string, options: TextDiffOptions): TextDiff => {
  if (before === after) return { diff: "", truncated: false, addedLines: 0, removedLines: 0 }
  const { maxLines, path } = options
  const patch = structuredPatch(`a${path}`, `b${path}`, before, after, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDIT_LENGTH
  })
  const full = patch === undefined
    ? replaceAll(before, after, path)
    : { ...countLines(patch), text: formatPatch(patch, FILE_HEADERS_ONLY) }
  const lines = full.text.replace(/\n$/, "").split("\n")
  const truncated = lines.length > maxLines
  return {
    diff: truncated ? `${lines.slice(0, Math.max(0, maxLines)).join("\n")}\n` : full.text,
    truncated,
    addedLines: full.added,
    removedLines: full.removed
  }
}

/** Text: no NUL byte anywhere, and the whole buffer is valid UTF-8. */
export const isText = (bytes: Uint8Array): boolean => {
  // D6: the whole buffer is checked, not only the first 8 KiB (a NUL at byte 8193 is still binary).
  if (bytes.includes(0)) return false
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}
