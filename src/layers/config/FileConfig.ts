import { Effect, Option } from "effect"
import type { FileSettings } from "../../services/AppConfig.js"
import { integer, invalid, raw } from "./Env.js"

const choice = <A extends string>(name: string, allowed: ReadonlyArray<A>, fallback: A) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback)
    const v = value.value.trim()
    return (allowed as ReadonlyArray<string>).includes(v)
      ? Effect.succeed(v as A)
      : Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be one of ${allowed.join(", ")}`))
  })

const octalMode = (name: string, fallback: number) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback)
    const v = value.value.trim()
    return /^0?[0-7]{3,4}$/.test(v)
      ? Effect.succeed(parseInt(v, 8))
      : Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be an octal mode such as 0644`))
  })

const absoluteDir = (name: string, fallback: string) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback)
    const v = value.value.trim()
    return /^\/[A-Za-z0-9._/-]*$/.test(v) && !v.split("/").includes("..")
      ? Effect.succeed(v.length > 1 ? v.replace(/\/+$/, "") : v)
      : Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be an absolute path on the node`))
  })

/** File tools and backup store settings (original-spec §1.2 names and defaults). */
export const filesFrom = Effect.gen(function*() {
  return {
    readFileMaxBytes: yield* integer("READ_FILE_MAX_BYTES", 2_097_152, 1024, 64 * 1024 * 1024),
    qmWriteMaxBytes: yield* integer("QM_WRITE_MAX_BYTES", 60_000, 1, 61_440),
    largeFileBytes: yield* integer("LARGE_FILE_BYTES", 1_048_576, 1, 1024 * 1024 * 1024),
    largeFilePolicy: yield* choice("LARGE_FILE_POLICY", ["diff", "metadata-only"], "diff"),
    perFileVersionCap: yield* integer("PER_FILE_VERSION_CAP", 10, 1, 10_000),
    globalSizeCapBytes: yield* integer("GLOBAL_SIZE_CAP_BYTES", 104_857_600, 1024, Number.MAX_SAFE_INTEGER),
    diskPressureFailSafe: yield* choice("DISK_PRESSURE_FAIL_SAFE", ["refuse", "warn"], "warn"),
    newFileMode: yield* octalMode("CONTAINER_NEW_FILE_MODE", 0o644),
    newFileUid: yield* integer("CONTAINER_NEW_FILE_UID", 0, 0, 4_294_967_294),
    newFileGid: yield* integer("CONTAINER_NEW_FILE_GID", 0, 0, 4_294_967_294),
    nodeTempDir: yield* absoluteDir("NODE_TEMP_DIR", "/tmp")
  } satisfies FileSettings
})
