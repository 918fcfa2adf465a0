/** Formatting helpers shared by the commands: padding, PVE's JSON styles, durations, sizes. */

export const padR = (s: string | number, w: number): string => String(s).padEnd(w)
export const padL = (s: string | number, w: number): string => String(s).padStart(w)

/** `5`, `2.5s`, `1m`, `1h`, `1d` → ms; `undefined` when malformed. */
export const parseDuration = (s: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(s)
  if (m === null) return undefined
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] ?? ""] ?? 1
  return Math.round(Number(m[1]) * unit * 1000)
}

const sortKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]))
  }
  return v
}

/** JSON::XS->canonical: one line, sorted keys (pvesh `--output-format json`). */
export const canonJson = (v: unknown): string => JSON.stringify(sortKeys(v)) ?? "null"

/** Perl JSON->pretty->canonical: 3-space indent, `" : "` separators, sorted keys (qm guest exec, json-pretty). */
export const perlJson = (v: unknown, ind = 0): string => {
  const pad = " ".repeat(ind + 3)
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]"
    return `[\n${v.map((x) => pad + perlJson(x, ind + 3)).join(",\n")}\n${" ".repeat(ind)}]`
  }
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>
    const ks = Object.keys(o).sort()
    if (ks.length === 0) return "{}"
    return `{\n${ks.map((k) => `${pad}${JSON.stringify(k)} : ${perlJson(o[k], ind + 3)}`).join(",\n")}\n${
      " ".repeat(ind)
    }}`
  }
  return JSON.stringify(v) ?? "null"
}

/** `df -h` / `free -h` style: 1024-based, one decimal below 10. */
export const human = (bytes: number, suffix = ""): string => {
  const units = ["", "K", "M", "G", "T", "P"]
  let n = bytes
  let u = 0
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024
    u++
  }
  if (u === 0) return `${bytes}${suffix === "" ? "" : "B"}`
  const text = n < 10 ? (Math.ceil(n * 10) / 10).toFixed(1) : String(Math.ceil(n))
  return `${text}${units[u] ?? ""}${suffix}`
}

/** Lines of a text, without the empty one after a final newline. */
export const linesOf = (text: string): Array<string> => {
  if (text === "") return []
  const lines = text.split("\n")
  if (lines.at(-1) === "") lines.pop()
  return lines
}

export const unlines = (lines: ReadonlyArray<string>): string => lines.map((l) => `${l}\n`).join("")

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const p2 = (n: number) => String(n).padStart(2, "0")

/** strftime for the simulated clock (UTC): %Y %m %d %H %M %S %s %F %T %b %a %e %Z %z %%. */
export const strftime = (fmt: string, ms: number): string => {
  const d = new Date(ms)
  const map: Record<string, string> = {
    Y: String(d.getUTCFullYear()),
    m: p2(d.getUTCMonth() + 1),
    d: p2(d.getUTCDate()),
    e: String(d.getUTCDate()).padStart(2),
    H: p2(d.getUTCHours()),
    M: p2(d.getUTCMinutes()),
    S: p2(d.getUTCSeconds()),
    s: String(Math.floor(ms / 1000)),
    b: MONTHS[d.getUTCMonth()] ?? "",
    a: DAYS[d.getUTCDay()] ?? "",
    Z: "UTC",
    z: "+0000",
    "%": "%"
  }
  map["F"] = `${map["Y"]}-${map["m"]}-${map["d"]}`
  map["T"] = `${map["H"]}:${map["M"]}:${map["S"]}`
  return fmt.replace(/%([A-Za-z%])/g, (all, c: string) => map[c] ?? all)
}

/** journalctl's short timestamp: `Nov 24 10:00:00`. */
export const journalTs = (ms: number): string => strftime("%b %d %T", ms)

export interface Opts {
  readonly has: (k: string) => boolean
  /** The last value given for `k`. */
  readonly get: (k: string) => string | undefined
  readonly all: (k: string) => ReadonlyArray<string>
  readonly operands: ReadonlyArray<string>
}

/**
 * getopt-style parsing: `valued` lists the short options that take a value (`-n5`, `-n 5`), `long` maps long names
 * to short ones (`--lines` → `n`; unknown long options keep their name). Options may follow operands, as GNU allows.
 */
export const getopt = (
  args: ReadonlyArray<string>,
  valued: string,
  long: Readonly<Record<string, string>> = {}
): Opts => {
  const opts = new Map<string, Array<string>>()
  const operands: Array<string> = []
  const set = (k: string, v: string) => opts.set(k, [...(opts.get(k) ?? []), v])
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ""
    if (a === "--") {
      operands.push(...args.slice(i + 1))
      break
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq)
      const k = long[name] ?? name
      const takes = k.length === 1 ? valued.includes(k) : long[name] !== undefined && valued.includes(long[name] ?? "")
      set(k, eq >= 0 ? a.slice(eq + 1) : takes ? args[++i] ?? "" : "")
    } else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] ?? ""
        if (valued.includes(c)) {
          set(c, j + 1 < a.length ? a.slice(j + 1) : args[++i] ?? "")
          break
        }
        set(c, "")
      }
    } else operands.push(a)
  }
  return {
    has: (k) => opts.has(k),
    get: (k) => opts.get(k)?.at(-1),
    all: (k) => opts.get(k) ?? [],
    operands
  }
}
