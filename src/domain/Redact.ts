/**
 * The one secret-redaction module (spec §5.5), used for audit records, census configs, logs and file reads.
 * Pure. Every function returns how many replacements it made. The marker is always `[REDACTED]`.
 */

export const REDACTED = "[REDACTED]"

export interface RedactResult<A> {
  readonly value: A
  readonly count: number
}

/** Substrings that make a key name secret-ish (case-insensitive). Built in; they cannot be switched off. */
const BUILT_IN_KEYS = [
  "pass",
  "secret",
  "token",
  "api[_-]?key",
  "access[_-]?key",
  "private[_-]?key",
  "auth",
  "credential",
  "wireguard[\\w.-]*key",
  "psk"
]

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const keyAlternation = (extraKeys: ReadonlyArray<string>): string =>
  [...BUILT_IN_KEYS, ...extraKeys.filter((k) => k.trim() !== "").map(escapeRegExp)].join("|")

const keyPatternCache = new Map<string, RegExp>()

const keyPattern = (extraKeys: ReadonlyArray<string>): RegExp => {
  const source = keyAlternation(extraKeys)
  const cached = keyPatternCache.get(source)
  if (cached !== undefined) return cached
  const made = new RegExp(source, "i")
  if (keyPatternCache.size < 64) keyPatternCache.set(source, made)
  return made
}

/** True when a key name matches the secret pattern (a substring rule, so it over-redacts: `author` matches). */
export const isSecretKey = (key: string, extraKeys: ReadonlyArray<string> = []): boolean =>
  keyPattern(extraKeys).test(key)

type Rule = readonly [RegExp, (match: string, ...groups: Array<string | undefined>) => string | undefined]

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
const QUOTED = String.raw`"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|["'][^\r\n]*`

/**
 * `NAME=value` (env style) ends at whitespace; `name: value` (YAML, headers, logs) runs to the end of the line.
 * Quoted values end at the closing quote (or the end of the line when it is missing).
 */
