import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either, Option, Schema } from "effect"
import type { BackupVersion } from "../../domain/Backup.js"
import { VersionRecord } from "../../domain/Backup.js"
import type { StoredVersion } from "../../services/BackupStore.js"
import type { Layout } from "./Layout.js"
import { keyOfDescriptor, seqOfName, SHA256, sha256Hex, TARGET_KEY } from "./Layout.js"

const decode = Schema.decodeUnknown(Schema.parseJson(VersionRecord))

/** Whether a version can be restored byte for byte, and why not. */
export interface Revertibility {
  readonly revertible: boolean
  readonly revertReason?: string
}

/** The state of a stored blob: present and hashing to its name, missing, or damaged. */
export type BlobState = "ok" | "missing" | "damaged"

const notFound = (e: PlatformError) => e._tag === "SystemError" && e.reason === "NotFound"

/**
 * Reading records and blobs of the store. The strict readers fail on I/O errors (a missing file or folder is not
 * one), so `put` never decides from a listing that failed; `names` and `revertibility` turn errors into "not there".
 */
export const makeRecords = (fs: FileSystem.FileSystem, layout: Layout) => {
  const listNames = (folder: string) =>
    fs.readDirectory(folder).pipe(Effect.catchIf(notFound, () => Effect.succeed<Array<string>>([])))
  const names = (folder: string) => listNames(folder).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))

  /** The record at `<key>/<name>`: it must parse, name this seq and belong to this key (`Left`: why not). */
  const read = (key: string, name: string) =>
    Effect.gen(function*() {
      const seq = seqOfName(name)
      if (seq === undefined) return Either.left("not a version record name")
      const text = yield* fs.readFileString(`${layout.targetDir(key)}/${name}`).pipe(
        Effect.map(Option.some),
        Effect.catchIf(notFound, () => Effect.succeedNone)
      )
      if (Option.isNone(text)) return Either.left("vanished while being read")
      const record = yield* decode(text.value).pipe(Effect.either)
      if (Either.isLeft(record)) return Either.left("does not parse as a version record")
      const r = record.right
      if (r.seq !== seq) return Either.left(`names seq ${r.seq} but is stored as ${name}`)
      if (keyOfDescriptor(r.target) !== key) return Either.left(`names ${r.target}, which does not belong here`)
      if (r.kind === "full" && (r.sha256 === undefined || !SHA256.test(r.sha256))) {
        return Either.left("a full version without a valid sha256")
      }
      return Either.right<StoredVersion>({ backupPath: `${layout.targetDir(key)}/${name}`, record: r })
    })

  /** Every record file of one target: the versions (newest first) and how many files did not parse. Strict. */
  const scanTarget = (key: string) =>
    Effect.gen(function*() {
      const files = (yield* listNames(layout.targetDir(key))).filter((n) => seqOfName(n) !== undefined)
      const all = yield* Effect.forEach(files, (n) => read(key, n))
      const versions = all.flatMap((r) => Either.isRight(r) ? [r.right] : [])
      return { versions: versions.sort((a, b) => b.record.seq - a.record.seq), unparsed: all.length - versions.length }
    })

  /** The versions of one target that can be read, newest (highest seq) first. */
  const target = (key: string) =>
    scanTarget(key).pipe(Effect.map((t) => t.versions), Effect.orElseSucceed((): Array<StoredVersion> => []))

  /** The highest seq any file in the target's folder claims, parsed or not: new versions go above it. Strict. */
  const maxSeq = (key: string) =>
    Effect.map(listNames(layout.targetDir(key)), (all) => Math.max(0, ...all.flatMap((n) => seqOfName(n) ?? [])))

  /** The target keys present. Strict. */
  const keys = Effect.map(listNames(layout.targets), (all) => all.filter((n) => TARGET_KEY.test(n)))

  /** Whether a blob is there and hashes to its name. Strict: only a missing file is "missing". */
  const blobState = (sha: string): Effect.Effect<BlobState, PlatformError> =>
    SHA256.test(sha)
      ? fs.readFile(layout.blobPath(sha)).pipe(
        Effect.map((b): BlobState => sha256Hex(b) === sha ? "ok" : "damaged"),
        Effect.catchIf(notFound, () => Effect.succeed<BlobState>("missing"))
      )
      : Effect.succeed("missing")

  const revertibility = (record: VersionRecord): Effect.Effect<Revertibility> => {
    if (record.kind === "absent") return Effect.succeed({ revertible: true })
    if (record.kind === "metadata-only" || record.sha256 === undefined) {
      return Effect.succeed({
        revertible: false,
        revertReason: `only metadata was kept${record.reason === undefined ? "" : ` (${record.reason})`}`
      })
    }
    return blobState(record.sha256).pipe(
      Effect.map((state) =>
        state === "ok"
          ? { revertible: true }
          : state === "missing"
          ? { revertible: false, revertReason: "the stored pre-image is missing" }
          : { revertible: false, revertReason: "the stored pre-image is damaged (hash mismatch)" }
      ),
      Effect.catchAll((e) =>
        Effect.succeed({ revertible: false, revertReason: `the stored pre-image cannot be read: ${e.message}` })
      )
    )
  }

  const toVersion = (v: StoredVersion, status: Revertibility): BackupVersion => {
    const r = v.record
    return {
      backupPath: v.backupPath,
      seq: r.seq,
      ...(r.sha256 === undefined ? {} : { sha256: r.sha256 }),
      ...(r.auditId === undefined ? {} : { auditId: r.auditId }),
      timestamp: r.ts,
      kind: r.kind,
      sizeBytes: r.sizeBytes,
      ...status
    }
  }

  return { listNames, names, read, scanTarget, target, maxSeq, keys, blobState, revertibility, toVersion }
}

export type Records = ReturnType<typeof makeRecords>
