/**
 * The companion/root exec guard (spec §5.1, security.md §2.3 item 8, §4.A): a tripwire, not a sandbox. Pure.
 *
 * Order, first match wins (spec §5.1.3): input checks → protected set (DENY at every tier) → built-in DENY →
 * configured DENY → built-in CONFIRM (availability class, dynamic commands) → configured CONFIRM → ALLOW.
 * Every rule looks at one simple command at a time (command word + arguments), after quote removal and unwrapping.
 * The raw text and its NFKC-folded form are both evaluated and the stricter verdict wins. Heavy-command detection
 * is only an annotation (`heavy`), never a gate (later §2.6).
 */
import { detectHeavy } from "./ChangeSize.js"
import { CONFIRM_RULES } from "./guard/Confirm.js"
import type { Context } from "./guard/Hits.js"
import { resolveWord } from "./guard/Hits.js"
import { HOME } from "./guard/Lexer.js"
import type { Finding } from "./guard/Rules.js"
import { DENY_RULES, PROTECTED_RULES, Stage } from "./guard/Rules.js"
import type { Segment } from "./guard/Segments.js"
import { analyze, renderSegment } from "./guard/Segments.js"
import { scanText } from "./guard/Text.js"

export { normalizeCommand } from "./guard/Normalize.js"
export type { NormalizedCommand } from "./guard/Normalize.js"
export { splitSegments } from "./guard/Segments.js"
export type { Segment } from "./guard/Segments.js"

/** Spec §5.1.4, verbatim. Entries prefixed `confirm:` are CONFIRM-class; the rest DENY. */
export const DEFAULT_DENYLIST: ReadonlyArray<string> = [
  "rm -rf /",
  "rm -rf /*",
  "mkfs",
  "dd if=/dev/zero",
  "dd if=/dev/random",
  "> /dev/sda",
  ":(){ :|:& };:",
  "chmod -R 777 /"
]

/** Longer commands are refused unread rather than half-evaluated. */
export const MAX_COMMAND_CHARS = 100_000

export interface GuardConfig {
  readonly denylist: ReadonlyArray<string>
  /** Extra protected prefixes (added to the built-in set, which cannot be switched off). */
  readonly protectedPaths?: ReadonlyArray<string>
}

export type Verdict =
  | { readonly verdict: "allow"; readonly heavy?: string }
  | { readonly verdict: "confirm"; readonly reason: string; readonly rule: string; readonly heavy?: string }
  | { readonly verdict: "deny"; readonly reason: string; readonly rule: string; readonly heavy?: string }

const RULES = [...PROTECTED_RULES, ...DENY_RULES, ...CONFIRM_RULES]
const OUTPUT = new Set([">", ">>", ">|", "&>", "&>>"])
/** One shell word that can name a function (`:`, `f`, `bomb`); a match only starts at a word boundary. */
const NAME = String.raw`(?<![^\s;&|(){}])([^\s;&|(){}<>'"` + "`" + String.raw`$]+)`
const FUNCTION_HEADER = new RegExp(String.raw`${NAME}\s*\(\s*\)\s*\{|function\s+${NAME}\s*\{`, "g")
const SELF_PIPE = new RegExp(String.raw`${NAME}\s*\|&?\s*\1\s*&`, "g")

/** A function that pipes into itself in the background: `:(){ :|:& };:` and every renamed variant. Linear. */
const isForkBomb = (script: string): boolean => {
  const piped = new Set([...script.matchAll(SELF_PIPE)].map((m) => m[1]))
  return piped.size > 0 && [...script.matchAll(FUNCTION_HEADER)].some((m) => piped.has(m[1] ?? m[2]))
}

const collapse = (s: string): string => s.replace(/\s+/g, " ").trim().toLowerCase()

interface Entry {
  readonly raw: string
  readonly confirm: boolean
  /** `rendered` is the segment's canonical text, lower-cased. */
  readonly matches: (seg: Segment, rendered: string) => boolean
  readonly whole: string | undefined
}