const keyValueRule = (keys: string): Rule => [
  new RegExp(
    String.raw`(?<![\w.-])(["']?)([\w.-]*(?:${keys})[\w.-]*)\1([ \t]*)` +
      String.raw`(?:(=)([ \t]*)(${QUOTED}|\S+)|(:)([ \t]*)(${QUOTED}|\S[^\r\n]*))`,
    "gi"
  ),
  (_m, q = "", key = "", s1 = "", eq, s2, v1, colon, s3, v2) => {
    const value = v1 ?? v2 ?? ""
    if (value.includes(REDACTED)) return undefined
    const quote = value.length >= 2 && /^["']/.test(value) && value.endsWith(value.charAt(0)) ? value.charAt(0) : ""
    return `${q}${key}${q}${s1}${eq ?? colon ?? ""}${s2 ?? s3 ?? ""}${quote}${REDACTED}${quote}`
  }
]

const makeRules = (keys: string): ReadonlyArray<Rule> => [
  // 1. PEM private key blocks, through the matching END line (or to the end of the text when the END is missing).
  [
    /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*)-----[\s\S]*?(?:-----END \1-----|$)/g,
    () => REDACTED
  ],
  // 2. URL credentials: scheme://user:pass@ → scheme://user:[REDACTED]@
  [
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^\s/?#]+)@/gi,
    (_m, scheme = "", user = "") => `${scheme}${user}:${REDACTED}@`
  ],
  // 3. Credential headers, through the end of the line (multi-word values such as `Bearer x`).
  [
    /\b(Proxy-Authorization|Authorization|x-api-key|x-auth-token)(["']?[ \t]*[:=])[^\r\n]*/gi,
    (m, name = "", sep = "") =>
      m.slice(name.length + sep.length).trim() === REDACTED ? undefined : `${name}${sep} ${REDACTED}`
  ],
  // 4. PVE API tokens, `[PVEAPIToken=]user@realm!tokenid=uuid`, and `/etc/pve/priv/token.cfg` lines
  //    (`user@realm!tokenid uuid`): the token id stays, the secret goes.
  [
    new RegExp(String.raw`\b((?:PVEAPIToken=)?[\w.-]+@[\w.-]+![\w.-]+)([=:]|[ \t])[ \t]*${UUID}`, "gi"),
    (_m, id = "", sep = "") => `${id}${sep}${REDACTED}`
  ],
  // 5. `name=value`, `name: value`, `"name": "value"` for secret-ish names.
  keyValueRule(keys),
  // 6. Command-line flags: `--password value`.
  [
    new RegExp(String.raw`(--[\w-]*(?:${keys})[\w-]*)([ \t]+)(${QUOTED}|[^\s-][^\s]*)`, "gi"),
    (_m, flag = "", sp = "", value = "") => value.includes(REDACTED) ? undefined : `${flag}${sp}${REDACTED}`
  ],
  // 7. Bare bearer tokens.
  [/\b(Bearer)[ \t]+(?!\[REDACTED\])[\w.~+/=-]{8,}/gi, (_m, word = "") => `${word} ${REDACTED}`],
  // 8. JWT-like: eyJ… with dot-separated base64url parts.
  [/\beyJ[\w-]{4,}\.[\w-]+\.[\w-]*/g, () => REDACTED],
  // 9. AWS access key ids.
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, () => REDACTED],
  // 10. GitHub tokens.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,})\b/g, () => REDACTED]
]

const rulesCache = new Map<string, ReadonlyArray<Rule>>()

const rulesFor = (keys: string): ReadonlyArray<Rule> => {
  const cached = rulesCache.get(keys)
  if (cached !== undefined) return cached
  const made = makeRules(keys)
  if (rulesCache.size < 64) rulesCache.set(keys, made)
  return made
}

/** Redact secrets in free text (§5.5 patterns, applied in order). Returns the new text and the replacement count. */
export const redactText = (
  text: string,
  extraKeys: ReadonlyArray<string> = []
): { readonly text: string; readonly count: number } => {
  let count = 0
  let out = text
  for (const [pattern, replace] of rulesFor(keyAlternation(extraKeys))) {
    out = out.replace(pattern, (match: string, ...rest: Array<unknown>) => {
      const groups = rest.slice(0, -2).map((g) => (typeof g === "string" ? g : undefined))
      const replaced = replace(match, ...groups)
      if (replaced === undefined) return match
      count++
      return replaced
    })
  }
  return { text: out, count }
}

/**
 * Redact a JSON-like value: a secret-ish object key has its whole value replaced by `[REDACTED]` (null stays null),
 * every other string goes through `redactText`. Arrays and nested objects are walked.
 */
export const redactValue = (value: unknown, extraKeys: ReadonlyArray<string> = []): RedactResult<unknown> => {
  let count = 0
  const seen = new WeakSet<object>()
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = redactText(v, extraKeys)
      count += r.count
      return r.text
    }
    if (v === null || typeof v !== "object") return v
    if (seen.has(v)) return "[Circular]"
    seen.add(v)
    if (Array.isArray(v)) return v.map(walk)
    const out: Record<string, unknown> = {}
    for (const [k, inner] of Object.entries(v)) {
      if (inner !== null && inner !== undefined && isSecretKey(k, extraKeys)) {
        count++
        out[k] = REDACTED
      } else {
        out[k] = walk(inner)
      }
    }
    return out
  }
  const result = walk(value)
  return { value: result, count }
}

const isStripped = (code: number): boolean =>
  (code <= 0x1f && code !== 0x09 && code !== 0x0a) ||
  (code >= 0x7f && code <= 0x9f) ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  (code >= 0x200b && code <= 0x200f) ||
  code === 0x061c || code === 0x2060 || code === 0xfeff ||
  // Unicode tag characters: invisible, and used to smuggle instructions past a reader (security.md §2.2).
  (code >= 0xe0000 && code <= 0xe007f)

/** Remove C0/C1 control characters (except `\n` and `\t`), bidi overrides/isolates/marks and zero-width chars. */
export const stripControl = (text: string): string => {
  let out = ""
  for (const ch of text) {
    if (!isStripped(ch.codePointAt(0) ?? 0)) out += ch
  }
  return out
}

/** Node-derived structured data for the model: secrets redacted, control and bidi characters stripped from strings. */
export const cleanValue = (value: unknown, extraKeys?: ReadonlyArray<string>): RedactResult<unknown> => {
  const strip = (v: unknown): unknown =>
    typeof v === "string"
      ? stripControl(v)
      : Array.isArray(v)
      ? v.map(strip)
      : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [stripControl(k), strip(x)]))
      : v
  return redactValue(strip(value), extraKeys)
}
