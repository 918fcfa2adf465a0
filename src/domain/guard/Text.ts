/**
 * Character- and path-level helpers shared by the command guard and the path guard. Pure.
 */

/** Zero-width, bidi and other invisible formatting characters: they only serve to mislead a human reviewer. */
const isInvisible = (code: number): boolean =>
  code === 0x00ad || code === 0x061c || code === 0x180e || code === 0xfeff ||
  (code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x2069)

/** C0 and C1 controls and DEL; `keep` lists the C0 characters that are allowed. */
const isControl = (code: number, keep: ReadonlyArray<number>): boolean =>
  (code <= 0x1f && !keep.includes(code)) || (code >= 0x7f && code <= 0x9f)

/** In a command, tab, newline and carriage return are legitimate (bash treats `\r` as a word character). */
const COMMAND_WHITESPACE = [0x09, 0x0a, 0x0d]

export interface TextScan {
  readonly nul: boolean
  /** Invisible, bidi or control characters were present. */
  readonly invisible: boolean
  /** The text with NUL, invisible and control characters removed. */
  readonly cleaned: string
  /** `cleaned` after Unicode NFKC compatibility folding (fullwidth letters, ligatures, NBSP …). */
  readonly folded: string
}

export const scanText = (text: string): TextScan => {
  let cleaned = ""
  let nul = false
  let invisible = false
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    if (code === 0) nul = true
    else if (isInvisible(code) || isControl(code, COMMAND_WHITESPACE)) invisible = true
    else cleaned += ch
  }
  return { nul, invisible, cleaned, folded: cleaned.normalize("NFKC") }
}

/** True when a path parameter holds a control (tab and newline included), zero-width or bidi character. */
export const hasPathControl = (path: string): boolean => {
  for (const ch of path) {
    const code = ch.codePointAt(0) ?? 0
    if (isInvisible(code) || isControl(code, [])) return true
  }
  return false
}

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8")

/** Splits an absolute path into its components, dropping empty and `.` ones (`//a/./b/` → `["a","b"]`). */
export const components = (path: string): Array<string> => path.split("/").filter((c) => c !== "" && c !== ".")

/**
 * Lexical normalisation for *detection*: collapses `//`, drops `.`, resolves `..` textually and removes a trailing
 * slash. Only used to recognise targets in command strings; path parameters reject `..` instead (symlinks make a
 * textual `..` resolution differ from the kernel's).
 */
export const normalizeLexical = (path: string): string => {
  const out: Array<string> = []
  for (const c of components(path)) {
    if (c === "..") out.pop()
    else out.push(c)
  }
  return `/${out.join("/")}`
}

/** `path` equals `prefix` or lies below it, compared on component boundaries (`/proc` covers `/proc/1`, not `/process`). */
export const isUnder = (path: string, prefix: string): boolean => {
  const p = normalizeLexical(prefix)
  return p === "/" || path === p || path.startsWith(`${p}/`)
}

/** Basename of a command word (`/usr/sbin/reboot` → `reboot`). */
export const basename = (word: string): string => {
  const trimmed = word.replace(/\/+$/, "")
  const i = trimmed.lastIndexOf("/")
  return i < 0 ? trimmed : trimmed.slice(i + 1)
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g

export const escapeRegExp = (s: string): string => s.replace(REGEX_SPECIAL, "\\$&")

/** A shell glob (`*`, `?`, `[...]`) as an anchored regular expression over one path; no match of leading dots. */
export const globToRegExp = (glob: string): RegExp => {
  let out = ""
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? ""
    if ((c === "*" || c === "?" || c === "[") && (i === 0 || glob[i - 1] === "/")) out += "(?!\\.)"
    if (c === "*") out += "[^/]*"
    else if (c === "?") out += "[^/]"
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2)
      if (end < 0) out += "\\["
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")
        out += `[${body}]`
        i = end
      }
    } else out += escapeRegExp(c)
  }
  try {
    return new RegExp(`^${out}$`)
  } catch {
    return new RegExp(`^${escapeRegExp(glob)}$`) // an invalid bracket such as `[z-a]`: compare literally
  }
}

/** The directory part before the first glob character (`/etc/pve/*.cfg` → `/etc/pve`). */
export const globStem = (glob: string): string => {
  const first = glob.search(/[*?[]/)
  const head = first < 0 ? glob : glob.slice(0, first)
  return normalizeLexical(head.slice(0, head.lastIndexOf("/") + 1) || "/")
}
