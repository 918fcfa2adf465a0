import { Schema } from "effect"
import { createHash } from "node:crypto"

export const BackupTargetKind = Schema.Literal("pct", "qm", "host")
export type BackupTargetKind = typeof BackupTargetKind.Type

export interface BackupTarget {
  readonly kind: BackupTargetKind
  readonly vmid?: number
  readonly path: string
}

/** `pct:<vmid>:<path>`, `qm:<vmid>:<path>` or `host:<path>`: the identity of a backed-up file. */
export const descriptor = (t: BackupTarget): string =>
  t.kind === "host" ? `host:${t.path}` : `${t.kind}:${t.vmid ?? 0}:${t.path}`

/** The directory key of a target: the first 16 hex characters of SHA-256 of its descriptor. */
export const targetKey = (t: BackupTarget): string =>
  createHash("sha256").update(descriptor(t)).digest("hex").slice(0, 16)

/**
 * One stored version: the content a file had before a managed write. `absent` means the file did not exist,
 * so reverting removes it. The pre-image lives in a content-addressed blob named by its SHA-256.
 */
export const VersionRecord = Schema.Struct({
  /** The target's descriptor (`descriptor(target)`). */
  target: Schema.String,
  /** The target itself, so a record alone says what to restore where. */
  targetKind: Schema.optionalWith(BackupTargetKind, { exact: true }),
  vmid: Schema.optionalWith(Schema.Number, { exact: true }),
  path: Schema.optionalWith(Schema.String, { exact: true }),
  /** Per-target sequence number (newest = highest); the record's file name is `<seq>.json`. */
  seq: Schema.Number,
  ts: Schema.String,
  /** `full`: the pre-image is in `blobs/<sha256>`; `absent`: the file did not exist; `metadata-only`: not kept. */
  kind: Schema.Literal("full", "absent", "metadata-only"),
  /** SHA-256 of the pre-image (also for metadata-only, when it was known). */
  sha256: Schema.optionalWith(Schema.String, { exact: true }),
  sizeBytes: Schema.Number,
  /** The audit id of the write that replaced this content. */
  auditId: Schema.optionalWith(Schema.String, { exact: true }),
  /** SHA-256 the write meant to leave behind (`null`: the write deleted the file). */
  newSha256: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  /** Why only metadata was kept. */
  reason: Schema.optionalWith(Schema.String, { exact: true })
})
export type VersionRecord = typeof VersionRecord.Type

export const BackupVersion = Schema.Struct({
  backupPath: Schema.String,
  seq: Schema.Number,
  sha256: Schema.optionalWith(Schema.String, { exact: true }),
  auditId: Schema.optionalWith(Schema.String, { exact: true }),
  timestamp: Schema.String,
  kind: Schema.String,
  sizeBytes: Schema.Number,
  revertible: Schema.Boolean,
  revertReason: Schema.optionalWith(Schema.String, { exact: true })
})
export type BackupVersion = typeof BackupVersion.Type
