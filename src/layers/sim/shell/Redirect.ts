import { Effect, Either } from "effect"
import { expandOne, expandText } from "./Expand.js"
import { absPath, readText, view, writeText } from "./Files.js"
import { lookup } from "./Fs.js"
import type { Redir } from "./Parse.js"
import type { Proc } from "./Proc.js"
import { fail } from "./Proc.js"
import type { ShellExit } from "./Proc.js"

/** Redirections of the simulated shell: `<`, `<<`, `>`, `>>`, `&>`, `N>&M`, with `set -C` (noclobber). */

/** `set -C`: `>` may not replace an existing file (a device such as /dev/null is fine), nor go through a dangling link. */
const clobbers = (p: Proc, target: string) =>
  Effect.map(view(p), (v) => {
    const abs = absPath(p, target)
    if (Either.isLeft(lookup(v.fs, abs, false))) return false
    const real = lookup(v.fs, abs)
    return Either.isLeft(real) || real.right.file.special === undefined
  })

/** Sets up redirections in order; a failure is dash's message and exit 2. */
const redirect = (redirs: ReadonlyArray<Redir>, p: Proc) =>
  Effect.gen(function*() {
    let stdin = p.stdin
    const fds = new Map<number, (s: string) => void>([[1, p.out], [2, p.err]])
    const flushes: Array<Effect.Effect<void>> = []
    for (const r of redirs) {
      const target = expandOne(r.target, p.env)
      if (r.op === "<<") {
        const doc = r.heredoc ?? { body: "", expand: false }
        stdin = doc.expand ? expandText(doc.body, p.env) : doc.body
      } else if (r.op === "<") {
        const text = yield* readText(p, target)
        if (Either.isLeft(text)) return Either.left(`sh: 1: cannot open ${target}: No such file`)
        stdin = text.right
      } else if (r.op === ">&" || r.op === "<&") {
        const from = r.fd ?? (r.op === ">&" ? 1 : 0)
        const to = fds.get(Number(target))
        if (target === "-") fds.set(from, () => {})
        else if (to === undefined) return Either.left(`sh: 1: ${target}: Bad file descriptor`)
        else fds.set(from, to)
      } else {
        const append = r.op === ">>" || r.op === "&>>"
        if (!append && p.env.noclobber && (yield* clobbers(p, target))) {
          return Either.left(`sh: 1: cannot create ${target}: File exists`)
        }
        if (!append) {
          const created = yield* writeText(p, target, "", false)
          if (Either.isLeft(created)) {
            const why = created.left === "No such file or directory" ? "Directory nonexistent" : created.left
            return Either.left(`sh: 1: cannot create ${target}: ${why}`)
          }
        }
        const chunks: Array<string> = []
        const sink = (s: string) => void chunks.push(s)
        flushes.push(
          Effect.suspend(() => chunks.length === 0 ? Effect.void : writeText(p, target, chunks.join(""), true))
        )
        if (r.op === "&>" || r.op === "&>>") {
          fds.set(1, sink)
          fds.set(2, sink)
        } else fds.set(r.fd ?? 1, sink)
      }
    }
    const out = fds.get(1) ?? (() => {})
    const err = fds.get(2) ?? (() => {})
    const proc: Proc = { ...p, stdin, out, err }
    return Either.right({ proc, flush: Effect.all(flushes, { discard: true }) })
  })

/** Runs `body` with `redirs` applied; output to files lands when the body ends. */
export const withRedirs = (
  redirs: ReadonlyArray<Redir>,
  p: Proc,
  body: (p: Proc) => Effect.Effect<number, ShellExit>
): Effect.Effect<number, ShellExit> =>
  redirs.length === 0 ? body(p) : Effect.flatMap(redirect(redirs, p), (r) =>
    Either.isLeft(r)
      ? fail(p, r.left, 2)
      : Effect.ensuring(body(r.right.proc), r.right.flush))
