import { Clock, Effect } from "effect"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, systemNow } from "./Proc.js"
import type { JournalEntry } from "./SimSystem.js"
import { getopt, journalTs, strftime, unlines } from "./Text.js"

/** journalctl over the machine's journal: -u, -n, --since/--until, -g, -t, -o short|cat|json|short-iso, -r, -f. */

export const unitName = (
  u: string
) => (/\.(service|socket|timer|mount|target|path|slice|scope)$/.test(u) ? u : `${u}.service`)

/** journalctl's `--since`: `2 hours ago`, `-1h`, `today`, `yesterday`, `YYYY-MM-DD[ HH:MM[:SS]]`, `@epoch`. */
export const parseSince = (text: string, nowMs: number): number | undefined => {
  const t = text.trim()
  const rel = /^(\d+)\s*(s|sec|second|min|minute|m|h|hour|d|day|w|week)s?\s*ago$/.exec(t) ??
    /^-(\d+)(s|m|h|d|w)$/.exec(t)
  if (rel !== null) {
    const unit: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600 }
    const size = unit[rel[2] ?? ""] ?? ((rel[2] ?? "").startsWith("w") ? 604_800 : 86_400)
    return nowMs - Number(rel[1]) * size * 1000
  }
  const midnight = Math.floor(nowMs / 86_400_000) * 86_400_000
  if (t === "today") return midnight
  if (t === "yesterday") return midnight - 86_400_000
  if (t === "now") return nowMs
  if (t.startsWith("@")) return Number(t.slice(1)) * 1000
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$/.test(t)) return undefined
  const ms = Date.parse(`${t.replace(" ", "T")}${t.length === 10 ? "T00:00:00" : ""}Z`)
  return Number.isNaN(ms) ? undefined : ms
}

export const line = (e: JournalEntry, host: string, output: string) => {
  switch (output) {
    case "cat":
      return e.message
    case "json":
      return JSON.stringify({
        __REALTIME_TIMESTAMP: String(e.ts * 1000),
        _HOSTNAME: host,
        SYSLOG_IDENTIFIER: e.ident,
        _PID: String(e.pid),
        _SYSTEMD_UNIT: e.unit,
        MESSAGE: e.message
      })
    case "short-iso":
      return `${strftime("%FT%T+0000", e.ts)} ${host} ${e.ident}[${e.pid}]: ${e.message}`
    default:
      return `${journalTs(e.ts)} ${host} ${e.ident}[${e.pid}]: ${e.message}`
  }
}

const journalctl: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "unSUgotp", {
      unit: "u",
      lines: "n",
      since: "S",
      until: "U",
      grep: "g",
      output: "o",
      identifier: "t",
      priority: "p",
      follow: "f",
      reverse: "r"
    })
    const sys = yield* systemNow(p)
    const now = yield* Clock.currentTimeMillis
    let entries = [...sys.journal].sort((a, b) => a.ts - b.ts)
    const units = o.all("u").map(unitName)
    if (units.length > 0) entries = entries.filter((e) => units.includes(e.unit))
    if (o.all("t").length > 0) entries = entries.filter((e) => o.all("t").includes(e.ident))
    if (o.has("k") || o.has("dmesg")) entries = []
    for (
      const [flag, keep] of [["S", (a: number, b: number) => a >= b], ["U", (a: number, b: number) => a <= b]] as const
    ) {
      const raw = o.get(flag)
      if (raw === undefined) continue
      const at = parseSince(raw, now)
      if (at === undefined) return yield* fail(p, `Failed to parse timestamp: ${raw}`)
      entries = entries.filter((e) => keep(e.ts, at))
    }
    const pattern = o.get("g")
    if (pattern !== undefined) {
      const re = new RegExp(pattern, pattern === pattern.toLowerCase() ? "i" : "")
      entries = entries.filter((e) => re.test(e.message))
    }
    const n = o.get("n") ?? (o.has("e") ? "1000" : undefined)
    if (n !== undefined && n !== "all") entries = entries.slice(Math.max(0, entries.length - Number(n)))
    if (o.has("r")) entries.reverse()
    if (entries.length === 0 && !o.has("q")) p.out("-- No entries --\n")
    p.out(unlines(entries.map((e) => line(e, sys.hostname, o.get("o") ?? "short"))))
    return o.has("f") ? yield* Effect.never : 0
  })

export const JOURNAL_COMMANDS: Readonly<Record<string, CommandSpec>> = { journalctl: { run: journalctl } }
