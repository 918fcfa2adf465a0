import { Effect, Schema } from "effect"
import { EditFailed, FileNotFound, FileTooLarge } from "../../domain/Errors.js"
import { VmId } from "../../domain/Ids.js"
import { isText } from "../../domain/TextDiff.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { defineTool } from "../Runner.js"
import { allowUnbackedField, dryRunField, expectedShaField, WriteResult } from "./Outcome.js"
import type { Current } from "./PreImage.js"
import { auditGuard } from "./Refusal.js"
import { checkPath, resolveForWrite, targetOf } from "./Resolve.js"
import { sha256Hex } from "./Summary.js"
import type { SurfaceSpec } from "./Surfaces.js"
import { followSymlinksField, SURFACES } from "./Surfaces.js"
import { managedWrite } from "./WriteCore.js"
import { AGENT_WRITE_MAX_BYTES, writesNode } from "./WriteFile.js"

const MAX_EDIT_CHARS = 1_048_576

const editFields = {
  path: Schema.String.pipe(Schema.maxLength(4096)).annotations({ description: "Absolute path of the file." }),
  oldString: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_EDIT_CHARS)).annotations({
    description: "Exact text to find (literal, not a regex). Must occur exactly once unless replaceAll."
  }),
  newString: Schema.String.pipe(Schema.maxLength(MAX_EDIT_CHARS)).annotations({
    description: "Replacement text (may be empty)."
  }),
  replaceAll: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Replace every occurrence instead of requiring exactly one."
  }),
  dryRun: dryRunField,
  expectedSha256: expectedShaField,
  allowUnbacked: allowUnbackedField,
  followSymlinks: followSymlinksField
}

interface EditInput {
  readonly vmid?: number
  readonly path: string
  readonly oldString: string
  readonly newString: string
  readonly replaceAll: boolean
  readonly dryRun: boolean
  readonly expectedSha256?: string
  readonly allowUnbacked: boolean
  readonly followSymlinks: boolean
}

const countOf = (text: string, needle: string): number => {
  let n = 0
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++
  return n
}

/** Exact find-and-replace on the content read under the lock (ADR-011): one read, no TOCTOU gap. */
export const applyEdit = (path: string, input: EditInput, maxBytes: number | undefined) => (current: Current) =>
  Effect.gen(function*() {
    if (current.kind === "absent") {
      return yield* new FileNotFound({ path, message: `${path}: the file does not exist, so it cannot be edited` })
    }
    if (current.kind === "too-large") {
      return yield* new FileTooLarge({
        path,
        sizeBytes: current.sizeBytes,
        capBytes: 0,
        message: `${path} cannot be edited: ${current.why}`
      })
    }
    if (!isText(current.content.bytes)) {
      return yield* new EditFailed({ reason: "not_text", count: 0, message: `${path} is not UTF-8 text` })
    }
    // ignoreBOM: a byte-order mark is content; dropping it would change bytes outside the edit.
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(current.content.bytes)
    const count = countOf(text, input.oldString)
    if (count === 0) {
      return yield* new EditFailed({ reason: "not_found", count, message: `oldString was not found in ${path}` })
    }
    if (count > 1 && !input.replaceAll) {
      return yield* new EditFailed({
        reason: "not_unique",
        count,
        message: `oldString occurs ${count} times in ${path}; add context to make it unique, or set replaceAll`
      })
    }
    const next = input.replaceAll
      ? text.split(input.oldString).join(input.newString)
      : text.replace(input.oldString, () => input.newString)
    if (next === text) {
      return yield* new EditFailed({ reason: "no_change", count, message: `the edit leaves ${path} unchanged` })
    }
    const bytes = new TextEncoder().encode(next)
    if (maxBytes !== undefined && bytes.length > maxBytes) {
      return yield* new FileTooLarge({
        path,
        sizeBytes: bytes.length,
        capBytes: maxBytes,
        message: `the edited file would be ${bytes.length} bytes, over the guest-agent write cap (${maxBytes})`
      })
    }
    return bytes
  })

/** Edit strings are file content: the audit keeps their size and hash, never the text (secrets stay out of it). */
const summary = (s: string) => `<${s.length} chars, sha256 ${sha256Hex(new TextEncoder().encode(s))}>`

const editHandler = (spec: SurfaceSpec, name: string, config: AppConfigShape) => (input: EditInput) =>
  Effect.gen(function*() {
    const path = yield* checkPath(name, input.path, config)
    const requested = targetOf(spec.surface, path, input.vmid)
    const resolved = yield* resolveForWrite(name, spec.surface, requested, config, input.followSymlinks).pipe(
      auditGuard(name, requested, {
        ...input,
        oldString: summary(input.oldString),
        newString: summary(input.newString)
      })
    )
    return yield* managedWrite({
      tool: name,
      args: { ...input, oldString: summary(input.oldString), newString: summary(input.newString) },
      resolved,
      compute: applyEdit(
        path,
        input,
        spec.surface === "qm" ? Math.min(config.files.qmWriteMaxBytes, AGENT_WRITE_MAX_BYTES) : undefined
      ),
      expectedSha256: input.expectedSha256,
      allowUnbacked: input.allowUnbacked,
      dryRun: input.dryRun
    })
  })

const description = (spec: SurfaceSpec) =>
  `Edit a text file ${spec.where} by exact find-and-replace: oldString must occur exactly once (or set ` +
  `replaceAll). Cheaper than rewriting the whole file. Backed up first, audited, revertible, returns the diff. ` +
  `${spec.notes} dryRun previews only.`

export const makeGuestEditFile = (surface: "pct" | "qm", config: AppConfigShape) => {
  const spec = SURFACES[surface]
  const name = `${spec.prefix}edit_file`
  return defineTool({
    name,
    title: surface === "pct" ? "Edit a file in a container" : "Edit a file in a VM",
    description: description(spec),
    minTier: spec.minTier,
    annotations: { ...writesNode, idempotentHint: false },
    input: Schema.Struct({ vmid: VmId, ...editFields }),
    output: WriteResult,
    timeout: "5 minutes",
    handler: editHandler(spec, name, config)
  })
}

export const makeHostEditFile = (config: AppConfigShape) =>
  defineTool({
    name: "edit_file",
    title: "Edit a file on the host",
    description: description(SURFACES.host),
    minTier: "root",
    annotations: { ...writesNode, idempotentHint: false },
    input: Schema.Struct(editFields),
    output: WriteResult,
    timeout: "5 minutes",
    handler: editHandler(SURFACES.host, "edit_file", config)
  })
