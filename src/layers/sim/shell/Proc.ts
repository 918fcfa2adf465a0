import { Clock, Data, Effect, Either, Ref } from "effect"
import type { SimNodeShape } from "../../ProxmoxApiSimulated.js"
import type { SimState } from "../SimState.js"
import { settle } from "../SimTasks.js"
import type { SimSystem } from "./SimSystem.js"

/** What a command of the simulated shell runs with: the node, the machine it runs on, its env and streams. */

export type Target = { readonly kind: "host" } | { readonly kind: "guest"; readonly vmid: number }

/** `exit N`: unwinds to the enclosing shell (script, `sh -c`, subshell). */
export class ShellExit extends Data.TaggedError("ShellExit")<{ readonly code: number }> {}

/** A shell's mutable environment (one per script; subshells and pipeline stages get a copy). */
export interface Env {
  readonly vars: Map<string, string>
  cwd: string
  status: number
  errexit: boolean
  pipefail: boolean
  /** `set -C`: `>` refuses to replace an existing file. */
  noclobber: boolean
  /** `trap ACTION EXIT`: run when this shell ends (not inherited by subshells). */
  exitTrap: string | undefined
  args: ReadonlyArray<string>
}

export interface Proc {
  readonly node: ShellNode
  readonly target: Target
  readonly env: Env
  readonly stdin: string
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

export type Cmd = (args: ReadonlyArray<string>, p: Proc) => Effect.Effect<number, ShellExit>

export interface ShellNode {
  readonly sim: SimNodeShape
  /** Parses and runs a script as a shell of its own in `p` (its env is used as is, its EXIT trap runs at the end). */
  readonly script: (src: string, p: Proc) => Effect.Effect<number>
  /** Parses and runs a script in the current shell (`eval`, `.`): no EXIT trap of its own. */
  readonly inline: (src: string, p: Proc) => Effect.Effect<number>
  /** Runs one already split command line (no parsing) in `p`. */
  readonly argv: (argv: ReadonlyArray<string>, p: Proc) => Effect.Effect<number, ShellExit>
  /** `qm guest exec` / agent `exec` jobs, by guest pid. */
  readonly agentJobs: Map<string, AgentJob>
  /** `flock` locks of the node, by lock file path. */
  readonly locks: Map<string, Effect.Semaphore>
}

export interface AgentJob {
  readonly poll: Effect.Effect<AgentOutcome | undefined>
}

export interface AgentOutcome {
  readonly exitcode: number
  readonly stdout: string
  readonly stderr: string
}

export const freshEnv = (target: Target, hostname: string): Env => ({
  vars: new Map([
    ["HOME", "/root"],
    ["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ["USER", "root"],
    ["LOGNAME", "root"],
    ["SHELL", "/bin/bash"],
    ["LANG", "C.UTF-8"],
    ["HOSTNAME", hostname],
    ["PWD", target.kind === "host" ? "/root" : "/"]
  ]),
  cwd: target.kind === "host" ? "/root" : "/",
  status: 0,
  errexit: false,
  pipefail: false,
  noclobber: false,
  exitTrap: undefined,
  args: ["sh"]
})

/** The environment of a subshell or pipeline stage: variables copied, traps not inherited. */
export const copyEnv = (env: Env): Env => ({ ...env, vars: new Map(env.vars), exitTrap: undefined })

export const systemOf = (s: SimState, t: Target): SimSystem | undefined =>
  t.kind === "host" ? s.host : s.guests.find((g) => g.vmid === t.vmid)?.system

export const withSystem = (s: SimState, t: Target, system: SimSystem): SimState =>
  t.kind === "host"
    ? { ...s, host: system }
    : { ...s, guests: s.guests.map((g) => (g.vmid === t.vmid ? { ...g, system } : g)) }

/** The state as of the Clock's now (ended tasks applied). */
export const stateNow = (p: Proc): Effect.Effect<SimState> => p.node.sim.current

export const systemNow = (p: Proc): Effect.Effect<SimSystem> =>
  Effect.flatMap(stateNow(p), (s) => {
    const sys = systemOf(s, p.target)
    return sys === undefined ? Effect.dieMessage("the guest this shell runs in is gone") : Effect.succeed(sys)
  })

/** Changes the shared state atomically (on the settled state); CLI changes are immediate, as on PVE. */
export const modifyState = <A>(p: Proc, f: (s: SimState, nowMs: number) => readonly [A, SimState]) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.modify(p.node.sim.state, (s) => f(settle(s, now), now)))

/** Changes the system this shell runs on; a Left leaves the state alone. */
export const modifySystem = <A>(
  p: Proc,
  f: (sys: SimSystem, nowMs: number, s: SimState) => Either.Either<readonly [A, SimSystem], string>
): Effect.Effect<Either.Either<A, string>> =>
  modifyState<Either.Either<A, string>>(p, (s, now) => {
    const sys = systemOf(s, p.target)
    if (sys === undefined) return [Either.left("No such file or directory"), s] as const
    const r = f(sys, now, s)
    return Either.isLeft(r)
      ? [Either.left(r.left), s] as const
      : [Either.right(r.right[0]), withSystem(s, p.target, r.right[1])] as const
  })

/** A failure of a command: `name: message` on stderr, then the exit code. */
export const fail = (p: Proc, message: string, code = 1): Effect.Effect<number> =>
  Effect.sync(() => {
    p.err(message.endsWith("\n") ? message : `${message}\n`)
    return code
  })

export const print = (p: Proc, text: string): Effect.Effect<number> =>
  Effect.sync(() => {
    p.out(text)
    return 0
  })

/** Splits `-abc` style flags off the front (until `--` or the first operand); returns flags and operands. */
export const splitFlags = (args: ReadonlyArray<string>) => {
  const flags = new Set<string>()
  const operands: Array<string> = []
  let done = false
  for (const a of args) {
    if (done || a === "-" || !a.startsWith("-")) operands.push(a)
    else if (a === "--") done = true
    else if (a.startsWith("--")) flags.add(a)
    else for (const c of a.slice(1)) flags.add(`-${c}`)
  }
  return { flags, operands }
}

/** A command of the simulated machines: where it is installed. */
export interface CommandSpec {
  readonly run: Cmd
  /** Only on the Proxmox host (`pct`, `qm`, ...) or only inside guests. */
  readonly where?: "host" | "guest"
  /** Only where docker is installed. */
  readonly needsDocker?: boolean
}

export const installed = (spec: CommandSpec | undefined, p: Proc, sys: SimSystem): boolean =>
  spec !== undefined &&
  (spec.where === undefined || spec.where === p.target.kind) &&
  (spec.needsDocker !== true || sys.docker !== undefined)
