import { Effect, Option, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { constants, promises as fsp } from "node:fs"
import { dirname } from "node:path"
import { normalizeFingerprint } from "../domain/Fingerprint.js"

/**
 * Trust-on-first-use store of fingerprints: a pretty-printed JSON object `{ "<host:port>": "SHA256:<b64>" }`.
 * Channel-agnostic (TLS certificates and SSH host keys each use their own file). Fail closed: a corrupt, symlinked
 * or world-writable store is an error, never an empty store, and a recorded entry is never overwritten.
 */
export class PinStoreError extends Schema.TaggedError<PinStoreError>()("PinStoreError", {
  message: Schema.String,
  path: Schema.String
}) {}

type Pins = Record<string, string>

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const describe = (e: unknown): string => errnoOf(e) ?? (e instanceof Error ? e.message : String(e))

const storeError = (path: string, what: string) =>
  new PinStoreError({
    path,
    message: `pin store ${path} ${what}; nothing was trusted or re-pinned (fix the file, or delete it or the entry)`
  })

const parsePins = (path: string, text: string): Effect.Effect<Pins, PinStoreError> => {
  const parsed = Option.liftThrowable((t: string): unknown => JSON.parse(t))(text)
  if (
    Option.isNone(parsed) || typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)
  ) {
    return Effect.fail(storeError(path, "is not a JSON object (empty, truncated or corrupt)"))
  }
  const pins: Pins = {}
  for (const [key, value] of Object.entries(parsed.value)) {
    const fp = typeof value === "string" ? normalizeFingerprint(value) : Option.none()
    if (Option.isNone(fp)) {
      return Effect.fail(storeError(path, `holds an invalid fingerprint for ${JSON.stringify(key)}`))
    }
    pins[key] = fp.value
  }
  return Effect.succeed(pins)
}

/** Reads the whole store; a missing file is an empty store. */
const loadPins = (path: string): Effect.Effect<Pins, PinStoreError> =>
  Effect.tryPromise({
    try: async () => {
      const stat = await fsp.lstat(path).catch((e: unknown) => {
        if (errnoOf(e) === "ENOENT") return undefined
        throw e
      })
      if (stat === undefined) return { _tag: "missing" as const }
      if (stat.isSymbolicLink()) return { _tag: "refused" as const, why: "is a symbolic link" }
      if (!stat.isFile()) return { _tag: "refused" as const, why: "is not a regular file" }
      if (process.platform !== "win32" && (stat.mode & 0o002) !== 0) {
        return { _tag: "refused" as const, why: "is world-writable (chmod 600 it)" }
      }
      return { _tag: "text" as const, text: await fsp.readFile(path, "utf8") }
    },
    catch: (e) => storeError(path, `cannot be read (${describe(e)})`)
  }).pipe(
    Effect.flatMap((r) => {
      switch (r._tag) {
        case "missing":
          return Effect.succeed<Pins>({})
        case "refused":
          return Effect.fail(storeError(path, r.why))
        case "text":
          return parsePins(path, r.text)
      }
    })
  )

/** The recorded fingerprint for `key` (e.g. `host:port`), normalised. */
export const readPin = (path: string, key: string): Effect.Effect<Option.Option<string>, PinStoreError> =>
  Effect.map(loadPins(path), (pins) => Option.fromNullable(pins[key]))

const writeAtomically = (path: string, text: string) =>
  Effect.tryPromise({
    try: async () => {
      const dir = dirname(path)
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
      const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL
      const handle = await fsp.open(tmp, flags, 0o600)
      try {
        await handle.writeFile(text, "utf8")
        await handle.sync()
        await handle.close()
        await fsp.rename(tmp, path)
      } catch (e) {
        await handle.close().catch(() => undefined)
        await fsp.rm(tmp, { force: true }).catch(() => undefined)
        throw e
      }
      // Make the rename itself durable; not every platform lets a directory be opened for fsync.
      await fsp.open(dir, "r").then((d) => d.sync().finally(() => d.close())).catch(() => undefined)
    },
    catch: (e) => storeError(path, `cannot be written (${describe(e)})`)
  })

/**
 * Records `fp` for `key` (first use). Writes a temp file in the same directory, fsyncs it and renames it over the
 * store, so a crash leaves either the old or the new file. Recording the same value again is a no-op; a different
 * value already on record is refused (another process pinned first).
 */
export const recordPin = (path: string, key: string, fp: string): Effect.Effect<void, PinStoreError> =>
  Effect.gen(function*() {
    const value = normalizeFingerprint(fp)
    if (Option.isNone(value)) return yield* storeError(path, `was not given a valid fingerprint for ${key}`)
    const pins = yield* loadPins(path)
    const existing = pins[key]
    if (existing === value.value) return
    if (existing !== undefined) {
      return yield* storeError(path, `already holds ${existing} for ${key}, not ${value.value}`)
    }
    yield* writeAtomically(path, `${JSON.stringify({ ...pins, [key]: value.value }, null, 2)}\n`)
  })
