import { Schema } from "effect"

/** The result of a managed write, edit or revert (also its dry run). One shape for host, container and VM files. */
export const WriteResult = Schema.Struct({
  dryRun: Schema.Boolean,
  path: Schema.String,
  /** The file actually changed, after symlinks (differs from `path` only when a link was followed). */
  resolvedPath: Schema.String,
  vmid: Schema.optionalWith(Schema.Number, { exact: true }),
  /** `false` when the content was already exactly this: nothing written, nothing backed up, nothing audited. */
  changed: Schema.Boolean,
  auditId: Schema.NullOr(Schema.String),
  /** The stored pre-image version (pass it to diff_config / revert_file); `null` when none was kept. */
  backupPath: Schema.NullOr(Schema.String),
  revertible: Schema.Boolean,
  newFile: Schema.Boolean,
  deleted: Schema.Boolean,
  prevBytes: Schema.Number,
  newBytes: Schema.Number,
  sha256Before: Schema.NullOr(Schema.String),
  sha256After: Schema.NullOr(Schema.String),
  /** Unified diff old → new (capped); `null` when either side is binary. */
  diff: Schema.NullOr(Schema.String),
  diffTruncated: Schema.Boolean,
  addedLines: Schema.Number,
  removedLines: Schema.Number,
  isLargeChange: Schema.Boolean,
  largeChangeReason: Schema.optionalWith(Schema.String, { exact: true }),
  /** `true`: the target was replaced by an atomic rename (host, container); `false`: VM agent write, not atomic. */
  atomic: Schema.optionalWith(Schema.Boolean, { exact: true }),
  notPreserved: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  /** Why no pre-image was kept (`allowUnbacked`). */
  unbacked: Schema.optionalWith(Schema.String, { exact: true }),
  warnings: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  note: Schema.optionalWith(Schema.String, { exact: true })
})
export type WriteResult = typeof WriteResult.Type

/** Shared write arguments (names as the original's, plus the compare-and-swap and waiver flags). */
export const dryRunField = Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
  description: "Only preview: return the diff, write nothing, back up nothing, audit nothing."
})
export const expectedShaField = Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/)), {
  exact: true
}).annotations({
  description: "Compare-and-swap: the SHA-256 (hex) the file must still have (from a read); otherwise nothing " +
    "is written and CONTENT_CHANGED is returned."
})
export const allowUnbackedField = Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
  .annotations({
    description: "Write even if no pre-image can be kept (file too large, backup store failing). The change " +
      "then cannot be reverted; use only when the user accepts that."
  })
