import { Effect, Option } from "effect"
import { readFileSync, statSync } from "node:fs"
import { isAbsolute } from "node:path"
import { invalid, raw } from "./Env.js"

/**
 * The API token secret: `PVE_API_TOKEN_SECRET`, or `PVE_API_TOKEN_SECRET_FILE` naming a file only its owner can read
 * (what `homelab-mcp setup` registers with Claude Code, so the secret never sits on a command line).
 */
export const tokenSecret = Effect.gen(function*() {
  const direct = yield* raw("PVE_API_TOKEN_SECRET")
  const file = yield* raw("PVE_API_TOKEN_SECRET_FILE")
  if (Option.isSome(direct) && Option.isSome(file)) {
    return yield* invalid(
      "PVE_API_TOKEN_SECRET_FILE",
      "set PVE_API_TOKEN_SECRET or PVE_API_TOKEN_SECRET_FILE, not both"
    )
  }
  if (Option.isSome(direct) || Option.isNone(file)) return direct
  const path = file.value
  if (!isAbsolute(path)) {
    return yield* invalid("PVE_API_TOKEN_SECRET_FILE", "PVE_API_TOKEN_SECRET_FILE must be an absolute path")
  }
  const read = yield* Effect.try(() => {
    const st = statSync(path)
    if (!st.isFile()) return { error: "is not a regular file" }
    if ((st.mode & 0o077) !== 0) return { error: "is readable by others: chmod 600 it" }
    return { secret: readFileSync(path, "utf8").trim() }
  }).pipe(Effect.orElseSucceed(() => ({ error: "cannot be read" })))
  if ("error" in read) {
    return yield* invalid("PVE_API_TOKEN_SECRET_FILE", `PVE_API_TOKEN_SECRET_FILE ${path} ${read.error}`)
  }
  if (read.secret === "") {
    return yield* invalid("PVE_API_TOKEN_SECRET_FILE", `PVE_API_TOKEN_SECRET_FILE ${path} is empty`)
  }
  return Option.some(read.secret)
})
