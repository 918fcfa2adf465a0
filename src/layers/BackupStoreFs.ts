import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import type { BackupTarget, BackupVersion } from "../domain/Backup.js"
import { targetKey, VersionRecord } from "../domain/Backup.js"
import { AppConfig } from "../services/AppConfig.js"
import { BackupStore } from "../services/BackupStore.js"

const decode = Schema.decodeUnknown(Schema.parseJson(VersionRecord))

/** Store layout: `<dir>/targets/<key>/<seq>.json` version records and `<dir>/blobs/<sha256>` pre-images. */
export const makeBackupStore = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const blobPath = (sha: string) => `${dir}/blobs/${sha}`
    const check = (record: VersionRecord) =>
      Effect.gen(function*() {
        if (record.kind === "absent") return { revertible: true }
        if (record.kind === "metadata-only" || record.sha256 === undefined) {
          return { revertible: false, revertReason: "only metadata was kept (file over the size limit)" }
        }
        const bytes = yield* fs.readFile(blobPath(record.sha256)).pipe(Effect.option)
        if (Option.isNone(bytes)) return { revertible: false, revertReason: "the stored pre-image is missing" }
        const actual = createHash("sha256").update(bytes.value).digest("hex")
        return actual === record.sha256
          ? { revertible: true }
          : { revertible: false, revertReason: "the stored pre-image is damaged (hash mismatch)" }
      })
    const list = (target: BackupTarget) =>
      Effect.gen(function*() {
        const folder = `${dir}/targets/${targetKey(target)}`
        const names = yield* fs.readDirectory(folder).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))
        const records = yield* Effect.forEach(
          names.filter((n) => n.endsWith(".json")),
          (n) =>
            fs.readFileString(`${folder}/${n}`).pipe(
              Effect.flatMap(decode),
              Effect.map((r) => [n, r] as const),
              Effect.option
            )
        )
        const found = records.flatMap((r) => (Option.isSome(r) ? [r.value] : []))
        const versions = yield* Effect.forEach(found, ([name, r]) =>
          Effect.map(check(r), (status): BackupVersion => ({
            backupPath: `${folder}/${name}`,
            timestamp: r.ts,
            kind: r.kind,
            sizeBytes: r.sizeBytes,
            ...status
          })))
        return found
          .map(([, r], i) => ({ seq: r.seq, v: versions[i] as BackupVersion }))
          .sort((a, b) => b.seq - a.seq)
          .map((x) => x.v)
      })
    return BackupStore.of({ dir, list })
  })

export const BackupStoreFs = Layer.effect(
  BackupStore,
  Effect.flatMap(AppConfig, (config) => makeBackupStore(config.backupDir))
)
