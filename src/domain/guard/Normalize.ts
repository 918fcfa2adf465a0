/**
 * `normalizeCommand` (spec §5.1.1 plus security.md §4.A): the canonical form of what a command string runs. Pure.
 *
 * Invisible and control characters are removed (and reported), the text is NFKC-folded, and every simple command is
 * rendered as its real command word and arguments: quotes and escapes removed (`r''eboot`, `r\eboot`, `"re"boot`),
 * `$'\x72eboot'` decoded, `$IFS` treated as a separator, brace lists and literal variables expanded, and wrappers
 * and path prefixes stripped (`/usr/bin/env`, `sudo`, `timeout 5`, `busybox`, `xargs` …). Whitespace collapses as a
 * side effect. The evaluation itself (CommandGuard) also checks the unfolded text, because the raw bytes are what run.
 */
import { analyze, renderSegment } from "./Segments.js"
import { scanText } from "./Text.js"

export interface NormalizedCommand {
  /** Canonical segments joined with ` ; `. */
  readonly text: string
  readonly segments: ReadonlyArray<string>
  /** Zero-width, bidi, NUL or other control characters were removed. */
  readonly stripped: boolean
  /** NFKC folding changed the text (fullwidth letters, ligatures, NBSP …). */
  readonly folded: boolean
  /** Obfuscation tricks seen: ANSI-C quoting, `$IFS`, empty substitutions or parameters, brace lists. */
  readonly tricks: ReadonlyArray<string>
}

export const normalizeCommand = (cmd: string): NormalizedCommand => {
  const scan = scanText(cmd)
  const analysis = analyze(scan.folded)
  const segments = analysis.segments.map(renderSegment).filter((s) => s !== "")
  return {
    text: segments.join(" ; "),
    segments,
    stripped: scan.nul || scan.invisible,
    folded: scan.folded !== scan.cleaned,
    tricks: analysis.tricks
  }
}
