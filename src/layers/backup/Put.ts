import type { FileSystem } from "@effect/platform"
import { Clock, Effect } from "effect"
import { dirname } from "node:path"
import type { VersionRecord } from "../../domain/Backup.js"
import { descriptor, targetKey } from "../../domain/Backup.js"
import { crashAt } from "../../domain/CrashPoint.js"
import type { BackupUnavailable } from "../../domain/Errors.js"
import { planRetention } from "../../domain/Retention.js"
import type { FileSettings } from "../../services/AppConfig.js"
import type { PutRequest, PutResult, StoredVersion } from "../../services/BackupStore.js"
import type { makeDurableWriter } from "./DurableWrite.js"
import { unavailable } from "./DurableWrite.js"
import type { Layout } from "./Layout.js"
import { SHA256, sha256Hex } from "./Layout.js"
import type { makeLocks } from "./Lock.js"
import type { Records } from "./Records.js"

export type RetentionSettings = Pick<FileSettings, "perFileVersionCap" | "globalSizeCapBytes" | "diskPressureFailSafe">

interface PutDeps {
  readonly fs: FileSystem.FileSystem
  readonly layout: Layout
  readonly records: Records
  readonly writer: ReturnType<typeof makeDurableWriter>
  readonly locks: ReturnType<typeof makeLocks>
  readonly settings: RetentionSettings
}

const encoder = new TextEncoder()