const compile = (raw: string): Entry => {
  const confirm = /^\s*confirm:/i.test(raw)
  const body = confirm ? raw.replace(/^\s*confirm:/i, "") : raw
  const segs = analyze(body).segments.filter((s) => s.depth === 0)
  const only = segs.length === 1 ? segs[0] : undefined
  if (only === undefined) return { raw, confirm, matches: () => false, whole: collapse(body) }
  if (only.argv.length === 0) {
    const targets = only.redirects.map((r) => r.target.text.toLowerCase())
    const matches = (seg: Segment) =>
      targets.length > 0 &&
      targets.every((t) => seg.redirects.some((r) => OUTPUT.has(r.op) && r.target.text.toLowerCase() === t))
    return { raw, confirm, matches, whole: undefined }
  }
  const canon = renderSegment(only).toLowerCase()
  const matches = (_: Segment, text: string) => text === canon || text.startsWith(`${canon} `)
  return { raw, confirm, matches, whole: undefined }
}

const configured = (entry: Entry): Finding => ({
  verdict: entry.confirm ? "confirm" : "deny",
  stage: entry.confirm ? Stage.configuredConfirm : Stage.configuredDeny,
  rule: `denylist:${entry.raw.trim()}`,
  reason: `matches the configured ${entry.confirm ? "confirm" : "deny"} entry "${entry.raw.trim()}"`
})

const nextCwd = (seg: Segment, cwd: string | undefined): string | undefined => {
  if (seg.name !== "cd" && seg.name !== "pushd") return cwd
  const target = seg.argv.slice(1).find((w) => !w.text.startsWith("-") || w.text === "-")
  if (target === undefined) return HOME
  return target.dynamic || target.text === "-" ? undefined : resolveWord(target, cwd)
}

const evaluateText = (cmd: string, config: GuardConfig): Finding | undefined => {
  const analysis = analyze(cmd)
  const entries = config.denylist.filter((e) => e.trim() !== "").map(compile)
  const found: Array<Finding> = []
  if (analysis.tooDeep) {
    found.push({ verdict: "deny", stage: Stage.deny, rule: "deny.nesting", reason: "nested too deeply to evaluate" })
  }
  if (analysis.scripts.some(isForkBomb)) {
    found.push({ verdict: "deny", stage: Stage.deny, rule: "deny.fork-bomb", reason: "destructive command: fork bomb" })
  }
  const text = collapse(cmd)
  for (const e of entries) if (e.whole !== undefined && text.includes(e.whole)) found.push(configured(e))
  let cwd: string | undefined
  for (const seg of analysis.segments) {
    const ctx: Context = { cwd, protectedPaths: config.protectedPaths ?? [] }
    for (const rule of RULES) {
      const f = rule(seg, ctx)
      if (f !== undefined) found.push(f)
    }
    const rendered = entries.length === 0 ? "" : renderSegment(seg).toLowerCase()
    for (const e of entries) if (e.matches(seg, rendered)) found.push(configured(e))
    cwd = nextCwd(seg, cwd)
  }
  return found.reduce<Finding | undefined>(
    (best, f) => (best === undefined || f.stage < best.stage ? f : best),
    undefined
  )
}

const severity = (f: Finding | undefined): number => (f === undefined ? 0 : f.verdict === "confirm" ? 1 : 2)

const inputProblem = (cmd: string): Finding | undefined => {
  const scan = scanText(cmd)
  const reason = scan.nul
    ? "the command contains a NUL byte"
    : scan.invisible
    ? "the command contains invisible, bidirectional or control characters"
    : cmd.length > MAX_COMMAND_CHARS
    ? `the command is longer than ${MAX_COMMAND_CHARS} characters`
    : undefined
  return reason === undefined ? undefined : { verdict: "deny", stage: Stage.input, rule: "input.rejected", reason }
}

/** ALLOW, CONFIRM or DENY for one command string, with the heavy-command annotation alongside. */
export const evaluateCommand = (cmd: string, config: GuardConfig): Verdict => {
  const heavy = detectHeavy(cmd)
  const note = heavy === undefined ? {} : { heavy }
  let finding = inputProblem(cmd)
  if (finding === undefined) {
    finding = evaluateText(cmd, config)
    const folded = cmd.normalize("NFKC")
    const lookalike = folded === cmd ? undefined : evaluateText(folded, config)
    if (lookalike !== undefined && severity(lookalike) > severity(finding)) {
      finding = { ...lookalike, reason: `${lookalike.reason} (spelled with lookalike Unicode characters)` }
    }
  }
  if (finding === undefined) return { verdict: "allow", ...note }
  return { verdict: finding.verdict, reason: finding.reason, rule: finding.rule, ...note }
}
