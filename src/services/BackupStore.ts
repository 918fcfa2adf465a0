import type { Effect } from "effect"
import { Context } from "effect"
import type { BackupTarget, BackupVersion } from "../domain/Backup.js"

/** Local store of pre-images taken before every file write. */
export interface BackupStoreShape {
  readonly dir: string
  /** Versions of one target, newest first; `revertible` is checked against the stored bytes. */
  readonly list: (target: BackupTarget) => Effect.Effect<ReadonlyArray<BackupVersion>>
}

export class BackupStore extends Context.Tag("homelab-mcp/BackupStore")<BackupStore, BackupStoreShape>() {}
