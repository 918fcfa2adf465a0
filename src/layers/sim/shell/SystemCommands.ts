import { Clock, Effect } from "effect"
import type { SimState } from "../SimState.js"
import { KERNEL } from "../SimState.js"
import { view } from "./Files.js"
import type { Cmd, CommandSpec, Proc, Target } from "./Proc.js"
import { fail, print, stateNow } from "./Proc.js"
import { getopt, human, padL, padR, strftime, unlines } from "./Text.js"
import { machineOf } from "./Virtual.js"

/** The machine's identity and resources: id, hostname, uname, date, nproc, free, uptime, df, ip, xargs. */

const VM_KERNEL = { release: "6.12.43+deb13-amd64", version: "#1 SMP PREEMPT_DYNAMIC Debian 6.12.43-1 (2025-08-27)" }

const kernelOf = (s: SimState, t: Target) => {
  const g = t.kind === "guest" ? s.guests.find((x) => x.vmid === t.vmid) : undefined
  return g?.type === "qemu" ? VM_KERNEL : KERNEL
}

export const ipOf = (t: Target) => (t.kind === "host" ? "127.77.0.10" : `127.77.0.${t.vmid % 250}`)

const id: Cmd = (args, p) => {
  const o = getopt(args, "")
  if (o.has("u") || o.has("g") || o.has("G")) return print(p, o.has("n") ? "root\n" : "0\n")
  return print(p, "uid=0(root) gid=0(root) groups=0(root)\n")
}

const hostname: Cmd = (args, p) =>
  Effect.gen(function*() {
    const { sys } = yield* view(p)
    if (args.includes("-I") || args.includes("-i")) return yield* print(p, `${ipOf(p.target)} \n`)
    if (args.includes("-f")) return yield* print(p, `${sys.hostname}.lan\n`)
    return yield* print(p, `${sys.hostname}\n`)
  })

const uname: Cmd = (args, p) =>
  Effect.gen(function*() {
    const { state, sys } = yield* view(p)
    const k = kernelOf(state, p.target)
    const o = getopt(args, "")
    const parts: Array<string> = []
    const all = o.has("a")
    if (all || o.has("s") || args.length === 0) parts.push("Linux")
    if (all || o.has("n")) parts.push(sys.hostname)
    if (all || o.has("r")) parts.push(k.release)
    if (all || o.has("v")) parts.push(k.version)
    if (all || o.has("m")) parts.push("x86_64")
    if (all || o.has("o")) parts.push("GNU/Linux")
    return yield* print(p, `${parts.join(" ")}\n`)
  })

const date: Cmd = (args, p) =>
  Effect.gen(function*() {
    let ms = yield* Clock.currentTimeMillis
    const o = getopt(args, "d", { date: "d" })
    const when = o.get("d")
    if (when !== undefined) {
      const parsed = when.startsWith("@") ? Number(when.slice(1)) * 1000 : Date.parse(when)
      if (Number.isNaN(parsed)) return yield* fail(p, `date: invalid date '${when}'`)
      ms = parsed
    }
    const fmt = o.operands.find((a) => a.startsWith("+"))
    if (fmt !== undefined) return yield* print(p, `${strftime(fmt.slice(1), ms)}\n`)
    if (o.has("I") || o.has("iso-8601")) {
      const precision = o.get("I") ?? o.get("iso-8601") ?? ""
      return yield* print(p, `${strftime(precision === "" || precision === "date" ? "%F" : "%FT%T+00:00", ms)}\n`)
    }
    if (o.has("R")) return yield* print(p, `${strftime("%a, %d %b %Y %T +0000", ms)}\n`)
    return yield* print(p, `${strftime("%a %b %e %T %Z %Y", ms)}\n`)
  })

const machine = (p: Proc) =>
  Effect.gen(function*() {
    const s = yield* stateNow(p)
    const now = yield* Clock.currentTimeMillis
    return { s, now, m: machineOf(s, p.target, now) }
  })

