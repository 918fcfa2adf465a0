import { Duration, Effect, Either } from "effect"
import type { SimGuest } from "../SimState.js"
import { guestProc, pushPull, withGuest } from "./PctFiles.js"
import type { Cmd, CommandSpec, Proc } from "./Proc.js"
import { fail, print, stateNow } from "./Proc.js"
import { agentAnswer, agentCheck } from "./PveAgent.js"
import { pveArgs } from "./PveFormat.js"
import { guestCommon } from "./PveGuest.js"
import { padL, padR, perlJson, unlines } from "./Text.js"

/** `pct` and `qm`: immediate, like the node CLI (no worker task), sharing the API's state. */

const runIn = (p: Proc, argv: ReadonlyArray<string>) =>
  Effect.catchAll(p.node.argv(argv, p), (e) => Effect.succeed(e.code))

const pctList = (p: Proc) =>
  Effect.flatMap(stateNow(p), (s) =>
    print(
      p,
      unlines([
        `${padR("VMID", 10)} ${padR("Status", 10)} ${padR("Lock", 12)} ${padR("Name", 20)}`,
        ...s.guests.filter((g) => g.type === "lxc").map((g) =>
          `${padR(g.vmid, 10)} ${padR(g.status, 10)} ${padR(g.config["lock"] ?? "", 12)} ${padR(g.name, 20)}`
        )
      ])
    ))

const pct: Cmd = (args, p) => {
  const [cmd = "", ...rest] = args
  if (cmd === "list") return pctList(p)
  const common = guestCommon("lxc", cmd, rest, p)
  if (common !== undefined) return common
  switch (cmd) {
    case "exec":
    case "enter": {
      const o = pveArgs(rest)
      return withGuest(p, "lxc", o.pos[0], (g) => {
        if (g.status !== "running") return fail(p, `CT ${g.vmid} not running`, 255)
        if (cmd === "enter") return runIn(guestProc(p, g), ["sh"])
        const argv = o.rest ?? o.pos.slice(1)
        if (argv.length === 0) return fail(p, "missing command", 255)
        return runIn(guestProc(p, g), argv)
      })
    }
    case "push":
    case "pull":
      return pushPull(p, cmd === "push", rest)
    case "df":
      return withGuest(p, "lxc", rest[0], (g) => {
        const size = g.maxdisk / 1024 ** 3
        const volume = (g.config["rootfs"] ?? "").split(",")[0] ?? ""
        return print(
          p,
          `MP     Volume                       Size   Used  Avail Use% Path\n` +
            `rootfs ${padR(volume, 28)} ${size.toFixed(1)}G  ${(g.disk / 1024 ** 3).toFixed(1)}G   ${
              (size - g.disk / 1024 ** 3).toFixed(1)
            }G  ${(g.disk / g.maxdisk).toFixed(1)} /\n`
        )
      })
    default:
      return fail(p, `ERROR: unknown command 'pct ${cmd}'\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]`, 255)
  }
}

const qmList = (p: Proc) =>
  Effect.flatMap(stateNow(p), (s) =>
    print(
      p,
      unlines([
        `${padL("VMID", 10)} ${padR("NAME", 20)} ${padR("STATUS", 10)} ${padR("MEM(MB)", 10)} ${
          padL("BOOTDISK(GB)", 12)
        } ${padR("PID", 10)}`,
        ...s.guests.filter((g) => g.type === "qemu").map((g) =>
          `${padL(g.vmid, 10)} ${padR(g.name, 20)} ${padR(g.status, 10)} ${padR(Math.round(g.maxmem / 1048576), 10)} ${
            padL((g.maxdisk / 1024 ** 3).toFixed(2), 12)
          } ${padR(g.status === "running" ? g.pid : 0, 10)}`
        )
      ])
    ))

/** `qm guest exec`: runs in the VM through the agent; prints PVE's pretty JSON, or the pid when it outlives --timeout. */
const guestExec = (p: Proc, g: SimGuest, argv: ReadonlyArray<string>, timeoutSec: number) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const inGuest: Proc = { ...guestProc(p, g, ""), out: (s) => void out.push(s), err: (s) => void err.push(s) }
    const run = runIn(inGuest, argv)
    const code = timeoutSec > 0
      ? yield* Effect.timeout(run, Duration.seconds(timeoutSec)).pipe(Effect.option)
      : yield* Effect.asSome(run)
    if (code._tag === "None") return yield* print(p, `${perlJson({ pid: 2000 + (g.vmid % 1000) })}\n`)
    const [stdout, stderr] = [out.join(""), err.join("")]
    return yield* print(
      p,
      `${
        perlJson({
          exitcode: code.value,
          exited: 1,
          ...(stdout === "" ? {} : { "out-data": stdout }),
          ...(stderr === "" ? {} : { "err-data": stderr })
        })
      }\n`
    )
  })

const qmGuest = (p: Proc, sub: string, args: ReadonlyArray<string>) => {
  const o = pveArgs(args)
  return withGuest(p, "qemu", o.pos[0], (g) => {
    const problem = agentCheck(g)
    if (problem !== undefined) return fail(p, problem, 255)
    if (sub === "cmd") {
      const command = o.pos[1]
      if (command === undefined) return fail(p, "400 not enough arguments", 255)
      const answer = agentAnswer(g, command)
      if (Either.isLeft(answer)) return fail(p, answer.left, 255)
      return command === "ping" ? Effect.succeed(0) : print(p, `${perlJson(answer.right)}\n`)
    }
    if (sub === "exec") {
      const argv = o.rest ?? o.pos.slice(1)
      if (argv.length === 0) return fail(p, "No command given", 255)
      return guestExec(o.flag("pass-stdin") ? p : { ...p, stdin: "" }, g, argv, Number(o.get("timeout") ?? 30))
    }
    return fail(p, `ERROR: unknown command 'qm guest ${sub}'`, 255)
  })
}

const qm: Cmd = (args, p) => {
  const [cmd = "", ...rest] = args
  if (cmd === "list") return qmList(p)
  if (cmd === "agent") return qmGuest(p, "cmd", rest)
  if (cmd === "guest") return qmGuest(p, rest[0] ?? "", rest.slice(1))
  const common = guestCommon("qemu", cmd, rest, p)
  if (common !== undefined) return common
  return fail(p, `ERROR: unknown command 'qm ${cmd}'\nUSAGE: qm <COMMAND> [ARGS] [OPTIONS]`, 255)
}

export const PVE_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  pct: { run: pct, where: "host" },
  qm: { run: qm, where: "host" }
}
