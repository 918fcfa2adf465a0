import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { createHash } from "node:crypto"
import type { SimNode } from "../../../src/layers/ProxmoxApiSimulated.js"
import type { SimFile } from "../../../src/layers/sim/shell/SimSystem.js"
import { RemoteFiles } from "../../../src/services/RemoteFiles.js"
import { FILE_SURFACES, remoteFilesLayer, seedFiles, simFile } from "../../support/FileFixtures.js"

/**
 * The read side of RemoteFiles on all three surfaces of the simulated node (host, CT 100, VM 200 through its agent),
 * over the real layer and the simulated shell: every kind of target answers the same way everywhere.
 */

const layer = remoteFilesLayer()

const SURFACES = FILE_SURFACES

const file = simFile

const seed = seedFiles

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")

const TEXT = "hello\nworld\n"
/** NUL, invalid UTF-8 (lone continuation, truncated sequence, encoded surrogate) and a BOM. */
const BINARY = Uint8Array.from([
  0x00,
  0xff,
  0xfe,
  0x80,
  0x0a,
  0xc3,
  0x28,
  0x00,
  0x41,
  0xed,
  0xa0,
  0x80,
  0xef,
  0xbb,
  0xbf
])
const BIG = "x".repeat(300_000)

const FIXTURES: Readonly<Record<string, SimFile>> = {
  "/srv/t": file("", { isDir: true, mode: 0o755 }),
  "/srv/t/empty": file(""),
  "/srv/t/text": file(TEXT, { mode: 0o640, uid: 33, gid: 33 }),
  "/srv/t/bin": file(BINARY),
  "/srv/t/link": file("", { symlink: "text", mode: 0o777 }),
  "/srv/t/dangling": file("", { symlink: "/srv/t/nowhere", mode: 0o777 }),
  "/srv/t/zero": file("", { symlink: "/dev/zero", mode: 0o777 }),
  "/srv/t/fifo": file("", { special: "fifo" }),
  "/srv/t/big": file(BIG),
  "/srv/t/it's $(odd) *.conf": file("odd name")
}

const failure = <A, E, R>(e: Effect.Effect<A, E, R>) => Effect.flip(e)

for (const s of SURFACES) {
  const at = s.at
  const withFixtures = <A, E>(body: Effect.Effect<A, E, RemoteFiles | SimNode>) =>
    Effect.provide(Effect.zipRight(seed(s.sim, FIXTURES), body), layer)

  describe(`RemoteFilesSsh parity: ${s.name}`, () => {
    it.effect("missing: stat says so, read/hash are None, a window is FileNotFound", () =>
      withFixtures(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const st = yield* files.stat(at("/srv/t/none"))
        assert.deepInclude(st, { exists: false, isSymlink: false, fileType: "missing", sizeBytes: 0 })
        assert.isTrue(Option.isNone(yield* files.read(at("/srv/t/none"), 100)))
        assert.isTrue(Option.isNone(yield* files.hash(at("/srv/t/none"))))
        const e = yield* failure(files.readWindow(at("/srv/t/none"), 0, 10))
        assert.strictEqual(e._tag, "FileNotFound")
        const dangling = yield* files.stat(at("/srv/t/dangling"))
        assert.deepInclude(dangling, { exists: false, isSymlink: true, resolvedPath: "/srv/t/nowhere" })
      })))

    it.effect("empty, text and binary files: exact bytes, hashes, stat fields and windows", () =>
      withFixtures(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const empty = Option.getOrThrow(yield* files.read(at("/srv/t/empty"), 100))
        assert.strictEqual(empty.bytes.length, 0)
        assert.strictEqual(empty.sha256, sha(""))
        const text = yield* files.stat(at("/srv/t/text"))
        assert.deepInclude(text, { exists: true, fileType: "file", sizeBytes: 12, mode: 0o640, uid: 33, gid: 33 })
        assert.deepInclude(text, { nlink: 1, isSymlink: false, resolvedPath: "/srv/t/text" })
        const bin = Option.getOrThrow(yield* files.read(at("/srv/t/bin"), 100))
        assert.deepStrictEqual([...bin.bytes], [...BINARY])
        assert.strictEqual(bin.sha256, sha(BINARY))
        assert.strictEqual(Option.getOrThrow(yield* files.hash(at("/srv/t/bin"))), sha(BINARY))
        const w = yield* files.readWindow(at("/srv/t/bin"), 1, 6)
        assert.deepStrictEqual([...w.bytes], [...BINARY.subarray(1, 7)])
        assert.strictEqual(w.sizeBytes, BINARY.length)
        const tw = yield* files.readWindow(at("/srv/t/text"), 6, 100)
        assert.strictEqual(new TextDecoder().decode(tw.bytes), "world\n")
        const past = yield* files.readWindow(at("/srv/t/text"), 50, 10)
        assert.strictEqual(past.bytes.length, 0)
        const odd = Option.getOrThrow(yield* files.read(at("/srv/t/it's $(odd) *.conf"), 100))
        assert.strictEqual(new TextDecoder().decode(odd.bytes), "odd name")
      })))

    it.effect("a symlink is followed for reading and reported with its resolved path", () =>
      withFixtures(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const st = yield* files.stat(at("/srv/t/link"))
        assert.deepInclude(st, { exists: true, isSymlink: true, fileType: "file", resolvedPath: "/srv/t/text" })
        const r = Option.getOrThrow(yield* files.read(at("/srv/t/link"), 100))
        assert.strictEqual(new TextDecoder().decode(r.bytes), TEXT)
        assert.strictEqual(r.resolvedPath, "/srv/t/text")
        assert.strictEqual(Option.getOrThrow(yield* files.hash(at("/srv/t/link"))), sha(TEXT))
      })))

    it.effect("directories, FIFOs and a link to /dev/zero are never read (B6)", () =>
      withFixtures(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const specials = [["/srv/t", "directory"], ["/srv/t/fifo", "fifo"], ["/srv/t/zero", "char-device"]] as const
        for (const [path, type] of specials) {
          const st = yield* files.stat(at(path))
          assert.strictEqual(st.fileType, type, path)
          for (
            const e of [
              yield* failure(files.read(at(path), 100)),
              yield* failure(files.readWindow(at(path), 0, 10)),
              yield* failure(files.hash(at(path)))
            ]
          ) {
            assert.strictEqual(e._tag, "NotRegularFile", path)
            if (e._tag === "NotRegularFile") assert.strictEqual(e.fileType, type)
          }
        }
      })))

    it.effect("over the cap: FileTooLarge with the size, decided on the node (the content never travels)", () =>
      withFixtures(Effect.gen(function*() {
        const files = yield* RemoteFiles
        // 300 KB of content would overflow the read's output cap (base64 of cap+1 plus 64 KiB): the error shows that
        // the node refused before sending it.
        const e = yield* failure(files.read(at("/srv/t/big"), 10))
        assert.deepInclude(e, { _tag: "FileTooLarge", sizeBytes: BIG.length, capBytes: 10 })
        const ok = Option.getOrThrow(yield* files.read(at("/srv/t/big"), BIG.length))
        assert.strictEqual(ok.bytes.length, BIG.length)
      })))
  })
}
