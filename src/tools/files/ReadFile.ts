import { Effect, Option, Schema } from "effect"
import { FileNotFound, FileTooLarge } from "../../domain/Errors.js"
import { VmId } from "../../domain/Ids.js"
import { redactText } from "../../domain/Redact.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import { readsNode } from "../Annotations.js"
import { defineTool } from "../Runner.js"
import { checkPath, targetOf } from "./Resolve.js"
import type { SurfaceSpec } from "./Surfaces.js"
import { Encoding, SURFACES } from "./Surfaces.js"

const ReadOutput = Schema.Struct({
  path: Schema.String,
  resolvedPath: Schema.String,
  vmid: Schema.optionalWith(Schema.Number, { exact: true }),
  encoding: Encoding,
  content: Schema.String,
  offset: Schema.Number,
  /** Bytes returned. */
  bytes: Schema.Number,
  /** Size of the whole file. */
  sizeBytes: Schema.Number,
  /** More of the file lies after this window. */
  truncated: Schema.Boolean,
  /** SHA-256 of the whole file (whole reads only): pass it as expectedSha256 to a write or edit. */
  sha256: Schema.optionalWith(Schema.String, { exact: true }),
  redacted: Schema.Boolean,
  redactionCount: Schema.Number,
  /** utf8 was asked for but the bytes are not valid UTF-8: read again with encoding base64 for exact bytes. */
  lossy: Schema.optionalWith(Schema.Boolean, { exact: true })
})

const readFields = (cap: number) => ({
  path: Schema.String.pipe(Schema.maxLength(4096)).annotations({ description: "Absolute path of the file." }),
  encoding: Schema.optionalWith(Encoding, { exact: true, default: () => "utf8" as const }).annotations({
    description: "utf8 (default) or base64 (exact bytes, for binary files)."
  }),
  offset: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.nonNegative()), { exact: true })
    .annotations({ description: "Byte offset of a window (default 0)." }),
  maxBytes: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.between(1, cap)), { exact: true })
    .annotations({ description: `Window length in bytes (1 to ${cap}).` }),
  redact: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Replace secrets (passwords, tokens, keys) with [REDACTED] in utf8 output. Writes and backups " +
      "always use the true bytes."
  })
})

const strict = new TextDecoder("utf-8", { fatal: true })
const lenient = new TextDecoder()

interface ReadInput {
  readonly path: string
  readonly vmid?: number
  readonly encoding: "utf8" | "base64"
  readonly offset?: number
  readonly maxBytes?: number
  readonly redact: boolean
}

const readHandler = (spec: SurfaceSpec, name: string, config: AppConfigShape) => (input: ReadInput) =>
  Effect.gen(function*() {
    const files = yield* RemoteFiles
    const cap = config.files.readFileMaxBytes
    const path = yield* checkPath(name, input.path, config)
    const target = targetOf(spec.surface, path, input.vmid)
    const windowed = input.offset !== undefined || input.maxBytes !== undefined
    const offset = input.offset ?? 0
    const tooLarge = (e: FileTooLarge) =>
      new FileTooLarge({
        ...e,
        message: `${path} is ${e.sizeBytes} bytes, over the ${cap}-byte read cap. Read a window with ` +
          `offset/maxBytes, or use an exec tool with head/tail/grep/wc.`
      })
    const got = windowed
      ? yield* Effect.map(
        files.readWindow(target, offset, Math.min(input.maxBytes ?? cap, cap)),
        (w) => ({ ...w, sha256: undefined })
      )
      : yield* files.read(target, cap).pipe(
        Effect.catchTag("FileTooLarge", (e) => Effect.fail(tooLarge(e))),
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new FileNotFound({ path, message: `File not found ${spec.where}: ${path}` })),
          onSome: (c) =>
            Effect.succeed({
              bytes: c.bytes,
              sizeBytes: c.bytes.length,
              resolvedPath: c.resolvedPath,
              sha256: c.sha256
            })
        }))
      )
    // B4/B7: a symlink must not lead past the path rules (`/root/x -> /proc/1/environ`); nothing is returned then.
    if (got.resolvedPath !== path) yield* checkPath(name, got.resolvedPath, config)
    let content: string
    let lossy = false
    if (input.encoding === "base64") content = Buffer.from(got.bytes).toString("base64")
    else {
      try {
        content = strict.decode(got.bytes)
      } catch {
        content = lenient.decode(got.bytes)
        lossy = true
      }
    }
    const red = input.redact && input.encoding === "utf8"
      ? redactText(content, config.guard.redactionExtraKeys)
      : { text: content, count: 0 }
    return {
      path,
      resolvedPath: got.resolvedPath,
      ...(input.vmid === undefined ? {} : { vmid: input.vmid }),
      encoding: input.encoding,
      content: red.text,
      offset: windowed ? offset : 0,
      bytes: got.bytes.length,
      sizeBytes: got.sizeBytes,
      truncated: (windowed ? offset : 0) + got.bytes.length < got.sizeBytes,
      ...(got.sha256 === undefined ? {} : { sha256: got.sha256 }),
      redacted: input.redact && input.encoding === "utf8",
      redactionCount: red.count,
      ...(lossy ? { lossy } : {})
    }
  })

const description = (spec: SurfaceSpec, cap: number) =>
  `Read a file ${spec.where}. Returns the content (utf8 or base64), its size and SHA-256 (use it as ` +
  `expectedSha256 when writing). Files over ${cap} bytes need a window (offset/maxBytes). Only regular files; ` +
  `symlinks are followed and the real path is reported. redact: true hides secrets. Read-only, not audited.`

export const makeGuestReadFile = (surface: "pct" | "qm", config: AppConfigShape) => {
  const spec = SURFACES[surface]
  const cap = config.files.readFileMaxBytes
  const name = `${spec.prefix}read_file`
  return defineTool({
    name,
    title: surface === "pct" ? "Read a file in a container" : "Read a file in a VM",
    description: description(spec, cap),
    minTier: spec.minTier,
    annotations: readsNode,
    input: Schema.Struct({ vmid: VmId, ...readFields(cap) }),
    output: ReadOutput,
    timeout: "60 seconds",
    handler: readHandler(spec, name, config)
  })
}

export const makeHostReadFile = (config: AppConfigShape) => {
  const spec = SURFACES.host
  const cap = config.files.readFileMaxBytes
  return defineTool({
    name: "read_file",
    title: "Read a file on the host",
    description: description(spec, cap),
    minTier: spec.minTier,
    annotations: readsNode,
    input: Schema.Struct(readFields(cap)),
    output: ReadOutput,
    timeout: "60 seconds",
    handler: readHandler(spec, "read_file", config)
  })
}
