/**
 * Per-segment CONFIRM rules (spec §5.1.3 step 3, later §2.6 "heavy ≠ confirm"; security.md §4.A A5, A9–A11).
 * CONFIRM means availability-class (host or guest power state, kernel crash) or a command that is only known at run
 * time. Heavy or read-only commands are never here. Pure.
 */
import type { Context } from "./Hits.js"
import { resolveWord } from "./Hits.js"
import type { Finding, Rule } from "./Rules.js"
import { apiPath, Stage } from "./Rules.js"
import type { Segment } from "./Segments.js"
import { hasFlag, positionals, targetsOf } from "./Targets.js"

const confirm = (rule: string, reason: string): Finding => ({ verdict: "confirm", stage: Stage.confirm, rule, reason })

const POWER = new Set(["reboot", "halt", "poweroff"])
const RUNLEVELS = new Set(["0", "6", "1", "s", "single", "emergency"])
const SYSTEMCTL_VERBS = new Set([
  "reboot",
  "poweroff",
  "halt",
  "kexec",
  "soft-reboot",
  "emergency",
  "rescue",
  "suspend",
  "hibernate",
  "hybrid-sleep",
  "suspend-then-hibernate"
])
const UNIT_VERBS = new Set(["start", "restart", "isolate", "reload-or-restart", "try-restart", "enable"])
const POWER_UNIT = new RegExp(
  "^(reboot|poweroff|halt|kexec|soft-reboot|shutdown|ctrl-alt-del|rescue|emergency|suspend|hibernate|hybrid-sleep)" +
    "(\\.(target|service))?$"
)
const GUEST_VERBS = new Set(["stop", "shutdown", "reboot", "reset", "suspend", "rollback"])

/** systemctl/loginctl options that take a separate value (`-H host`, `-t target`). */
const VALUED = ["-H", "-M", "-t", "-s", "-p", "-o", "-n", "--host", "--machine", "--type", "--signal", "--property"]

const args = (seg: Segment): Array<string> => positionals(seg.argv.slice(1), VALUED).map((w) => w.text.toLowerCase())

const hostPower = (seg: Segment): string | undefined => {
  const a = args(seg)
  const flags = seg.argv.slice(1)
  if (POWER.has(seg.name)) return seg.name
  if (seg.name === "shutdown") return hasFlag(flags, ["--show"], "c") ? undefined : "shutdown"
  if ((seg.name === "init" || seg.name === "telinit") && RUNLEVELS.has(a[0] ?? "")) return `${seg.name} ${a[0]}`
  if (seg.name === "kexec") return hasFlag(flags, ["--load", "--unload", "--load-panic"], "lup") ? undefined : "kexec"
  if (seg.name === "systemctl" || seg.name === "loginctl") {
    const verb = a[0] ?? ""
    if (SYSTEMCTL_VERBS.has(verb)) return `${seg.name} ${verb}`
    if (seg.name === "systemctl" && UNIT_VERBS.has(verb) && a.slice(1).some((u) => POWER_UNIT.test(u))) {
      return `systemctl ${verb} ${a.slice(1).join(" ")}`
    }
  }
  return undefined
}

const guestPower = (seg: Segment): string | undefined => {
  const [verb = "", raw] = args(seg)
  if ((seg.name === "qm" || seg.name === "pct") && GUEST_VERBS.has(verb)) return `${seg.name} ${verb}`
  if (seg.name === "lxc-stop" || (seg.name === "pvenode" && ["stopall", "suspendall"].includes(verb))) {
    return `${seg.name} ${verb}`.trim()
  }
  if (seg.name !== "pvesh" || verb !== "create") return undefined
  const path = apiPath(raw)
  const guest =
    /^\/nodes\/[^/]+\/(qemu|lxc)\/\d+\/(status\/(stop|shutdown|reboot|reset|suspend)|snapshot\/[^/]+\/rollback)$/
  return guest.test(path) || /^\/nodes\/[^/]+\/(stopall|suspendall)$/.test(path) ? `pvesh create ${path}` : undefined
}

const kernel = (seg: Segment, ctx: Context): string | undefined => {
  if (targetsOf(seg).some((t) => t.kind === "write" && resolveWord(t.word, ctx.cwd) === "/proc/sysrq-trigger")) {
    return "write to /proc/sysrq-trigger"
  }
  if (seg.name !== "kill") return undefined
  const rest = seg.argv.slice(1).map((w) => w.text)
  let i = 0
  if (/^-(s|n|-signal)$/.test(rest[0] ?? "")) i = 2
  else if (/^-[A-Za-z0-9]+$/.test(rest[0] ?? "")) i = 1
  if (rest[i] === "--") i++
  return rest.slice(i).some((p) => p === "1" || p === "-1") ? "kill of PID 1 or of every process" : undefined
}

export const CONFIRM_RULES: ReadonlyArray<Rule> = [
  (seg) => {
    const what = hostPower(seg)
    return what === undefined ? undefined : confirm("confirm.power", `availability-class command "${what}"`)
  },
  (seg) => {
    const what = guestPower(seg)
    return what === undefined ? undefined : confirm("confirm.guest-power", `changes a guest's power state ("${what}")`)
  },
  (seg, ctx) => {
    const what = kernel(seg, ctx)
    return what === undefined ? undefined : confirm("confirm.kernel", `can crash or reboot the host (${what})`)
  },
  (seg) => seg.dynamic === undefined ? undefined : confirm("confirm.dynamic", `dynamic command: ${seg.dynamic}`)
]
