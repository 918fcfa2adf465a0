import { Effect, Option } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { BackupUnavailable } from "../../domain/Errors.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import type { BackupStoreShape, PreImage, PutResult } from "../../services/BackupStore.js"
import type { RemoteContent } from "../../services/RemoteFiles.js"
import { AGENT_WRITE_MAX_BYTES } from "./Surfaces.js"

/** What the current content of a target is, as the write protocol read it under the target's lock. */
export type Current =
  | { readonly kind: "absent" }
  | { readonly kind: "content"; readonly content: RemoteContent }
  /** Exists but is too large to keep a pre-image of (only its hash and size are known). */
  | { readonly kind: "too-large"; readonly sha256: string; readonly sizeBytes: number; readonly why: string }

export const currentSha = (c: Current): string | null =>
  c.kind === "absent" ? null : c.kind === "content" ? c.content.sha256 : c.sha256

export const currentSize = (c: Current): number =>
  c.kind === "absent" ? 0 : c.kind === "content" ? c.content.bytes.length : c.sizeBytes

export const currentBytes = (c: Current): Option.Option<Uint8Array> =>
  c.kind === "content" ? Option.some(c.content.bytes) : Option.none()

/** How the pre-image of one write is kept. */
export interface Kept {
  /** `None` when the write goes ahead without a pre-image (`allowUnbacked`). */
  readonly stored: Option.Option<PutResult>
  /** Set when no pre-image was kept: why, for the audit record and the result. */
  readonly unbacked?: string
}

/**
 * The pre-image rule (security.md §5.2 step 3): keep the current bytes, or record that the file did not exist. A
 * file over the large-file policy or the read cap, or a store that cannot take it, needs the caller's explicit
 * `allowUnbacked`; the write then records why it is not revertible (N1 waived knowingly, never silently).
 */
export const keepPreImage = (
  store: BackupStoreShape,
  config: AppConfigShape,
  request: {
    readonly target: BackupTarget
    readonly current: Current
    readonly auditId: string
    readonly newSha256: string | null
    readonly allowUnbacked: boolean
  }
): Effect.Effect<Kept, BackupUnavailable> => {
  const { current } = request
  const tooLarge = current.kind === "too-large"
    ? current.why
    : current.kind === "content" && request.target.kind === "qm" &&
        current.content.bytes.length > AGENT_WRITE_MAX_BYTES
    ? `the current file is ${current.content.bytes.length} bytes and the guest agent can write back at most ` +
      `${AGENT_WRITE_MAX_BYTES}, so a revert could not restore it`
    : current.kind === "content" && config.files.largeFilePolicy === "metadata-only" &&
        current.content.bytes.length > config.files.largeFileBytes
    ? `the current file is ${current.content.bytes.length} bytes, over LARGE_FILE_BYTES ` +
      `(${config.files.largeFileBytes}) with LARGE_FILE_POLICY=metadata-only`
    : undefined
  if (tooLarge !== undefined) {
    if (!request.allowUnbacked) {
      return Effect.fail(
        new BackupUnavailable({
          dir: store.dir,
          message: `Not written: no pre-image can be kept (${tooLarge}), so the change could not be reverted. ` +
            `Pass allowUnbacked: true only if the user accepts an irreversible write.`
        })
      )
    }
    const preImage: PreImage = {
      kind: "metadata-only",
      sha256: currentSha(current) ?? "",
      sizeBytes: currentSize(current),
      reason: tooLarge
    }
    return store.put({ ...request, preImage }).pipe(
      Effect.map((stored): Kept => ({ stored: Option.some(stored), unbacked: tooLarge })),
      Effect.orElseSucceed((): Kept => ({ stored: Option.none(), unbacked: tooLarge }))
    )
  }
  const preImage: PreImage = current.kind === "content"
    ? { kind: "content", bytes: current.content.bytes, sha256: current.content.sha256 }
    : { kind: "absent" }
  return store.put({ ...request, preImage }).pipe(
    Effect.map((stored): Kept => ({ stored: Option.some(stored) })),
    Effect.catchAll((e) =>
      request.allowUnbacked
        ? Effect.succeed<Kept>({ stored: Option.none(), unbacked: `the backup store failed: ${e.message}` })
        : Effect.fail(e)
    )
  )
}
