import { Effect } from "effect"
import type { Finding } from "../../domain/Health.js"
import { pct, statusFromThresholds } from "../../domain/Health.js"
import { countAptUpgrades, isPseudoMount, parseDf, parseFailedUnits, parseZpool } from "../../domain/ProbeParse.js"
import type { HealthThresholds } from "../../services/AppConfig.js"
import { okOut, runProbes } from "./Probes.js"

/** A node without ZFS has no pools; a failing `zpool status` is an error, never "healthy". */
export const ZPOOL = "if command -v zpool >/dev/null 2>&1; then zpool status -x; else echo 'no pools available'; fi"

export interface ExecHealth {
  readonly node: ReadonlyArray<Finding>
  readonly storage: ReadonlyArray<Finding>
  readonly units: ReadonlyArray<Finding>
  readonly updates: ReadonlyArray<Finding>
  /** Pseudo filesystems (/dev, /run, /sys, /proc): counted in the rollup, hidden unless asked for. */
  readonly pseudo: ReadonlyArray<Finding>
  readonly errors: ReadonlyArray<{ readonly section: string; readonly error: string }>
}

/** One SSH round trip for every shell-only health check (never `apt update`: the cached lists are read as they are). */
export const execHealth = (t: HealthThresholds, timeoutMs: number) =>
  Effect.gen(function*() {
    const r = yield* runProbes([
      { name: "failed", script: "systemctl list-units --failed --no-legend --plain" },
      { name: "apt", script: "apt-get -s -o Debug::NoLocking=true upgrade" },
      { name: "aptAge", script: "stat -c %Y /var/lib/apt/lists" },
      { name: "zpool", script: ZPOOL },
      { name: "df", script: "df -B1 --output=target,size,used,avail" }
    ], { probeTimeoutMs: timeoutMs })
    const errors: Array<{ section: string; error: string }> = []
    const need = (section: string, name: string) => {
      const out = okOut(r, name)
      if (out === undefined) {
        errors.push({ section, error: `${name} probe failed: ${(r.get(name)?.out ?? "no output").slice(0, 200)}` })
      }
      return out
    }
    const zpool = need("node", "zpool")
    const node: Array<Finding> = zpool === undefined ? [] : [(() => {
      const z = parseZpool(zpool)
      return {
        section: "node",
        check: "zfs",
        status: z.healthy ? "ok" : "crit",
        finding: z.healthy ? "all pools healthy" : "a pool is not healthy",
        detail: z.detail
      } satisfies Finding
    })()]
    // df exits 1 when one mount cannot be read; the other lines are still good.
    const fs = parseDf(r.get("df")?.out ?? "").map((f): Finding => {
      const used = pct(f.used, f.size)
      return {
        section: "storage",
        check: `fs:${f.mount}`,
        status: statusFromThresholds(used, t.fsWarnPct, t.fsCritPct),
        finding: `${f.mount} ${used}% used`,
        detail: `${f.used} of ${f.size} bytes`
      }
    })
    const failedOut = need("units", "failed")
    const failed = parseFailedUnits(failedOut ?? "")
    const crit = failed.filter((u) => t.failedUnitsCrit.includes(u))
    const units: Array<Finding> = failedOut === undefined ? [] : [{
      section: "units",
      check: "failed-units",
      status: crit.length > 0 ? "crit" : failed.length > 0 ? "warn" : "ok",
      finding: failed.length === 0 ? "no failed units" : `${failed.length} failed unit(s): ${failed.join(", ")}`
    }]
    const apt = need("updates", "apt")
    const age = Number(okOut(r, "aptAge")?.trim())
    const asOf = Number.isFinite(age) && age >= 0 ? new Date(age * 1000).toISOString() : undefined
    const count = countAptUpgrades(apt ?? "")
    const updates: Array<Finding> = apt === undefined ? [] : [{
      section: "updates",
      check: "updates",
      status: count > t.pendingUpdatesWarn ? "warn" : "ok",
      finding: `${count} pending update(s)`,
      detail: `package lists as of ${asOf ?? "unknown"} (the server never runs apt update)`
    }]
    return {
      node,
      storage: fs.filter((f) => !isPseudoMount(f.check.slice(3))),
      pseudo: fs.filter((f) => isPseudoMount(f.check.slice(3))),
      units,
      updates,
      errors
    } satisfies ExecHealth
  })
