import type { Effect, Option, Scope } from "effect"
import { Context } from "effect"
import type { BackupTarget, BackupVersion, VersionRecord } from "../domain/Backup.js"
import type { BackupDamaged, BackupNotFound, BackupUnavailable } from "../domain/Errors.js"

/** A version record as stored, with the path that names it (`<dir>/targets/<key>/<seq>.json`). */
export interface StoredVersion {
  readonly backupPath: string
  readonly record: VersionRecord
}

/** What a write stores before it changes the target: its current bytes, or that it did not exist. */
export type PreImage =
  | { readonly kind: "content"; readonly bytes: Uint8Array; readonly sha256: string }
  | { readonly kind: "absent" }
  | { readonly kind: "metadata-only"; readonly sha256: string; readonly sizeBytes: number; readonly reason: string }

export interface PutRequest {
  readonly target: BackupTarget
  readonly preImage: PreImage
  /** Audit id of the write; names the temp files (`tmp-<auditId>-…`) so recovery can remove them. */
  readonly auditId: string
  /** What the write will leave (`null`: it deletes the file). */
  readonly newSha256: string | null
}

export interface PutResult extends StoredVersion {
  /** A warning to pass on (store over its cap with `DISK_PRESSURE_FAIL_SAFE=warn`). */
  readonly warning?: string
  /** How many versions retention removed first. */
  readonly evicted: number
}

export interface BackupProblem {
  readonly path: string
  readonly reason: string
}

export interface BackupVerifyReport {
  readonly dir: string
  readonly versions: number
  readonly blobs: number
  readonly ok: boolean
  readonly problems: ReadonlyArray<BackupProblem>
}

/**
 * Local store of pre-images taken before every file write. Content-addressed blobs (`blobs/<sha256>`) and per-target
 * version records, each written durably (temp file, fsync, rename, directory fsync). Retention never evicts the
 * newest revertible version of a target, a version an open intent needs, nor a blob another version still uses.
 */
export interface BackupStoreShape {
  readonly dir: string
  /** Versions of one target, newest first; `revertible` is checked against the stored bytes (hash re-computed). */
  readonly list: (target: BackupTarget) => Effect.Effect<ReadonlyArray<BackupVersion>>
  /** Stores a pre-image durably and returns its version. Runs retention first. Nothing half-written survives a failure. */
  readonly put: (request: PutRequest) => Effect.Effect<PutResult, BackupUnavailable>
  /** A `backupPath` from `list` (component-checked to lie inside the store) → its record. */
  readonly resolve: (backupPath: string) => Effect.Effect<StoredVersion, BackupNotFound>
  /** The newest version of the target whose pre-image can be restored (absent, or a blob that hashes right). */
  readonly newestRevertible: (target: BackupTarget) => Effect.Effect<Option.Option<StoredVersion>>
  /**
   * The bytes a revert to this version writes, re-hashed against the record; `None` for `absent` (a revert deletes).
   * A missing or damaged blob, or a metadata-only version, fails.
   */
  readonly content: (version: StoredVersion) => Effect.Effect<Option.Option<Uint8Array>, BackupDamaged>
  /** Every record parses and points at an existing blob; with `readData`, every blob hashes to its name. */
  readonly verify: (options: { readonly readData: boolean }) => Effect.Effect<BackupVerifyReport>
  /**
   * The per-target lock (`<dir>/locks/<key>.lock`, holding pid and host), held for the scope: one managed write or
   * revert per target at a time, across processes. A lock left by a dead process is taken over.
   */
  readonly lock: (target: BackupTarget) => Effect.Effect<void, BackupUnavailable, Scope.Scope>
  /** Removes temp files left by interrupted writes (all, or only those of one audit id). Returns how many. */
  readonly removeTemps: (auditId?: string) => Effect.Effect<number>
}

export class BackupStore extends Context.Tag("homelab-mcp/BackupStore")<BackupStore, BackupStoreShape>() {}
