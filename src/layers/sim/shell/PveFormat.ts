import { Either } from "effect"
import type { SimGuest } from "../SimState.js"
import { padR, strftime, unlines } from "./Text.js"

/** PVE's CLI conventions for pct/qm/pvesh: option parsing, `config` and `listsnapshot` output. */

export const printConfig = (g: SimGuest, snapshot: string | undefined): Either.Either<string, string> => {
  const snap = snapshot === undefined ? undefined : g.snapshots.find((x) => x.name === snapshot)
  if (snapshot !== undefined && snap === undefined) return Either.left(`snapshot '${snapshot}' does not exist`)
  const c = snap === undefined
    ? g.config
    : snap.config ?? { description: snap.description, snaptime: String(snap.snaptime) }
  const desc = (c["description"] ?? "").replace(/\n+$/, "")
  const lines = Object.keys(c).filter((k) => k !== "description").sort().map((k) => `${k}: ${c[k]}`)
  return Either.right(unlines(desc === "" ? lines : [`description: ${desc.replace(/\n/g, "\\n")}`, ...lines]))
}

/** PVE's `print_snapshot_tree`: nested `` `-> `` lines, `current` last under its parent. */
export const snapshotTree = (g: SimGuest) => {
  const entries = [
    ...g.snapshots.map((x) => ({ name: x.name, parent: x.parent, snaptime: x.snaptime, desc: x.description })),
    { name: "current", parent: g.config["parent"], snaptime: undefined, desc: "You are here!" }
  ]
  const names = new Set(entries.map((e) => e.name))
  const rows: Array<{ label: string; ts: string; desc: string }> = []
  const order = (a: { snaptime: number | undefined }, b: { snaptime: number | undefined }) =>
    (a.snaptime ?? 9e12) - (b.snaptime ?? 9e12)
  const walk = (e: (typeof entries)[number], depth: number) => {
    const ts = e.snaptime === undefined ? "" : strftime("%F %T", e.snaptime * 1000)
    rows.push({ label: `${"    ".repeat(depth)}\`-> ${e.name}`, ts, desc: e.desc.split("\n")[0] ?? "" })
    for (const c of entries.filter((x) => x.parent === e.name).sort(order)) walk(c, depth + 1)
  }
  for (const r of entries.filter((e) => e.parent === undefined || !names.has(e.parent)).sort(order)) walk(r, 0)
  const w = Math.max(...rows.map((r) => r.label.length)) + 1
  return unlines(rows.map((r) => `${padR(r.label, w)}${padR(r.ts, 24)}${r.desc}`.trimEnd()))
}

export interface PveArgs {
  readonly pos: ReadonlyArray<string>
  readonly opts: ReadonlyMap<string, ReadonlyArray<string>>
  /** What followed `--`, if anything did. */
  readonly rest: ReadonlyArray<string> | undefined
  readonly get: (k: string) => string | undefined
  readonly flag: (k: string) => boolean
}

const BOOLEANS = [
  "verbose",
  "current",
  "start",
  "force",
  "vmstate",
  "skiplock",
  "keep-env",
  "pass-stdin",
  "synchronous"
]

/** PVE's CLI option parsing: positionals, `--key value` / `-key value` / `--key=value`, booleans with optional 0|1. */
export const pveArgs = (argv: ReadonlyArray<string>, booleans: ReadonlyArray<string> = BOOLEANS): PveArgs => {
  const pos: Array<string> = []
  const opts = new Map<string, Array<string>>()
  let rest: Array<string> | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ""
    if (a === "--") {
      rest = argv.slice(i + 1)
      break
    }
    const m = /^--?([a-zA-Z][\w-]*)(?:=(.*))?$/s.exec(a)
    if (m === null) {
      pos.push(a)
      continue
    }
    const k = m[1] ?? ""
    let v = m[2]
    if (v === undefined) {
      if (booleans.includes(k)) v = /^[01]$/.test(argv[i + 1] ?? "") ? argv[++i] ?? "1" : "1"
      else v = argv[++i] ?? ""
    }
    opts.set(k, [...(opts.get(k) ?? []), v])
  }
  return {
    pos,
    opts,
    rest,
    get: (k) => opts.get(k)?.at(-1),
    flag: (k) => {
      const v = opts.get(k)?.at(-1)
      return v !== undefined && v !== "0"
    }
  }
}

/** pvesh's text output of a list or object (bordered or `--noborder`). */
export const textTable = (d: unknown, noborder: boolean): string => {
  const cell = (v: unknown) => (v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v))
  const rows: ReadonlyArray<Record<string, unknown>> = Array.isArray(d)
    ? d.map((r) => (r !== null && typeof r === "object" ? r as Record<string, unknown> : { value: r }))
    : Object.entries(d as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({
      key,
      value
    }))
  if (rows.length === 0) return ""
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort()
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const fmt = (vals: ReadonlyArray<string>) =>
    noborder
      ? vals.map((v, i) => padR(v, w[i] ?? 0)).join(" ").trimEnd()
      : `│ ${vals.map((v, i) => padR(v, w[i] ?? 0)).join(" │ ")} │`
  const rule = (l: string, m: string, r: string, ch: string) => l + w.map((x) => ch.repeat(x + 2)).join(m) + r
  const body = rows.map((r) => fmt(cols.map((c) => cell(r[c]))))
  return unlines(
    noborder
      ? [fmt(cols), ...body]
      : [rule("┌", "┬", "┐", "─"), fmt(cols), rule("╞", "╪", "╡", "═"), ...body, rule("└", "┴", "┘", "─")]
  )
}
