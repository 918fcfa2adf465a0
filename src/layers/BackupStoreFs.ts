import { FileSystem } from "@effect/platform"
import { Effect, Either, Layer, Option } from "effect"
import { isAbsolute, relative, resolve as resolvePath, sep } from "node:path"
import type { BackupTarget } from "../domain/Backup.js"
import { descriptor, targetKey } from "../domain/Backup.js"
import { BackupDamaged, BackupNotFound } from "../domain/Errors.js"
import { AppConfig } from "../services/AppConfig.js"
import type { StoredVersion } from "../services/BackupStore.js"
import { BackupStore } from "../services/BackupStore.js"
import { makeDurableWriter } from "./backup/DurableWrite.js"
import { makeLayout, RECORD_NAME, SHA256, sha256Hex, TARGET_KEY } from "./backup/Layout.js"
import type { LockOptions } from "./backup/Lock.js"
import { defaultLockOptions, makeLocks } from "./backup/Lock.js"
import type { RetentionSettings } from "./backup/Put.js"
import { makePut } from "./backup/Put.js"
import { makeRecords } from "./backup/Records.js"
import { makeRemoveTemps, makeVerify } from "./backup/Verify.js"

export interface BackupStoreSettings extends RetentionSettings {
  readonly lock: LockOptions
}

const defaults: BackupStoreSettings = {
  perFileVersionCap: 10,
  globalSizeCapBytes: 100 * 1024 * 1024,
  diskPressureFailSafe: "refuse",
  lock: defaultLockOptions
}

/**
 * The local backup store: `<dir>/targets/<key>/<seq>.json` version records, `<dir>/blobs/<sha256>` pre-images
 * (content-addressed by the preserved bytes), `<dir>/locks/<key>.lock` per-target locks. Everything goes through the
 * Effect FileSystem, so tests can inject faults.
 */
export const makeBackupStore = (dir: string, settings: Partial<BackupStoreSettings> = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const options = { ...defaults, ...settings }
    const layout = makeLayout(dir)
    const records = makeRecords(fs, layout)
    const locks = makeLocks(fs, layout.dir, options.lock)
    const writer = makeDurableWriter(fs, layout.dir)

    /** The target's versions (newest first) that name exactly this target. */
    const versionsOf = (target: BackupTarget) =>
      Effect.map(records.target(targetKey(target)), (vs) => vs.filter((v) => v.record.target === descriptor(target)))

    const list = (target: BackupTarget) =>
      Effect.flatMap(versionsOf(target), (vs) =>
        Effect.forEach(vs, (v) => Effect.map(records.revertibility(v.record), (s) => records.toVersion(v, s))))

    const newestRevertible = (target: BackupTarget) =>
      Effect.gen(function*() {
        for (const v of yield* versionsOf(target)) {
          if ((yield* records.revertibility(v.record)).revertible) {
            return Option.some(v)
          }
        }
        return Option.none<StoredVersion>()
      })

    const resolve = (backupPath: string) =>
      Effect.gen(function*() {
        const notFound = (why: string) =>
          new BackupNotFound({
            message: `backup ${JSON.stringify(backupPath)} ${why}; use a backupPath from list_backups`
          })
        if (!isAbsolute(backupPath) || backupPath.includes("\0")) {
          return yield* notFound("is not an absolute path")
        }
        const rel = relative(layout.dir, resolvePath(backupPath))
        const [top, key, name, ...more] = rel.split(sep)
        if (
          top !== "targets" || key === undefined || !TARGET_KEY.test(key) || name === undefined ||
          !RECORD_NAME.test(name) || more.length > 0
        ) {
          return yield* notFound(`is not a version record inside the store ${layout.dir}`)
        }
        const real = yield* Effect.all([fs.realPath(layout.dir), fs.realPath(`${layout.targetDir(key)}/${name}`)])
          .pipe(Effect.mapError(() =>
            notFound("does not exist")
          ))
        if (real[1] !== [real[0], "targets", key, name].join(sep)) {
          return yield* notFound("leads outside the store through a symbolic link")
        }
        const read = yield* records.read(key, name).pipe(
          Effect.mapError((e) => notFound(`cannot be read: ${e.message}`))
        )
        if (Either.isLeft(read)) return yield* notFound(`cannot be used: ${read.left}`)
        return read.right
      })

    const content = (version: StoredVersion) =>
      Effect.gen(function*() {
        const { backupPath, record } = version
        const damaged = (why: string) => new BackupDamaged({ backupPath, message: `backup ${backupPath}: ${why}` })
        if (record.kind === "absent") return Option.none<Uint8Array>()
        if (record.kind === "metadata-only") {
          return yield* damaged("only metadata was kept for this version; its content cannot be restored")
        }
        const sha = record.sha256
        if (sha === undefined || !SHA256.test(sha)) return yield* damaged("the record names no valid pre-image hash")
        const bytes = yield* fs.readFile(layout.blobPath(sha)).pipe(
          Effect.mapError(() => damaged(`its pre-image blobs/${sha} is missing`))
        )
        if (sha256Hex(bytes) !== sha) return yield* damaged(`its pre-image blobs/${sha} is damaged (hash mismatch)`)
        return Option.some(bytes)
      })

    const lock = (target: BackupTarget) =>
      locks.acquire(targetKey(target), `another homelab-mcp process is writing ${descriptor(target)}; try again`)

    return BackupStore.of({
      dir: layout.dir,
      list,
      put: makePut({ fs, layout, records, writer, locks, settings: options }),
      resolve,
      newestRevertible,
      content,
      verify: makeVerify(fs, layout, records),
      // A sweep of every temp file waits for the store lock, so it never deletes a live put's temp file.
      removeTemps: (auditId?: string) => {
        const sweep = makeRemoveTemps(fs, layout, records)(auditId)
        return auditId !== undefined ? sweep : Effect.scoped(
          Effect.zipRight(locks.acquire("store", "the backup store is busy"), sweep)
        ).pipe(Effect.orElseSucceed(() => 0))
      },
      lock
    })
  })

export const BackupStoreFs = Layer.effect(
  BackupStore,
  Effect.flatMap(AppConfig, (config) => makeBackupStore(config.backupDir, config.files))
)
