import { Clock, Effect, Either } from "effect"
import { line, unitName } from "./Journal.js"
import type { Cmd, CommandSpec, Proc } from "./Proc.js"
import { fail, modifySystem, print, systemNow } from "./Proc.js"
import type { SimSystem, SimUnit } from "./SimSystem.js"
import { getopt, padR, strftime, unlines } from "./Text.js"

/** systemctl over the machine's units: list-units (--failed), is-active, show -p, status, start/restart/stop. */

const IGNORED = new Set([
  "--no-pager",
  "--plain",
  "--no-legend",
  "-q",
  "--quiet",
  "--all",
  "-a",
  "--full",
  "-l",
  "--no-ask-password"
])

const listUnits = (sys: SimSystem, flags: ReadonlySet<string>, failedOnly: boolean, type: string | undefined) => {
  const list = Object.entries(sys.units)
    .filter(([, u]) => !failedOnly || u.active === "failed")
    .filter(([k]) => type === undefined || k.endsWith(`.${type}`))
    .sort(([a], [b]) => a.localeCompare(b))
  const legend = !flags.has("--no-legend")
  const plain = flags.has("--plain")
  const rows = list.map(([k, u]) =>
    plain
      ? `${k} loaded ${u.active} ${u.sub} ${u.description}`
      : `${u.active === "failed" ? "●" : " "} ${padR(k, 25)} loaded ${padR(u.active, 6)} ${
        padR(u.sub, 7)
      } ${u.description}`
  )
  const head = plain
    ? "UNIT LOAD ACTIVE SUB DESCRIPTION"
    : "  UNIT                      LOAD   ACTIVE SUB     DESCRIPTION"
  return unlines([...(legend ? [head] : []), ...rows, ...(legend ? ["", `${rows.length} loaded units listed.`] : [])])
}

const show = (name: string, u: SimUnit | undefined, nowMs: number) => ({
  Id: name,
  Names: name,
  Description: u?.description ?? name,
  LoadState: u === undefined ? "not-found" : "loaded",
  ActiveState: u?.active ?? "inactive",
  SubState: u?.sub ?? "dead",
  UnitFileState: u?.enabled ?? "",
  MainPID: u?.active === "active" ? 1234 : 0,
  ExecMainStatus: u?.active === "failed" ? 1 : 0,
  Result: u?.active === "failed" ? "exit-code" : "success",
  NRestarts: u?.restarts ?? 0,
  ActiveEnterTimestamp: u?.active === "active" ? strftime("%a %Y-%m-%d %T UTC", nowMs - 3_600_000) : "",
  StateChangeTimestamp: strftime("%a %Y-%m-%d %T UTC", nowMs - 3_600_000),
  FragmentPath: u === undefined ? "" : `/lib/systemd/system/${name}`
})

/** start/restart/stop: the unit's new state and systemd's journal lines. */
const act = (p: Proc, verb: string, names: ReadonlyArray<string>) =>
  modifySystem(p, (sys, now) => {
    let units = { ...sys.units }
    const journal = [...sys.journal]
    const log = (unit: string, message: string) => journal.push({ unit, ts: now, ident: "systemd", pid: 1, message })
    for (const n of names) {
      const u = units[n]
      if (u === undefined) return Either.left(`Failed to ${verb} ${n}: Unit ${n} not found.`)
      if (verb === "stop") {
        units = { ...units, [n]: { ...u, active: "inactive", sub: "dead" } }
        log(n, `Stopped ${u.description}.`)
      } else if (u.failOnStart === true) {
        units = { ...units, [n]: { ...u, active: "failed", sub: "failed" } }
        log(n, `${n}: Failed with result 'exit-code'.`)
        return Either.right(
          [
            `Job for ${n} failed because the control process exited with error code.\n` +
            `See "systemctl status ${n}" and "journalctl -xeu ${n}" for details.`,
            { ...sys, units, journal }
          ] as const
        )
      } else {
        units = {
          ...units,
          [n]: { ...u, active: "active", sub: "running", restarts: u.restarts + (verb === "restart" ? 1 : 0) }
        }
        log(n, `Started ${u.description}.`)
      }
    }
    return Either.right(["", { ...sys, units, journal }] as const)
  })

const systemctl: Cmd = (args, p) =>
  Effect.gen(function*() {
    const flags = new Set(args)
    const o = getopt(args.filter((a) => !IGNORED.has(a)), "pt", { property: "p", type: "t" })
    const sys = yield* systemNow(p)
    const now = yield* Clock.currentTimeMillis
    const failed = o.has("failed") || o.get("state") === "failed"
    const [verb = "list-units", ...rest] = o.operands
    const names = rest.map(unitName)
    switch (verb) {
      case "list-units":
        return yield* print(p, listUnits(sys, flags, failed, o.get("t")))
      case "list-unit-files":
        return yield* print(
          p,
          unlines(Object.entries(sys.units).map(([k, u]) => `${padR(k, 40)} ${u.enabled} enabled`))
        )
      case "is-active":
      case "is-failed":
        p.out(unlines(names.map((n) => sys.units[n]?.active ?? "inactive")))
        return verb === "is-active"
          ? names.every((n) => sys.units[n]?.active === "active") ? 0 : 3
          : names.some((n) => sys.units[n]?.active === "failed")
          ? 0
          : 1
      case "is-enabled":
        if (names.some((n) => sys.units[n] === undefined)) {
          return yield* fail(
            p,
            `Failed to get unit file state for ${
              names.find((n) => sys.units[n] === undefined)
            }: No such file or directory`
          )
        }
        return yield* print(p, unlines(names.map((n) => sys.units[n]?.enabled ?? "")))
      case "show": {
        const props = o.all("p").flatMap((x) => x.split(","))
        for (const n of names) {
          const all: Record<string, string | number> = show(n, sys.units[n], now)
          p.out(
            unlines(
              (props.length === 0 ? Object.keys(all) : props).map((
                k
              ) => (o.has("value") ? `${all[k] ?? ""}` : `${k}=${all[k] ?? ""}`))
            )
          )
        }
        return 0
      }
      case "status": {
        let code = 0
        for (const n of names) {
          const u = sys.units[n]
          if (u === undefined) {
            p.err(`Unit ${n} could not be found.\n`)
            code = 4
            continue
          }
          const tail = sys.journal.filter((e) => e.unit === n).slice(-10).map((e) => line(e, sys.hostname, "short"))
          p.out(
            `${
              u.active === "active" ? "●" : "×"
            } ${n} - ${u.description}\n     Loaded: loaded (/lib/systemd/system/${n}; ` +
              `${u.enabled}; preset: enabled)\n     Active: ${u.active} (${u.sub}) since ${
                strftime("%a %Y-%m-%d %T UTC", now - 3_600_000)
              }\n` +
              (tail.length === 0 ? "" : `\n${unlines(tail)}`)
          )
          if (u.active !== "active") code = 3
        }
        return code
      }
      case "start":
      case "restart":
      case "reload":
      case "try-restart":
      case "stop": {
        const r = yield* act(p, verb, names)
        if (Either.isLeft(r)) return yield* fail(p, r.left, 5)
        return r.right === "" ? 0 : yield* fail(p, r.right, 1)
      }
      case "daemon-reload":
      case "enable":
      case "disable":
        return 0
      default:
        return yield* fail(p, `Unknown command verb '${verb}'.`)
    }
  })

export const UNIT_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  systemctl: { run: systemctl }
}
