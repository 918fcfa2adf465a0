import { Effect, Either } from "effect"
import { createHash } from "node:crypto"
import { absPath, readBytes, view } from "./Files.js"
import { find } from "./Find.js"
import { bytesOf, lookup, resolve, sizeOf, textOf } from "./Fs.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, print } from "./Proc.js"
import { getopt, unlines } from "./Text.js"

/** sha256sum, md5sum, base64, readlink, realpath, du (find lives in Find). */

const digest = (algorithm: "sha256" | "md5", name: string): Cmd => (args, p) =>
  Effect.gen(function*() {
    const files = getopt(args, "").operands
    let code = 0
    for (const f of files.length === 0 ? ["-"] : files) {
      const data = f === "-" ? Either.right(p.stdin) : yield* readBytes(p, f)
      if (Either.isLeft(data)) {
        p.err(`${name}: ${f}: ${data.left}\n`)
        code = 1
        continue
      }
      p.out(`${createHash(algorithm).update(bytesOf(data.right)).digest("hex")}  ${f}\n`)
    }
    return code
  })

const base64: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "w", { decode: "d", wrap: "w" })
    const file = o.operands[0]
    const data = file === undefined || file === "-" ? Either.right(p.stdin) : yield* readBytes(p, file)
    if (Either.isLeft(data)) return yield* fail(p, `base64: ${file ?? ""}: ${data.left}`)
    const bytes = bytesOf(data.right)
    if (o.has("d")) {
      const text = new TextDecoder().decode(bytes).replace(/\s+/g, "")
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return yield* fail(p, "base64: invalid input")
      return yield* print(p, textOf(Buffer.from(text, "base64")))
    }
    const encoded = Buffer.from(bytes).toString("base64")
    const wrap = Number(o.get("w") ?? 76)
    if (encoded === "") return 0
    return yield* print(p, wrap === 0 ? encoded : unlines(encoded.match(new RegExp(`.{1,${wrap}}`, "g")) ?? []))
  })

const readlink: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "")
    const v = yield* view(p)
    let code = 0
    for (const f of o.operands) {
      if (o.has("f") || o.has("e") || o.has("m")) {
        const r = resolve(v.fs, absPath(p, f))
        if (Either.isLeft(r) || (o.has("e") && v.fs[r.right] === undefined)) code = 1
        else p.out(`${r.right}\n`)
        continue
      }
      const found = lookup(v.fs, absPath(p, f), false)
      if (Either.isRight(found) && found.right.file.symlink !== undefined) p.out(`${found.right.file.symlink}\n`)
      else code = 1
    }
    return code
  })

const realpath: Cmd = (args, p) =>
  Effect.gen(function*() {
    const v = yield* view(p)
    let code = 0
    for (const f of getopt(args, "").operands) {
      const r = lookup(v.fs, absPath(p, f))
      if (Either.isLeft(r)) {
        p.err(`realpath: ${f}: ${r.left}\n`)
        code = 1
      } else p.out(`${r.right.path}\n`)
    }
    return code
  })

const du: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "")
    const v = yield* view(p)
    for (const f of o.operands.length === 0 ? ["."] : o.operands) {
      const found = lookup(v.fs, absPath(p, f))
      if (Either.isLeft(found)) return yield* fail(p, `du: cannot access '${f}': ${found.left}`)
      const prefix = `${found.right.path}/`
      const total = Object.entries(v.fs)
        .filter(([k]) => k === found.right.path || k.startsWith(prefix))
        .reduce((s, [, file]) => s + Math.ceil(sizeOf(file) / 4096) * 4, 0)
      p.out(`${o.has("h") ? `${total}K` : total}\t${f}\n`)
    }
    return 0
  })

export const FS_MISC_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  sha256sum: { run: digest("sha256", "sha256sum") },
  md5sum: { run: digest("md5", "md5sum") },
  base64: { run: base64 },
  readlink: { run: readlink },
  realpath: { run: realpath },
  find: { run: find },
  du: { run: du }
}
