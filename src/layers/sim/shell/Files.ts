import { Clock, Effect, Either } from "effect"
import type { SimState } from "../SimState.js"
import { normalize, readFile, resolve, textOf, writeFile } from "./Fs.js"
import type { Proc } from "./Proc.js"
import { modifySystem, stateNow, systemOf } from "./Proc.js"
import type { SimFs, SimSystem } from "./SimSystem.js"
import { readOnlyPath, virtualFiles } from "./Virtual.js"

/** File access for commands: the stored filesystem of the shell's machine with the virtual files laid over it. */

export interface View {
  readonly fs: SimFs
  readonly sys: SimSystem
  readonly state: SimState
  readonly nowMs: number
}

export const view = (p: Proc): Effect.Effect<View> =>
  Effect.gen(function*() {
    const state = yield* stateNow(p)
    const nowMs = yield* Clock.currentTimeMillis
    const sys = systemOf(state, p.target)
    if (sys === undefined) return yield* Effect.dieMessage("the guest this shell runs in is gone")
    return { fs: { ...sys.fs, ...virtualFiles(state, p.target, nowMs) }, sys, state, nowMs }
  })

export const absPath = (p: Proc, path: string): string =>
  normalize(
    p.env.cwd,
    path.startsWith("~/") || path === "~" ? `${p.env.vars.get("HOME") ?? "/root"}${path.slice(1)}` : path
  )

const STDIN = new Set(["/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"])

export const readBytes = (p: Proc, path: string): Effect.Effect<Either.Either<string | Uint8Array, string>> =>
  STDIN.has(absPath(p, path))
    ? Effect.succeed(Either.right(p.stdin))
    : Effect.map(view(p), (v) => readFile(v.fs, absPath(p, path)))

export const readText = (p: Proc, path: string): Effect.Effect<Either.Either<string, string>> =>
  Effect.map(readBytes(p, path), Either.map(textOf))

/** Changes the stored filesystem; `f` gets the absolute path's filesystem and the Clock's now. */
export const changeFs = (
  p: Proc,
  f: (fs: SimFs, nowMs: number) => Either.Either<SimFs, string>
): Effect.Effect<Either.Either<void, string>> =>
  modifySystem(p, (sys, now) => Either.map(f(sys.fs, now), (fs) => [undefined, { ...sys, fs }] as const))

/** Writes (or appends) a file as a redirection or `tee` would; `/dev/null` swallows it. */
export const writeText = (
  p: Proc,
  path: string,
  content: string | Uint8Array,
  append: boolean,
  mode?: number
): Effect.Effect<Either.Either<void, string>> =>
  Effect.gen(function*() {
    const abs = absPath(p, path)
    if (abs === "/dev/null") return Either.void
    if (abs === "/dev/stdout" || abs === "/dev/stderr") {
      const sink = abs === "/dev/stdout" ? p.out : p.err
      sink(textOf(content))
      return Either.void
    }
    const state = yield* stateNow(p)
    const sys = systemOf(state, p.target)
    const real = sys === undefined ? Either.right(abs) : resolve(sys.fs, abs)
    const denied = readOnlyPath(Either.getOrElse(real, () => abs), p.target, state.node.name)
    if (denied !== undefined) return Either.left(denied)
    return yield* changeFs(p, (fs, now) =>
      writeFile(fs, abs, content, now, { append, ...(mode === undefined ? {} : { mode }) }))
  })

export interface Input {
  readonly name: string
  readonly text: string
}

/** The texts of `files` (stdin for none or `-`); a missing file prints `cmd: f: No such file or directory`. */
export const readInputs = (
  p: Proc,
  cmd: string,
  files: ReadonlyArray<string>
): Effect.Effect<{ readonly inputs: ReadonlyArray<Input>; readonly failed: boolean }> =>
  Effect.gen(function*() {
    if (files.length === 0) return { inputs: [{ name: "(standard input)", text: p.stdin }], failed: false }
    const inputs: Array<Input> = []
    let failed = false
    for (const f of files) {
      if (f === "-") {
        inputs.push({ name: "(standard input)", text: p.stdin })
        continue
      }
      const text = yield* readText(p, f)
      if (Either.isLeft(text)) {
        p.err(`${cmd}: ${f}: ${text.left}\n`)
        failed = true
      } else inputs.push({ name: f, text: text.right })
    }
    return { inputs, failed }
  })

/** Runs `f` on each item; every Left is printed on stderr and makes the exit code 1. */
const report = (p: Proc, results: ReadonlyArray<Either.Either<void, string>>) =>
  results.reduce((code, r) => {
    if (Either.isRight(r)) return code
    p.err(`${r.left}\n`)
    return 1
  }, 0)

export const each = (
  p: Proc,
  items: ReadonlyArray<string>,
  f: (item: string) => Effect.Effect<Either.Either<void, string>>
) => Effect.map(Effect.forEach(items, f), (rs) => report(p, rs))

export const tagged = (prefix: string) => (r: Either.Either<void, string>) =>
  Either.mapLeft(r, (e) => `${prefix}: ${e}`)