const free: Cmd = (args, p) =>
  Effect.gen(function*() {
    const { m } = yield* machine(p)
    const o = getopt(args, "")
    const unit = o.has("b") ? 1 : o.has("m") ? 1024 ** 2 : o.has("g") ? 1024 ** 3 : 1024
    const fmt = (n: number) => (o.has("h") ? human(n, "i") : String(Math.floor(n / unit)))
    const shared = 52_428_800
    const swap = p.target.kind === "host" ? 8 * 1024 ** 3 : 512 * 1024 ** 2
    const cache = Math.max(0, m.total - m.used - m.free)
    const row = (label: string, cells: ReadonlyArray<number>) =>
      padR(label, 8) + cells.map((c) => padL(fmt(c), 12)).join("")
    return yield* print(
      p,
      unlines([
        `${" ".repeat(8)}${
          ["total", "used", "free", "shared", "buff/cache", "available"].map((h) => padL(h, 12)).join("")
        }`,
        row("Mem:", [m.total, m.used, m.free, shared, cache, m.total - m.used]),
        row("Swap:", [swap, 0, swap])
      ])
    )
  })

const since = (sec: number) => {
  const units: ReadonlyArray<readonly [string, number]> = [["week", 604_800], ["day", 86_400], ["hour", 3600], [
    "minute",
    60
  ]]
  const parts: Array<string> = []
  let rest = sec
  for (const [name, size] of units) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`)
  }
  return parts.length === 0 ? "0 minutes" : parts.join(", ")
}

const uptime: Cmd = (args, p) =>
  Effect.gen(function*() {
    const { m, now, s } = yield* machine(p)
    if (args.includes("-p") || args.includes("--pretty")) return yield* print(p, `up ${since(m.uptimeSec)}\n`)
    if (args.includes("-s") || args.includes("--since")) {
      return yield* print(p, `${strftime("%F %T", now - m.uptimeSec * 1000)}\n`)
    }
    const days = Math.floor(m.uptimeSec / 86_400)
    const hm = `${Math.floor((m.uptimeSec % 86_400) / 3600)}:${
      String(Math.floor((m.uptimeSec % 3600) / 60)).padStart(2, "0")
    }`
    const [l1, l5, l15] = s.node.loadavg
    return yield* print(
      p,
      ` ${strftime("%T", now)} up ${days > 0 ? `${days} day${days === 1 ? "" : "s"}, ` : ""}${hm.padStart(5)},  ` +
        `1 user,  load average: ${l1}, ${l5}, ${l15}\n`
    )
  })

const xargs: Cmd = (args, p) => {
  const o = getopt(args.slice(0, Math.max(0, args.findIndex((a) => !a.startsWith("-")))), "nI")
  const rest = args.slice(args.findIndex((a) => !a.startsWith("-")))
  const argv = rest.length === 0 || args.every((a) => a.startsWith("-")) ? ["echo"] : rest
  const items = p.stdin.split(o.has("0") ? "\0" : /\s+/).filter((x) => x !== "")
  if (items.length === 0 && o.has("r")) return Effect.succeed(0)
  const replace = o.get("I")
  const per = replace !== undefined ? 1 : Number(o.get("n") ?? items.length) || 1
  const batches: Array<Array<string>> = []
  for (let i = 0; i < Math.max(items.length, 1); i += per) batches.push(items.slice(i, i + per))
  return Effect.reduce(batches, 0, (code, batch) =>
    Effect.map(
      Effect.catchAll(
        p.node.argv(
          replace === undefined ? [...argv, ...batch] : argv.map((a) => a.replaceAll(replace, batch[0] ?? "")),
          {
            ...p,
            stdin: ""
          }
        ),
        (e) => Effect.succeed(e.code)
      ),
      (c) => (c !== 0 ? 123 : code)
    ))
}

export const SYSTEM_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  id: { run: id },
  whoami: { run: (_, p) => print(p, "root\n") },
  hostname: { run: hostname },
  uname: { run: uname },
  date: { run: date },
  nproc: { run: (_, p) => Effect.flatMap(machine(p), ({ m }) => print(p, `${m.cpus}\n`)) },
  free: { run: free },
  uptime: { run: uptime },
  xargs: { run: xargs }
}
