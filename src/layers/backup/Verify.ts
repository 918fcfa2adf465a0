import type { FileSystem } from "@effect/platform"
import { Effect, Either, Option } from "effect"
import type { BackupProblem, BackupVerifyReport } from "../../services/BackupStore.js"
import type { Layout } from "./Layout.js"
import { SHA256, sha256Hex, TARGET_KEY, tempPrefix } from "./Layout.js"
import type { Records } from "./Records.js"

const LEFTOVER = "temp file left by an interrupted write (safe to delete)"

/**
 * The store's checker (`homelab-mcp verify`): every record parses and names its place; every full version's blob
 * exists with the recorded size; with `readData`, every blob hashes to its name. Leftover temp files and blobs no
 * record points at are problems too. One problem per line, path and reason.
 */
export const makeVerify =
  (fs: FileSystem.FileSystem, layout: Layout, records: Records) =>
  (options: { readonly readData: boolean }): Effect.Effect<BackupVerifyReport> =>
    Effect.gen(function*() {
      const problems: Array<BackupProblem> = []
      const problem = (path: string, reason: string) => Effect.sync(() => problems.push({ path, reason }))
      const referenced = new Map<string, number>()
      let versions = 0

      for (const key of yield* records.names(layout.targets)) {
        const folder = layout.targetDir(key)
        if (!TARGET_KEY.test(key)) {
          yield* problem(folder, "not a target directory (the name is not a 16-hex target key)")
          continue
        }
        for (const name of yield* records.names(folder)) {
          const path = `${folder}/${name}`
          if (name.startsWith(tempPrefix())) {
            yield* problem(path, LEFTOVER)
            continue
          }
          const read = yield* records.read(key, name).pipe(
            Effect.catchAll((e) => Effect.succeed(Either.left(`unreadable: ${e.message}`)))
          )
          if (Either.isLeft(read)) {
            yield* problem(path, read.left)
            continue
          }
          versions++
          const { record } = read.right
          if (record.kind !== "full" || record.sha256 === undefined) continue
          referenced.set(record.sha256, record.sizeBytes)
          const info = yield* fs.stat(layout.blobPath(record.sha256)).pipe(Effect.option)
          if (Option.isNone(info)) {
            yield* problem(path, `its pre-image blobs/${record.sha256} is missing: this version cannot be restored`)
          } else if (Number(info.value.size) !== record.sizeBytes) {
            yield* problem(
              path,
              `its pre-image blobs/${record.sha256} is ${info.value.size} bytes, the record says ${record.sizeBytes}`
            )
          }
        }
      }

      let blobs = 0
      for (const name of yield* records.names(layout.blobs)) {
        const path = layout.blobPath(name)
        if (name.startsWith(tempPrefix())) {
          yield* problem(path, LEFTOVER)
          continue
        }
        if (!SHA256.test(name)) {
          yield* problem(path, "not a blob (the name is not a SHA-256)")
          continue
        }
        blobs++
        if (!referenced.has(name)) yield* problem(path, "orphan blob: no version record points at it")
        if (options.readData) {
          const bytes = yield* fs.readFile(path).pipe(Effect.either)
          if (Either.isLeft(bytes)) yield* problem(path, `unreadable: ${bytes.left.message}`)
          else if (sha256Hex(bytes.right) !== name) {
            yield* problem(path, "damaged: its content does not hash to its name; versions using it cannot be restored")
          }
        }
      }
      return { dir: layout.dir, versions, blobs, ok: problems.length === 0, problems }
    })

/** Removes `tmp-*` files (or only `tmp-<auditId>-*`) in `blobs/` and every `targets/<key>/`; returns how many. */
export const makeRemoveTemps = (fs: FileSystem.FileSystem, layout: Layout, records: Records) => (auditId?: string) =>
  Effect.gen(function*() {
    const prefix = tempPrefix(auditId)
    const folders = [layout.blobs, ...(yield* records.names(layout.targets)).map(layout.targetDir)]
    let removed = 0
    for (const folder of folders) {
      for (const name of (yield* records.names(folder)).filter((n) => n.startsWith(prefix))) {
        const gone = yield* fs.remove(`${folder}/${name}`).pipe(Effect.as(1), Effect.orElseSucceed(() => 0))
        removed += gone
      }
    }
    return removed
  })
