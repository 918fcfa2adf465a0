import type { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Either, Option } from "effect"
import { targetKey } from "../../../src/domain/Backup.js"
import { bytesOf, filesUnder, host, pct, put, restored, sha, tempStore } from "./Fixtures.js"

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem | Scope.Scope>) =>
  eff.pipe(Effect.provide(NodeFileSystem.layer))

describe("BackupStoreFs", () => {
  it.scoped("stores a pre-image durably and lists, resolves and restores it", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = pct(100, "/etc/app.conf")
      const first = yield* store.put({ target: t, preImage: bytesOf("one\n"), auditId: "a-1", newSha256: sha("two\n") })
      expect(first.backupPath).toBe(`${dir}/targets/${targetKey(t)}/1.json`)
      expect(first.record).toMatchObject({
        target: "pct:100:/etc/app.conf",
        targetKind: "pct",
        vmid: 100,
        path: "/etc/app.conf",
        seq: 1,
        kind: "full",
        sha256: sha("one\n"),
        sizeBytes: 4,
        auditId: "a-1",
        newSha256: sha("two\n")
      })
      expect(first.evicted).toBe(0)
      const second = yield* put(store, t, bytesOf("two\n"), "a-2")
      expect(second.record.seq).toBe(2)
      const listed = yield* store.list(t)
      expect(listed.map((v) => [v.seq, v.revertible, v.auditId, v.sha256])).toEqual([
        [2, true, "a-2", sha("two\n")],
        [1, true, "a-1", sha("one\n")]
      ])
      expect(yield* restored(store, first.backupPath)).toBe("one\n")
      const newest = yield* store.newestRevertible(t)
      expect(Option.map(newest, (v) => v.backupPath)).toEqual(Option.some(second.backupPath))
      expect(yield* filesUnder(fs, `${dir}/blobs`)).toEqual([sha("one\n"), sha("two\n")].sort())
      expect((yield* fs.stat(`${dir}/blobs/${sha("one\n")}`)).mode & 0o777).toBe(0o600)
      expect(yield* filesUnder(fs, `${dir}/locks`)).toEqual([])
      expect(yield* store.verify({ readData: true })).toMatchObject({ ok: true, versions: 2, blobs: 2 })
    })))

  it.scoped("dedups identical pre-images into one blob, also across targets; absent and metadata-only", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      yield* put(store, host("/etc/a"), bytesOf("same"))
      yield* put(store, pct(101, "/etc/a"), bytesOf("same"))
      yield* put(store, host("/etc/a"), bytesOf("same"))
      expect(yield* filesUnder(fs, `${dir}/blobs`)).toEqual([sha("same")])
      const absent = yield* put(store, host("/etc/new"), { kind: "absent" })
      expect(absent.record).toMatchObject({ kind: "absent", sizeBytes: 0 })
      expect(absent.record.sha256).toBeUndefined()
      expect(yield* restored(store, absent.backupPath)).toBeNull()
      const meta = yield* put(store, host("/var/big.img"), {
        kind: "metadata-only",
        sha256: sha("big"),
        sizeBytes: 5_000_000,
        reason: "over LARGE_FILE_BYTES"
      })
      const [listed] = yield* store.list(host("/var/big.img"))
      expect(listed).toMatchObject({
        revertible: false,
        revertReason: "only metadata was kept (over LARGE_FILE_BYTES)"
      })
      const damaged = yield* Effect.flip(store.content(meta))
      expect(damaged._tag).toBe("BackupDamaged")
      expect(Option.isNone(yield* store.newestRevertible(host("/var/big.img")))).toBe(true)
      expect(yield* filesUnder(fs, `${dir}/blobs`)).toEqual([sha("same")])
    })))

  it.scoped("a deleted or tampered blob is not revertible, content refuses it, verify reports it", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/hosts")
      const v1 = yield* put(store, t, bytesOf("hosts v1\n"))
      const v2 = yield* put(store, t, bytesOf("hosts v2\n"))
      yield* fs.writeFileString(`${dir}/blobs/${sha("hosts v2\n")}`, "hosts vX\n")
      const listed = yield* store.list(t)
      expect(listed.map((v) => [v.seq, v.revertible, v.revertReason])).toEqual([
        [2, false, "the stored pre-image is damaged (hash mismatch)"],
        [1, true, undefined]
      ])
      expect(Option.map(yield* store.newestRevertible(t), (v) => v.record.seq)).toEqual(Option.some(1))
      expect((yield* Effect.flip(store.content(v2))).message).toMatch(/damaged \(hash mismatch\)/)
      // Same size, so only --read-data sees it.
      expect((yield* store.verify({ readData: false })).ok).toBe(true)
      const deep = yield* store.verify({ readData: true })
      expect(deep.problems).toEqual([{
        path: `${dir}/blobs/${sha("hosts v2\n")}`,
        reason: expect.stringMatching(/damaged/)
      }])
      yield* fs.remove(`${dir}/blobs/${sha("hosts v1\n")}`)
      expect((yield* store.list(t)).map((v) => v.revertReason)).toEqual([
        "the stored pre-image is damaged (hash mismatch)",
        "the stored pre-image is missing"
      ])
      expect((yield* Effect.flip(store.content(v1))).message).toMatch(/missing/)
      const shallow = yield* store.verify({ readData: false })
      expect(shallow.problems).toEqual([{ path: v1.backupPath, reason: expect.stringMatching(/is missing/) }])
      // The next put of the same bytes replaces the damaged blob, and the old version is revertible again.
      yield* put(store, host("/etc/other"), bytesOf("hosts v2\n"))
      expect((yield* store.list(t))[0]?.revertible).toBe(true)
      expect(yield* restored(store, v2.backupPath)).toBe("hosts v2\n")
    })))

  it.scoped("verify reports unreadable records, orphans and temp files; removeTemps clears them by audit id", () =>
    run(Effect.gen(function*() {
      const { dir, fs, store } = yield* tempStore()
      const t = host("/etc/x")
      const v = yield* put(store, t, bytesOf("x"))
      const folder = `${dir}/targets/${targetKey(t)}`
      yield* fs.writeFileString(`${folder}/7.json`, "{not json")
      yield* fs.writeFileString(`${dir}/blobs/${sha("orphan")}`, "orphan")
      yield* fs.writeFileString(`${dir}/blobs/tmp-audit-9-abc`, "half")
      yield* fs.writeFileString(`${folder}/tmp-audit-8-def`, "half")
      const report = yield* store.verify({ readData: true })
      expect(report.ok).toBe(false)
      expect(report.problems.map((p) => [p.path.slice(dir.length), p.reason.split(" ")[0]]).sort()).toEqual([
        [`/blobs/${sha("orphan")}`, "orphan"],
        ["/blobs/tmp-audit-9-abc", "temp"],
        [`/targets/${targetKey(t)}/7.json`, "does"],
        [`/targets/${targetKey(t)}/tmp-audit-8-def`, "temp"]
      ])
      expect(yield* store.removeTemps("audit-9")).toBe(1)
      expect(yield* store.removeTemps()).toBe(1)
      expect(yield* store.removeTemps()).toBe(0)
      // A record that does not parse still holds its seq, and keeps unused blobs from being collected.
      const next = yield* put(store, t, bytesOf("y"))
      expect(next.record.seq).toBe(8)
      expect(yield* fs.exists(`${dir}/blobs/${sha("orphan")}`)).toBe(true)
      yield* fs.remove(`${folder}/7.json`)
      yield* put(store, t, bytesOf("z"))
      expect(yield* fs.exists(`${dir}/blobs/${sha("orphan")}`)).toBe(false)
      expect(yield* restored(store, v.backupPath)).toBe("x")
    })))

  it.scoped("resolve accepts only version records inside the store (B16)", () =>
    run(Effect.gen(function*() {
      const { dir, fs, root, store } = yield* tempStore()
      const t = host("/etc/x")
      const v = yield* put(store, t, bytesOf("x"))
      const key = targetKey(t)
      expect((yield* store.resolve(`${dir}/targets/${key}/../${key}/./1.json`)).backupPath).toBe(v.backupPath)
      // A look-alike store next to the real one, with a valid-looking record.
      yield* fs.makeDirectory(`${dir}-evil/targets/${key}`, { recursive: true })
      yield* fs.copyFile(v.backupPath, `${dir}-evil/targets/${key}/1.json`)
      // A record that is a symlink to a file outside the store.
      yield* fs.copyFile(v.backupPath, `${root}/outside.json`)
      yield* fs.symlink(`${root}/outside.json`, `${dir}/targets/${key}/5.json`)
      // A forged record under another target's key, and one naming a blob outside blobs/.
      const other = targetKey(host("/etc/y"))
      yield* fs.makeDirectory(`${dir}/targets/${other}`)
      yield* fs.copyFile(v.backupPath, `${dir}/targets/${other}/1.json`)
      const forged = JSON.parse(yield* fs.readFileString(v.backupPath)) as Record<string, unknown>
      yield* fs.writeFileString(
        `${dir}/targets/${key}/6.json`,
        JSON.stringify({ ...forged, seq: 6, sha256: "../../../etc/passwd" })
      )
      for (
        const bad of [
          "targets/x/1.json",
          `${dir}/../backups-evil/targets/${key}/1.json`,
          `${dir}-evil/targets/${key}/1.json`,
          `${dir}/targets/${key}/1.json.bak`,
          `${dir}/targets/${key}/01.json`,
          `${dir}/blobs/${sha("x")}`,
          `${dir}/targets/${key}/../../blobs/${sha("x")}`,
          `${dir}/targets/${key}/5.json`,
          `${dir}/targets/${key}/6.json`,
          `${dir}/targets/${other}/1.json`,
          `${dir}/targets/${key}/1.json\u0000`,
          `${dir}/targets/${key}/9.json`
        ]
      ) {
        const result = yield* Effect.either(store.resolve(bad))
        expect(Either.isLeft(result) && result.left._tag, bad).toBe("BackupNotFound")
      }
      const escape = yield* Effect.flip(
        store.content({ backupPath: v.backupPath, record: { ...v.record, sha256: "../x" } })
      )
      expect(escape._tag).toBe("BackupDamaged")
    })))
})
