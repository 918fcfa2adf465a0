import { Duration, Effect, Either } from "effect"
import { COMMANDS } from "./Commands.js"
import { absPath, readText, view } from "./Files.js"
import { lookup } from "./Fs.js"
import { OPTION_BUILTINS } from "./Options.js"
import type { Cmd, Proc } from "./Proc.js"
import { copyEnv, fail, installed, print, ShellExit } from "./Proc.js"
import { parseDuration } from "./Text.js"

/** Shell builtins and the commands that run other commands (`sh -c`, `timeout`, `env`, `command -v`). */

const SBIN = new Set([
  "pct",
  "qm",
  "pvesh",
  "pveum",
  "pveversion",
  "pvesm",
  "pvecm",
  "zpool",
  "ip",
  "apt-get",
  "vzdump"
])

const pathOf = (name: string, p: Proc) =>
  Effect.map(view(p), (v): string | undefined => {
    if (BUILTINS[name] !== undefined) return name
    if (!installed(COMMANDS[name], p, v.sys)) return undefined
    return `${SBIN.has(name) ? "/usr/sbin" : "/usr/bin"}/${name}`
  })

const shell: Cmd = (args, p) =>
  Effect.gen(function*() {
    const env = { ...copyEnv(p.env), noclobber: false }
    let i = 0
    let command: string | undefined
    for (; i < args.length; i++) {
      const a = args[i] ?? ""
      if (a === "-o" || a === "+o") {
        if (args[i + 1] === "pipefail") env.pipefail = a === "-o"
        i++
      } else if (/^[-+][a-z]+$/.test(a)) {
        if (a.startsWith("-") && a.includes("e")) env.errexit = true
        if (a.startsWith("-") && a.includes("c")) command = args[++i] ?? ""
      } else break
    }
    if (command !== undefined) {
      env.args = [args[i] ?? "sh", ...args.slice(i + 1)]
      return yield* p.node.script(command, { ...p, env })
    }
    const file = args[i]
    if (file === undefined) return yield* p.node.script(p.stdin, { ...p, env, stdin: "" })
    const text = yield* readText(p, file)
    if (Either.isLeft(text)) return yield* fail(p, `sh: 0: cannot open ${file}: No such file`, 2)
    env.args = [file, ...args.slice(i + 1)]
    return yield* p.node.script(text.right, { ...p, env })
  })

const timeout: Cmd = (args, p) =>
  Effect.gen(function*() {
    let i = 0
    let preserve = false
    for (; i < args.length && (args[i] ?? "").startsWith("-"); i++) {
      const a = args[i] ?? ""
      if (a === "--preserve-status") preserve = true
      else if (a === "-s" || a === "-k" || a === "--signal" || a === "--kill-after") i++
      else if (a === "--") {
        i++
        break
      }
    }
    const ms = parseDuration(args[i] ?? "")
    if (ms === undefined) return yield* fail(p, `timeout: invalid time interval '${args[i] ?? ""}'`, 125)
    const argv = args.slice(i + 1)
    if (argv.length === 0) return yield* fail(p, "timeout: missing operand", 125)
    const run = Effect.catchAll(p.node.argv(argv, p), (e) => Effect.succeed(e.code))
    if (ms === 0) return yield* run
    return yield* Effect.timeoutTo(run, {
      duration: Duration.millis(ms),
      onTimeout: () => (preserve ? 143 : 124),
      onSuccess: (code) => code
    })
  })

const sleep: Cmd = (args, p) => {
  if (args[0] === "infinity") return Effect.never
  const parts = args.map(parseDuration)
  if (args.length === 0) return fail(p, "sleep: missing operand")
  if (parts.some((x) => x === undefined)) return fail(p, `sleep: invalid time interval '${args.join(" ")}'`)
  return Effect.as(Effect.sleep(Duration.millis(parts.reduce((a: number, b) => a + (b ?? 0), 0))), 0)
}

const env: Cmd = (args, p) => {
  const e = copyEnv(p.env)
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i] ?? ""
    if (a === "-i") e.vars.clear()
    else if (a === "-u") e.vars.delete(args[++i] ?? "")
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) e.vars.set(a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1))
    else break
  }
  if (i >= args.length) return print(p, [...e.vars].map(([k, v]) => `${k}=${v}\n`).join(""))
  return p.node.argv(args.slice(i), { ...p, env: e })
}

const command: Cmd = (args, p) =>
  Effect.gen(function*() {
    const verbose = args[0] === "-v" || args[0] === "-V"
    if (!verbose) return yield* p.node.argv(args[0] === "-p" ? args.slice(1) : args, p)
    let code = 0
    for (const name of args.slice(1)) {
      const path = yield* pathOf(name, p)
      if (path === undefined) code = 1
      else p.out(`${path}\n`)
    }
    return code
  })

const which: Cmd = (args, p) => Effect.flatMap(command(["-v", ...args.filter((a) => a !== "-a")], p), Effect.succeed)

const cd: Cmd = (args, p) =>
  Effect.gen(function*() {
    const dir = absPath(p, args[0] ?? p.env.vars.get("HOME") ?? "/")
    const v = yield* view(p)
    const found = lookup(v.fs, dir)
    if (Either.isLeft(found) || !found.right.file.isDir) return yield* fail(p, `sh: 1: cd: can't cd to ${args[0]}`, 2)
    p.env.cwd = dir
    p.env.vars.set("PWD", dir)
    return 0
  })

const source: Cmd = (args, p) =>
  Effect.flatMap(readText(p, args[0] ?? ""), (text) =>
    Either.isLeft(text)
      ? fail(p, `sh: 1: .: cannot open ${args[0] ?? ""}: No such file`, 2)
      : p.node.inline(text.right, p))

export const BUILTINS: Readonly<Record<string, Cmd>> = {
  ":": () => Effect.succeed(0),
  true: () => Effect.succeed(0),
  false: () => Effect.succeed(1),
  exit: (args, p) => Effect.fail(new ShellExit({ code: args[0] === undefined ? p.env.status : Number(args[0]) & 255 })),
  cd,
  pwd: (_, p) => print(p, `${p.env.cwd}\n`),
  export: (args, p) => {
    for (const a of args.filter((x) => x.includes("="))) {
      p.env.vars.set(a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1))
    }
    return Effect.succeed(0)
  },
  unset: (args, p) => Effect.sync(() => (args.forEach((a) => p.env.vars.delete(a)), 0)),
  ...OPTION_BUILTINS,
  ".": source,
  source,
  eval: (args, p) => p.node.inline(args.join(" "), p),
  exec: (args, p) => Effect.flatMap(p.node.argv(args, p), (code) => Effect.fail(new ShellExit({ code }))),
  sh: shell,
  bash: shell,
  dash: shell,
  command,
  which,
  type: (args, p) =>
    Effect.flatMap(pathOf(args[0] ?? "", p), (path) =>
      path === undefined
        ? fail(p, `sh: 1: type: ${args[0] ?? ""}: not found`, 127)
        : print(p, path.includes("/") ? `${args[0]} is ${path}\n` : `${path} is a shell builtin\n`)),
  timeout,
  sleep,
  env,
  printenv: (
    args,
    p
  ) => (args.length === 0 ? env([], p) : print(p, args.map((a) => `${p.env.vars.get(a) ?? ""}\n`).join(""))),
  "sim-hang": () => Effect.never
}
