import { Effect, Either } from "effect"
import type { SimNodeShape } from "../../ProxmoxApiSimulated.js"
import { BUILTINS } from "./Builtins.js"
import { COMMANDS } from "./Commands.js"
import { expandOne, expandWords } from "./Expand.js"
import { absPath, view } from "./Files.js"
import { baseOf, lookup, textOf } from "./Fs.js"
import { ShellSyntaxError } from "./Lex.js"
import type { AndOr, Command, Pipeline, Script } from "./Parse.js"
import { parse } from "./Parse.js"
import type { Proc, ShellNode } from "./Proc.js"
import { copyEnv, fail, installed, ShellExit } from "./Proc.js"
import { withRedirs } from "./Redirect.js"

/** The interpreter: runs parsed scripts against the simulated node, with dash's error texts and exit codes. */

const BIN_DIRS = ["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]

const catchExit = <R>(e: Effect.Effect<number, ShellExit, R>) => Effect.catchAll(e, (x) => Effect.succeed(x.code))

const runScriptFile = (path: string, args: ReadonlyArray<string>, p: Proc) =>
  Effect.gen(function*() {
    const v = yield* view(p)
    const found = lookup(v.fs, absPath(p, path))
    if (Either.isLeft(found)) return yield* fail(p, `sh: 1: ${path}: not found`, 127)
    if (found.right.file.isDir || (found.right.file.mode & 0o111) === 0) {
      return yield* fail(p, `sh: 1: ${path}: Permission denied`, 126)
    }
    const env = { ...copyEnv(p.env), args: [path, ...args] }
    return yield* p.node.script(textOf(found.right.file.content), { ...p, env })
  })

/** Runs a split command line: builtins, then the commands installed on the shell's machine. */
export const runArgv = (argv: ReadonlyArray<string>, p: Proc): Effect.Effect<number, ShellExit> =>
  Effect.gen(function*() {
    const [first, ...args] = argv
    if (first === undefined) return 0
    let name = first
    if (first.includes("/")) {
      const dir = first.slice(0, first.lastIndexOf("/")) || "/"
      if (!BIN_DIRS.includes(dir)) return yield* runScriptFile(first, args, p)
      name = baseOf(first)
    }
    const builtin = BUILTINS[name]
    if (builtin !== undefined) return yield* builtin(args, p)
    const spec = COMMANDS[name]
    const sys = (yield* view(p)).sys
    if (spec === undefined || !installed(spec, p, sys)) return yield* fail(p, `sh: 1: ${first}: not found`, 127)
    return yield* spec.run(args, p)
  })

const runCommand = (c: Command, p: Proc): Effect.Effect<number, ShellExit> => {
  switch (c.kind) {
    case "simple":
      return Effect.gen(function*() {
        const argv = yield* expandWords(c.words, p)
        // prefix assignments (`X=1 cmd`) hold for that command only; builtins like cd and set change the shell itself
        const env = argv.length === 0 || c.assigns.length === 0 ? p.env : copyEnv(p.env)
        for (const a of c.assigns) env.vars.set(a.name, expandOne(a.value, p.env))
        return yield* withRedirs(c.redirs, { ...p, env }, (q) => runArgv(argv, q))
      })
    case "group":
      return withRedirs(
        c.redirs,
        p,
        (q) => c.subshell ? catchExit(runList(c.body, { ...q, env: copyEnv(q.env) })) : runList(c.body, q)
      )
    case "if":
      return withRedirs(c.redirs, p, (q) =>
        Effect.gen(function*() {
          for (const b of c.branches) {
            if ((yield* runList(b.cond, q)) === 0) return yield* runList(b.body, q)
          }
          return c.orElse === undefined ? 0 : yield* runList(c.orElse, q)
        }))
    case "for":
      return withRedirs(c.redirs, p, (q) =>
        Effect.gen(function*() {
          let code = 0
          for (const item of yield* expandWords(c.items, q)) {
            q.env.vars.set(c.name, item)
            code = yield* runList(c.body, q)
          }
          return code
        }))
    case "while":
      return withRedirs(c.redirs, p, (q) =>
        Effect.gen(function*() {
          let code = 0
          for (let round = 0; round < 10_000; round++) {
            const ok = (yield* runList(c.cond, q)) === 0
            if (ok === c.until) return code
            code = yield* runList(c.body, q)
          }
          return code
        }))
  }
}

const runPipeline = (pl: Pipeline, p: Proc): Effect.Effect<number, ShellExit> =>
  Effect.gen(function*() {
    let code = 0
    if (pl.commands.length === 1 && pl.commands[0] !== undefined) code = yield* runCommand(pl.commands[0], p)
    else {
      let input = p.stdin
      const codes: Array<number> = []
      for (const [i, c] of pl.commands.entries()) {
        const last = i === pl.commands.length - 1
        const chunks: Array<string> = []
        const stage: Proc = { ...p, env: copyEnv(p.env), stdin: input, out: last ? p.out : (s) => void chunks.push(s) }
        codes.push(yield* catchExit(runCommand(c, stage)))
        input = chunks.join("")
      }
      code = p.env.pipefail ? codes.reduce((acc, c) => (c !== 0 ? c : acc), 0) : codes.at(-1) ?? 0
    }
    return pl.negate ? (code === 0 ? 1 : 0) : code
  })

const runAndOr = (a: AndOr, p: Proc): Effect.Effect<number, ShellExit> =>
  Effect.gen(function*() {
    let code = yield* runPipeline(a.head, p)
    let lastRan = -1
    for (const [i, t] of a.tail.entries()) {
      p.env.status = code
      if ((t.op === "&&") === (code === 0)) {
        code = yield* runPipeline(t.pipeline, p)
        lastRan = i
      }
    }
    p.env.status = code
    if (code !== 0 && p.env.errexit && lastRan === a.tail.length - 1) return yield* new ShellExit({ code })
    return code
  })

const runList = (s: Script, p: Proc): Effect.Effect<number, ShellExit> => Effect.reduce(s, 0, (_, a) => runAndOr(a, p))

/** Parses `src` and runs it with `run`; a syntax error prints dash's message and exits 2. */
const parsed = (src: string, p: Proc, run: (s: Script) => Effect.Effect<number, ShellExit>): Effect.Effect<number> =>
  Effect.suspend(() => {
    let script: Script
    try {
      script = parse(src)
    } catch (e) {
      if (e instanceof ShellSyntaxError) return fail(p, e.message, 2)
      throw e
    }
    return catchExit(run(script))
  })

/** Runs `src` in the shell of `p` (`eval`, `.`). */
export const runInline = (src: string, p: Proc): Effect.Effect<number> => parsed(src, p, (s) => runList(s, p))

/** Runs `src` as a shell of its own: at its end the EXIT trap runs; it keeps the exit code unless it exits itself. */
export const runScript = (src: string, p: Proc): Effect.Effect<number> =>
  Effect.flatMap(runInline(src, p), (code) => {
    const trap = p.env.exitTrap
    if (trap === undefined) return Effect.succeed(code)
    p.env.exitTrap = undefined
    p.env.status = code
    return parsed(trap, p, (s) => Effect.as(runList(s, p), code))
  })

export const makeShellNode = (sim: SimNodeShape): ShellNode => ({
  sim,
  script: runScript,
  inline: runInline,
  argv: runArgv,
  agentJobs: new Map(),
  locks: new Map()
})
