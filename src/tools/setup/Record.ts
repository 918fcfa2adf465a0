import { Effect, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { promises as fsp } from "node:fs"
import { dirname, join } from "node:path"
import { SetupFailed } from "./Ports.js"

/**
 * `<data>/setup.json` (0600): the token setup created last, with its secret. PVE shows a secret only once, so
 * without this record every re-run would have to replace the token; with it a re-run changes nothing.
 */

const SetupRecord = Schema.Struct({
  version: Schema.Literal(1),
  host: Schema.String,
  apiPort: Schema.Number,
  tokenId: Schema.String,
  secret: Schema.String
})

export interface KnownToken {
  readonly host: string
  readonly apiPort: number
  readonly tokenId: string
  readonly secret: Redacted.Redacted<string>
}

export const recordPath = (dataDir: string): string => join(dataDir, "setup.json")

/** The recorded token, if the record exists and parses (a damaged record is ignored: the token is replaced). */
export const readRecord = (dataDir: string): Effect.Effect<Option.Option<KnownToken>> =>
  Effect.tryPromise(() => fsp.readFile(recordPath(dataDir), "utf8")).pipe(
    Effect.map((text) =>
      Option.map(Schema.decodeUnknownOption(Schema.parseJson(SetupRecord))(text), (r) => ({
        host: r.host,
        apiPort: r.apiPort,
        tokenId: r.tokenId,
        secret: Redacted.make(r.secret)
      }))
    ),
    Effect.orElseSucceed(() => Option.none<KnownToken>())
  )

/** The token secret alone, for `PVE_API_TOKEN_SECRET_FILE` (so `claude mcp add` never shows it in `ps`). */
export const secretFilePath = (dataDir: string): string => join(dataDir, "token-secret")

export const writeSecretFile = (dataDir: string, secret: Redacted.Redacted<string>): Effect.Effect<void, SetupFailed> =>
  writePrivate(secretFilePath(dataDir), Redacted.value(secret))

/** Temp file (0600) in the same directory, then rename: never a half-written record. */
export const writeRecord = (dataDir: string, token: KnownToken): Effect.Effect<void, SetupFailed> =>
  writePrivate(
    recordPath(dataDir),
    JSON.stringify({
      version: 1,
      host: token.host,
      apiPort: token.apiPort,
      tokenId: token.tokenId,
      secret: Redacted.value(token.secret)
    })
  )

const writePrivate = (path: string, text: string): Effect.Effect<void, SetupFailed> => {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`
  return Effect.tryPromise({
    try: async () => {
      await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 })
      await fsp.writeFile(tmp, `${text}\n`, { mode: 0o600, flag: "wx" })
      await fsp.rename(tmp, path)
    },
    catch: (e) =>
      new SetupFailed({
        message: `cannot write ${path}: ${typeof e === "object" && e !== null && "code" in e ? String(e.code) : e}`
      })
  }).pipe(Effect.tapError(() => Effect.promise(() => fsp.rm(tmp, { force: true }))))
}
