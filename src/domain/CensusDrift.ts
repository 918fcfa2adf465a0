import type { Census, CensusSection, Drift, SectionDrift } from "./Census.js"

type Keyed = ReadonlyArray<{ readonly id: string; readonly state: string }>

const diffKeyed = (before: Keyed, after: Keyed): SectionDrift => {
  const prev = new Map(before.map((x) => [x.id, x.state]))
  const next = new Map(after.map((x) => [x.id, x.state]))
  return {
    added: [...next.keys()].filter((k) => !prev.has(k)),
    removed: [...prev.keys()].filter((k) => !next.has(k)),
    changed: [...next.entries()]
      .filter(([k, v]) => prev.has(k) && prev.get(k) !== v)
      .map(([id, to]) => ({ id, from: prev.get(id) ?? "", to }))
  }
}

const isList = (v: unknown): v is ReadonlyArray<Record<string, unknown>> => Array.isArray(v)

const keyedOf = (section: CensusSection, value: unknown, storagePct: number): Keyed | undefined => {
  if (section === "containers" || section === "vms") {
    return isList(value) ? value.map((g) => ({ id: String(g.vmid), state: String(g.status) })) : undefined
  }
  if (section === "storage") {
    return isList(value)
      ? value.map((s) => {
        const total = Number(s.totalBytes) || 0
        const bucket = total > 0 && storagePct > 0 ? Math.floor((Number(s.usedBytes) / total) * 100 / storagePct) : 0
        return { id: String(s.name), state: `${s.active ? "active" : "inactive"}, used≈${bucket * storagePct}%` }
      })
      : undefined
  }
  if (section === "network") {
    const ifaces = (value as { ifaces?: unknown } | undefined)?.ifaces
    return isList(ifaces)
      ? ifaces.map((i) => ({
        id: String(i.name),
        state: `${i.active ? "up" : "down"} ${(i.addresses as ReadonlyArray<string>).join(",")}`
      }))
      : undefined
  }
  return undefined
}

const DRIFT_SECTIONS: ReadonlyArray<CensusSection> = ["containers", "vms", "storage", "network"]

/**
 * Drift over the sections both snapshots observed and the caller asked for. Anything not compared is listed in
 * `skipped` with the reason, so drift is never silently absent (REQ-E7, #21).
 */
export const computeDrift = (
  previous: Census | undefined,
  current: Census,
  requested: ReadonlyArray<CensusSection>,
  storagePct: number
): Drift => {
  if (previous === undefined) {
    return { comparedTo: null, sections: {}, skipped: [{ section: "*", reason: "no earlier snapshot to compare" }] }
  }
  const sections: Record<string, SectionDrift> = {}
  const skipped: Array<{ section: string; reason: string }> = []
  for (const section of requested) {
    if (!DRIFT_SECTIONS.includes(section)) {
      skipped.push({ section, reason: "not compared (volatile or not a list)" })
      continue
    }
    const before = keyedOf(section, previous.sections[section], storagePct)
    const after = keyedOf(section, current.sections[section], storagePct)
    if (before === undefined || after === undefined) {
      skipped.push({ section, reason: "not observed in both snapshots" })
      continue
    }
    const drift = diffKeyed(before, after)
    const cut = current.truncations?.some((t) => t.section === section) ?? false
    sections[section] = cut ? { ...drift, removed: [] } : drift
  }
  return { comparedTo: previous.ts, sections, skipped }
}
