import { Effect } from "effect"
import type { Cmd } from "./Proc.js"
import { fail, print } from "./Proc.js"

/** Builtins that change the shell itself: `set` (-e, -C, -o pipefail/errexit/noclobber, --), `trap … EXIT`, `umask`. */

const set: Cmd = (args, p) => {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ""
    if (a === "--") {
      p.env.args = [p.env.args[0] ?? "sh", ...args.slice(i + 1)]
      break
    }
    const on = a.startsWith("-")
    if (a === "-o" || a === "+o") {
      const name = args[++i]
      if (name === "pipefail") p.env.pipefail = on
      if (name === "errexit") p.env.errexit = on
      if (name === "noclobber") p.env.noclobber = on
    } else if (/^[-+][a-zA-Z]+$/.test(a)) {
      if (a.includes("e")) p.env.errexit = on
      if (a.includes("C")) p.env.noclobber = on
    }
  }
  return Effect.succeed(0)
}

/** Only the EXIT (0) condition fires here; signal conditions are accepted (nothing sends signals to the simulator). */
const trap: Cmd = (args, p) => {
  if (args.length === 0) return print(p, p.env.exitTrap === undefined ? "" : `trap -- '${p.env.exitTrap}' EXIT\n`)
  const [action = "", ...conditions] = args
  const bad = conditions.find((c) => !/^(EXIT|0|HUP|INT|QUIT|TERM|PIPE|ERR|SIG[A-Z]+|\d+)$/.test(c))
  if (bad !== undefined) return fail(p, `sh: 1: trap: ${bad}: bad trap`, 1)
  if (conditions.includes("EXIT") || conditions.includes("0")) p.env.exitTrap = action === "-" ? undefined : action
  return Effect.succeed(0)
}

/** `umask [MODE]`: new files of the simulator get their modes from the command that makes them. */
const umask: Cmd = (args, p) =>
  args.length === 0 ? print(p, "0022\n") : /^[0-7]{1,4}$/.test(args[0] ?? "") ? Effect.succeed(0) : fail(
    p,
    `sh: 1: umask: Illegal mode: ${args[0] ?? ""}`,
    2
  )

export const OPTION_BUILTINS: Readonly<Record<string, Cmd>> = { set, trap, umask }
