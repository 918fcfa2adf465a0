import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { BackupTarget } from "../../../src/domain/Backup.js"
import type { BackupStoreSettings } from "../../../src/layers/BackupStoreFs.js"
import { makeBackupStore } from "../../../src/layers/BackupStoreFs.js"
import type { BackupStoreShape, PreImage } from "../../../src/services/BackupStore.js"

export const sha = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex")

export const host = (path: string): BackupTarget => ({ kind: "host", path })
export const pct = (vmid: number, path: string): BackupTarget => ({ kind: "pct", vmid, path })

/** A pre-image holding `text`. */
export const bytesOf = (text: string): PreImage => {
  const bytes = new TextEncoder().encode(text)
  return { kind: "content", bytes, sha256: sha(bytes) }
}

/** A store in a fresh temporary directory (removed with the scope). */
export const tempStore = (settings: Partial<BackupStoreSettings> = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "backup-store-test-" })
    const dir = `${root}/backups`
    const store = yield* makeBackupStore(dir, settings)
    return { fs, root, dir, store }
  })

export const put = (store: BackupStoreShape, target: BackupTarget, preImage: PreImage, auditId = "audit-1") =>
  store.put({ target, preImage, auditId, newSha256: null })

/** The decoded bytes a revert to this backupPath would write (`null`: the file is deleted). */
export const restored = (store: BackupStoreShape, backupPath: string) =>
  Effect.gen(function*() {
    const version = yield* store.resolve(backupPath)
    const bytes = yield* store.content(version)
    return bytes._tag === "None" ? null : new TextDecoder().decode(bytes.value)
  })

/** Every file under `dir` (relative paths), sorted. */
export const filesUnder = (fs: FileSystem.FileSystem, dir: string) =>
  fs.readDirectory(dir, { recursive: true }).pipe(
    Effect.flatMap((names) =>
      Effect.filter(names, (n) => Effect.map(fs.stat(`${dir}/${n}`), (i) => i.type === "File"))
    ),
    Effect.map((names) => [...names].sort()),
    Effect.orElseSucceed((): Array<string> => [])
  )