/** `put`: under the store lock, retention first, then the blob, then the record, each written durably. */
export const makePut = ({ fs, layout, locks, records, settings, writer }: PutDeps) => {
  const { dir } = layout
  const fail = (what: string) => (e: { readonly message: string }) => unavailable(dir, what, e)

  /**
   * Every version in the store, the sizes of the blobs present, and which versions retention must keep. Any read that
   * fails fails the put: a listing that silently came back short could make live blobs look unused.
   */
  const survey = (ownKey: string) =>
    Effect.gen(function*() {
      const keys = yield* records.keys
      const scans = yield* Effect.forEach(keys, (key) => Effect.map(records.scanTarget(key), (t) => ({ key, ...t })))
      const protectedIds = new Set<string>()
      for (const { versions } of scans) {
        for (const v of versions) {
          if (
            v.record.kind === "absent" ||
            (v.record.kind === "full" && (yield* records.blobState(v.record.sha256 ?? "")) === "ok")
          ) {
            protectedIds.add(v.backupPath)
            break
          }
        }
      }
      const lockedKeys = new Set<string>()
      for (const key of keys) if (key !== ownKey && (yield* locks.isHeld(key))) lockedKeys.add(key)
      const names = (yield* records.listNames(layout.blobs)).filter((n) => SHA256.test(n))
      const sizes = yield* Effect.forEach(names, (n) =>
        fs.stat(layout.blobPath(n)).pipe(
          Effect.map((info) => [[n, Number(info.size)] as const]),
          Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.succeed([]))
        ))
      return {
        versions: scans.flatMap(({ key, versions }) => versions.map((v) => ({ key, ...v }))),
        protectedIds,
        lockedKeys,
        blobSizes: new Map(sizes.flat()),
        // A record that does not parse may point at any blob: then no blob counts as unused.
        complete: scans.every((t) => t.unparsed === 0)
      }
    }).pipe(Effect.mapError(fail("reading the store")))

  /** Removes the planned versions (records first), then the blobs nothing uses any more. */
  const evict = (evictIds: ReadonlyArray<string>, blobs: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      for (const id of evictIds) {
        yield* fs.remove(id).pipe(
          Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.void),
          Effect.mapError(fail(`evicting ${id}`))
        )
      }
      for (const sha of blobs) {
        yield* fs.remove(layout.blobPath(sha)).pipe(
          Effect.catchAll((e) => Effect.logWarning(`backup store ${dir}: blob ${sha} not removed: ${e.message}`))
        )
      }
    })

  const store = (request: PutRequest): Effect.Effect<PutResult, BackupUnavailable> =>
    Effect.gen(function*() {
      const { auditId, preImage, target } = request
      const key = targetKey(target)
      for (const folder of [layout.blobs, layout.targetDir(key)]) {
        const existed = yield* fs.exists(folder).pipe(Effect.orElseSucceed(() => false))
        yield* fs.makeDirectory(folder, { recursive: true, mode: 0o700 }).pipe(
          Effect.mapError(fail(`creating ${folder}`))
        )
        // A new directory is durable only once its parent is synced (N1 across a power loss).
        if (!existed) {
          yield* writer.syncDir(dirname(folder)).pipe(Effect.mapError(fail(`syncing the parent of ${folder}`)))
        }
      }
      let blob: { readonly sha: string; readonly bytes: Uint8Array; readonly write: boolean } | undefined
      if (preImage.kind === "content") {
        const sha = sha256Hex(preImage.bytes)
        if (sha !== preImage.sha256) {
          return yield* unavailable(dir, `the pre-image of ${descriptor(target)} does not hash to ${preImage.sha256}`)
        }
        const state = yield* records.blobState(sha).pipe(Effect.mapError(fail(`reading blobs/${sha}`)))
        blob = { sha, bytes: preImage.bytes, write: state !== "ok" }
      }
      const seen = yield* survey(key)
      const seq = (yield* records.maxSeq(key).pipe(Effect.mapError(fail(`listing ${layout.targetDir(key)}`)))) + 1
      const plan = planRetention({
        versions: seen.versions.map((v) => ({
          id: v.backupPath,
          key: v.key,
          seq: v.record.seq,
          ...(v.record.kind === "full" && v.record.sha256 !== undefined ? { blob: v.record.sha256 } : {})
        })),
        blobSizes: seen.blobSizes,
        keepOrphans: !seen.complete,
        protectedIds: seen.protectedIds,
        lockedKeys: seen.lockedKeys,
        incoming: {
          key,
          ...(blob === undefined ? {} : { blob: blob.sha }),
          newBytes: blob?.write === true ? blob.bytes.length : 0
        },
        perTargetCap: settings.perFileVersionCap,
        globalCapBytes: settings.globalSizeCapBytes
      })
      yield* evict(plan.evict.map((v) => v.id), plan.deleteBlobs)
      let warning: string | undefined
      if (plan.overCap) {
        const over = `the backup store is over its cap of ${settings.globalSizeCapBytes} bytes (${plan.bytesAfter} ` +
          `stored after evicting ${plan.evict.length} version(s), and this pre-image adds ${
            blob?.write === true ? blob.bytes.length : 0
          })`
        if (settings.diskPressureFailSafe === "refuse") {
          return yield* unavailable(dir, `${over}; refusing the write (DISK_PRESSURE_FAIL_SAFE=refuse)`)
        }
        warning = `${over}; storing it anyway (DISK_PRESSURE_FAIL_SAFE=warn)`
      }
      if (blob?.write === true) {
        yield* writer.write(layout.blobPath(blob.sha), blob.bytes, auditId, {
          tmp: "after-blob-tmp",
          fsync: "after-blob-fsync",
          rename: "after-blob-rename"
        })
      }
      const ts = new Date(yield* Clock.currentTimeMillis).toISOString()
      const record: VersionRecord = {
        target: descriptor(target),
        targetKind: target.kind,
        ...(target.vmid === undefined ? {} : { vmid: target.vmid }),
        path: target.path,
        seq,
        ts,
        kind: preImage.kind === "content" ? "full" : preImage.kind,
        ...(preImage.kind === "absent" ? {} : { sha256: preImage.sha256 }),
        sizeBytes: preImage.kind === "content"
          ? preImage.bytes.length
          : preImage.kind === "metadata-only"
          ? preImage.sizeBytes
          : 0,
        auditId,
        newSha256: request.newSha256,
        ...(preImage.kind === "metadata-only" ? { reason: preImage.reason } : {})
      }
      const backupPath = layout.recordPath(key, seq)
      const evicted = new Set(plan.evict.map((v) => v.id))
      const used = (sha: string) => seen.versions.some((v) => !evicted.has(v.backupPath) && v.record.sha256 === sha)
      yield* writer.write(backupPath, encoder.encode(`${JSON.stringify(record, null, 2)}\n`), auditId).pipe(
        Effect.tapError(() =>
          blob?.write === true && !used(blob.sha)
            ? fs.remove(layout.blobPath(blob.sha)).pipe(Effect.ignore)
            : Effect.void
        )
      )
      yield* Effect.sync(() => crashAt("after-version-record"))
      const stored: StoredVersion = { backupPath, record }
      return { ...stored, evicted: plan.evict.length, ...(warning === undefined ? {} : { warning }) }
    })

  return (request: PutRequest) =>
    Effect.scoped(
      Effect.zipRight(
        locks.acquire("store", "another homelab-mcp process is writing the backup store; try again"),
        store(request)
      )
    )
}
