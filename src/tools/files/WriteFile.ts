import { Effect, Schema } from "effect"
import { FileTooLarge, InvalidArguments } from "../../domain/Errors.js"
import { VmId } from "../../domain/Ids.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { defineTool } from "../Runner.js"
import { allowUnbackedField, dryRunField, expectedShaField, WriteResult } from "./Outcome.js"
import { auditGuard } from "./Refusal.js"
import { checkPath, resolveForWrite, targetOf } from "./Resolve.js"
import { sha256Hex } from "./Summary.js"
import type { SurfaceSpec } from "./Surfaces.js"
import { Encoding, followSymlinksField, SURFACES } from "./Surfaces.js"
import { managedWrite } from "./WriteCore.js"

export const writesNode = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }

import { AGENT_WRITE_MAX_BYTES } from "./Surfaces.js"
export { AGENT_WRITE_MAX_BYTES }

/** 4/3 of the largest content, in characters: base64 of a 64 MiB file. */
const MAX_CONTENT_CHARS = 90_000_000

const writeFields = {
  path: Schema.String.pipe(Schema.maxLength(4096)).annotations({ description: "Absolute path of the file." }),
  content: Schema.String.pipe(Schema.maxLength(MAX_CONTENT_CHARS)).annotations({
    description: "The complete new content."
  }),
  encoding: Schema.optionalWith(Encoding, { exact: true, default: () => "utf8" as const }).annotations({
    description: "How content is given: utf8 (default) or base64 (binary)."
  }),
  dryRun: dryRunField,
  expectedSha256: expectedShaField,
  allowUnbacked: allowUnbackedField,
  followSymlinks: followSymlinksField
}

interface WriteInput {
  readonly vmid?: number
  readonly path: string
  readonly content: string
  readonly encoding: "utf8" | "base64"
  readonly dryRun: boolean
  readonly expectedSha256?: string
  readonly allowUnbacked: boolean
  readonly followSymlinks: boolean
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The content as bytes; base64 must be canonical (it round-trips), so a typo is an error, not silent garbage. */
export const decodeContent = (tool: string, content: string, encoding: "utf8" | "base64") => {
  if (encoding === "utf8") return Effect.succeed(new TextEncoder().encode(content))
  const compact = content.replace(/\s+/g, "")
  const bytes = Buffer.from(compact, "base64")
  return BASE64.test(compact) && bytes.toString("base64") === compact
    ? Effect.succeed(new Uint8Array(bytes))
    : Effect.fail(
      new InvalidArguments({
        message: `invalid arguments for ${tool}:\ncontent: not valid base64`,
        issues: ["content: not valid base64"]
      })
    )
}

/** What of the call goes into the audit: never the content itself, only its size and hash. */
const auditArgs = (input: WriteInput, bytes: Uint8Array) => ({
  ...(input.vmid === undefined ? {} : { vmid: input.vmid }),
  path: input.path,
  encoding: input.encoding,
  content: `<${bytes.length} bytes, sha256 ${sha256Hex(bytes)}>`,
  ...(input.expectedSha256 === undefined ? {} : { expectedSha256: input.expectedSha256 }),
  ...(input.allowUnbacked ? { allowUnbacked: true } : {}),
  ...(input.followSymlinks ? { followSymlinks: true } : {})
})

const writeHandler = (spec: SurfaceSpec, name: string, config: AppConfigShape) => (input: WriteInput) =>
  Effect.gen(function*() {
    const path = yield* checkPath(name, input.path, config)
    const bytes = yield* decodeContent(name, input.content, input.encoding)
    const qmCap = Math.min(config.files.qmWriteMaxBytes, AGENT_WRITE_MAX_BYTES)
    if (spec.surface === "qm" && bytes.length > qmCap) {
      return yield* new FileTooLarge({
        path,
        sizeBytes: bytes.length,
        capBytes: qmCap,
        message: `${bytes.length} bytes is over the guest-agent write cap (${qmCap}); ` +
          `write large files with qm_exec (e.g. a download inside the VM).`
      })
    }
    const requested = targetOf(spec.surface, path, input.vmid)
    const resolved = yield* resolveForWrite(name, spec.surface, requested, config, input.followSymlinks).pipe(
      auditGuard(name, requested, auditArgs(input, bytes))
    )
    return yield* managedWrite({
      tool: name,
      args: auditArgs(input, bytes),
      resolved,
      compute: () => Effect.succeed(bytes),
      expectedSha256: input.expectedSha256,
      allowUnbacked: input.allowUnbacked,
      dryRun: input.dryRun
    })
  })

const description = (spec: SurfaceSpec) =>
  `Write a whole file ${spec.where}. The previous content is stored locally first (revert_file restores it byte ` +
  `for byte), the change is audited, and the result carries the diff. ${spec.notes} dryRun previews the diff ` +
  `only. expectedSha256 (from a read) makes the write fail if the file changed meanwhile.`

export const makeGuestWriteFile = (surface: "pct" | "qm", config: AppConfigShape) => {
  const spec = SURFACES[surface]
  const name = `${spec.prefix}write_file`
  return defineTool({
    name,
    title: surface === "pct" ? "Write a file in a container" : "Write a file in a VM",
    description: description(spec),
    minTier: spec.minTier,
    annotations: writesNode,
    input: Schema.Struct({ vmid: VmId, ...writeFields }),
    output: WriteResult,
    timeout: "5 minutes",
    handler: writeHandler(spec, name, config)
  })
}

export const makeHostWriteFile = (config: AppConfigShape) =>
  defineTool({
    name: "write_file",
    title: "Write a file on the host",
    description: description(SURFACES.host),
    minTier: "root",
    annotations: writesNode,
    input: Schema.Struct(writeFields),
    output: WriteResult,
    timeout: "5 minutes",
    handler: writeHandler(SURFACES.host, "write_file", config)
  })
