import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { targetKey } from "../../../src/domain/Backup.js"
import type { BackupTarget } from "../../../src/domain/Backup.js"
import { RemoteFilesSsh } from "../../../src/layers/RemoteFilesSsh.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import type { WriteOptions } from "../../../src/services/RemoteFiles.js"
import { RemoteFiles } from "../../../src/services/RemoteFiles.js"
import { SshTransport } from "../../../src/services/SshTransport.js"
import { LocalBash, makeLocalBash } from "../../support/LocalBash.js"
import { testConfig } from "../../support/TestLayers.js"

/**
 * The host scripts against real bash and real coreutils (the simulator forgives quoting and flag mistakes; these
 * do not). Everything happens on absolute paths inside a fresh temp directory, as the current user.
 */

const usable = process.platform === "linux" &&
  ["bash", "flock", "base64", "sha256sum", "find", "xargs", "mkfifo"].every((c) =>
    spawnSync("bash", ["-c", `command -v ${c}`]).status === 0
  )

const layer = RemoteFilesSsh.pipe(Layer.provide(Layer.merge(LocalBash, Layer.succeed(AppConfig, testConfig("root")))))

const uid = process.getuid?.() ?? 0
const gid = process.getgid?.() ?? 0
const host = (path: string): BackupTarget => ({ kind: "host", path })
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28, 0x00, 0x41, 0xef, 0xbb, 0xbf])
const ODD = "it's $(touch pwned) `id` *.conf"

const opts = (o: Partial<WriteOptions>): WriteOptions => ({
  tag: "3f2a9c44-1d7b-4c55-8e0a-6b5f0f1c2d3e",
  expectSha256: null,
  mode: 0o644,
  uid,
  gid,
  ...o
})

const fixture = () => {
  const dir = mkdtempSync(join(tmpdir(), "homelab-mcp-fidelity-"))
  writeFileSync(join(dir, "bin"), BINARY)
  writeFileSync(join(dir, ODD), "odd\n")
  writeFileSync(join(dir, "-dash"), "dash\n")
  writeFileSync(join(dir, "empty"), "")
  symlinkSync(join(dir, "bin"), join(dir, "link"))
  symlinkSync("/dev/zero", join(dir, "zero"))
  symlinkSync(join(dir, "nowhere"), join(dir, "dangling"))
  mkdirSync(join(dir, "sub"))
  spawnSync("mkfifo", [join(dir, "fifo")])
  return dir
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.includes(".mcp-"))
const run = <A, E>(body: Effect.Effect<A, E, RemoteFiles>) => Effect.provide(body, layer)

describe.skipIf(!usable)("RemoteFilesSsh host scripts on real bash and coreutils", () => {
  it.effect("stat, read, window and hash: exact bytes, odd names quoted, links resolved, specials refused", () =>
    run(Effect.gen(function*() {
      const files = yield* RemoteFiles
      const dir = fixture()
      const bin = Option.getOrThrow(yield* files.read(host(join(dir, "link")), 100))
      assert.deepStrictEqual(Buffer.from(bin.bytes), BINARY)
      assert.strictEqual(bin.sha256, sha(BINARY))
      assert.strictEqual(bin.resolvedPath, join(dir, "bin"))
      assert.deepInclude(yield* files.stat(host(join(dir, "bin"))), {
        exists: true,
        fileType: "file",
        sizeBytes: BINARY.length,
        mode: statSync(join(dir, "bin")).mode & 0o7777,
        uid,
        gid,
        nlink: 1
      })
      assert.strictEqual(Option.getOrThrow(yield* files.hash(host(join(dir, ODD)))), sha("odd\n"))
      assert.strictEqual(
        new TextDecoder().decode(Option.getOrThrow(yield* files.read(host(join(dir, "-dash")), 9)).bytes),
        "dash\n"
      )
      assert.isFalse(existsSync(join(dir, "pwned")))
      const w = yield* files.readWindow(host(join(dir, "bin")), 2, 5)
      assert.deepStrictEqual(Buffer.from(w.bytes), BINARY.subarray(2, 7))
      assert.strictEqual(Option.getOrThrow(yield* files.read(host(join(dir, "empty")), 9)).bytes.length, 0)
      assert.deepInclude(yield* files.stat(host(join(dir, "dangling"))), { exists: false, isSymlink: true })
      assert.isTrue(Option.isNone(yield* files.read(host(join(dir, "none")), 9)))
      assert.strictEqual((yield* Effect.flip(files.readWindow(host(join(dir, "none")), 0, 1)))._tag, "FileNotFound")
      for (const [name, type] of [["sub", "directory"], ["fifo", "fifo"], ["zero", "char-device"]] as const) {
        assert.strictEqual((yield* files.stat(host(join(dir, name)))).fileType, type)
        assert.deepInclude(yield* Effect.flip(files.read(host(join(dir, name)), 9)), {
          _tag: "NotRegularFile",
          fileType: type
        })
        assert.deepInclude(yield* Effect.flip(files.hash(host(join(dir, name)))), { _tag: "NotRegularFile" })
      }
      assert.deepInclude(yield* Effect.flip(files.read(host(join(dir, "bin")), 4)), {
        _tag: "FileTooLarge",
        sizeBytes: BINARY.length
      })
    })))

  it.effect("write: exact bytes, owner then mode (setuid kept), compare-and-swap, links and dirs refused, no temps", () =>
    run(Effect.gen(function*() {
      const files = yield* RemoteFiles
      const dir = fixture()
      const target = join(dir, ODD)
      const report = yield* files.write(host(target), BINARY, opts({ expectSha256: sha("odd\n"), mode: 0o4750 }))
      assert.deepStrictEqual(report, { atomic: true, notPreserved: [] })
      assert.deepStrictEqual(readFileSync(target), BINARY)
      assert.strictEqual(statSync(target).mode & 0o7777, 0o4750)
      yield* files.write(host(join(dir, "fresh")), Buffer.from("new\n"), opts({ mode: 0o640 }))
      assert.strictEqual(statSync(join(dir, "fresh")).mode & 0o7777, 0o640)
      const changed = yield* Effect.flip(
        files.write(host(target), Buffer.from("x"), opts({ expectSha256: sha("odd\n") }))
      )
      assert.deepInclude(changed, { _tag: "ContentChanged", actualSha256: sha(BINARY) })
      assert.deepStrictEqual(readFileSync(target), BINARY)
      const link = yield* Effect.flip(
        files.write(host(join(dir, "link")), Buffer.from("x"), opts({ expectSha256: sha(BINARY) }))
      )
      assert.deepInclude(link, { _tag: "NotRegularFile", fileType: "symlink" })
      assert.isTrue(lstatSync(join(dir, "link")).isSymbolicLink())
      assert.deepInclude(yield* Effect.flip(files.write(host(join(dir, "sub")), Buffer.from("x"), opts({}))), {
        _tag: "NotRegularFile",
        fileType: "directory"
      })
      const missingDir = yield* Effect.flip(files.write(host(join(dir, "no/x")), Buffer.from("x"), opts({})))
      assert.strictEqual(missingDir._tag, "NodeCommandFailed")
      assert.deepStrictEqual(temps(dir), [])
    })))

  it.effect("a hard-linked target: the rename breaks the link and the report says so (B14)", () =>
    run(Effect.gen(function*() {
      const files = yield* RemoteFiles
      const dir = fixture()
      linkSync(join(dir, "bin"), join(dir, "other-name"))
      const report = yield* files.write(
        host(join(dir, "bin")),
        Buffer.from("new\n"),
        opts({ expectSha256: sha(BINARY) })
      )
      assert.deepStrictEqual(report.notPreserved, ["hard link broken: other names keep the old content"])
      assert.deepStrictEqual(readFileSync(join(dir, "other-name")), BINARY)
      assert.strictEqual(readFileSync(join(dir, "bin"), "utf8"), "new\n")
    })))

  it.effect("remove with compare-and-swap; removeTemps; listDirectory with NUL-safe names", () =>
    run(Effect.gen(function*() {
      const files = yield* RemoteFiles
      const dir = fixture()
      assert.strictEqual(
        (yield* Effect.flip(files.remove(host(join(dir, "bin")), { tag: "t", expectSha256: null })))._tag,
        "ContentChanged"
      )
      yield* files.remove(host(join(dir, "bin")), { tag: "t", expectSha256: sha(BINARY) })
      assert.isFalse(existsSync(join(dir, "bin")))
      writeFileSync(join(dir, ".empty.mcp-t7.tmp"), "partial")
      assert.strictEqual(yield* files.removeTemps(host(join(dir, "empty")), "t7"), 1)
      assert.deepStrictEqual(temps(dir), [])
      writeFileSync(join(dir, "sub", "line\nbreak"), "12345")
      writeFileSync(join(dir, "sub", "with space"), "")
      const entries = yield* files.listDirectory(join(dir, "sub"))
      assert.deepStrictEqual(entries.map((e) => [e.name, e.type, e.sizeBytes, e.permissions.length]), [
        ["line\nbreak", "file", 5, 10],
        ["with space", "file", 0, 10]
      ])
      const top = yield* files.listDirectory(dir)
      assert.deepInclude(top.find((e) => e.name === "link"), { type: "symlink" })
      assert.deepInclude(top.find((e) => e.name === "sub"), { type: "directory" })
      assert.match(top[0]?.modified ?? "", /^\d{4}-\d\d-\d\dT/)
      assert.strictEqual((yield* Effect.flip(files.listDirectory(join(dir, "nope"))))._tag, "FileNotFound")
      assert.deepInclude(yield* Effect.flip(files.listDirectory(join(dir, "empty"))), { _tag: "NotRegularFile" })
    })))

  it.live("a write waits for the node-side lock, then fails as busy (flock -w / -E)", () =>
    run(Effect.gen(function*() {
      const files = yield* RemoteFiles
      const dir = fixture()
      const target = host(join(dir, "empty"))
      const lockDir = existsSync("/run/lock") ? "/run/lock" : "/tmp"
      const holder = spawn("flock", [join(lockDir, `homelab-mcp-${targetKey(target)}.lock`), "sleep", "30"])
      yield* Effect.sleep("300 millis")
      const e = yield* Effect.flip(files.write(target, Buffer.from("x"), opts({ expectSha256: sha("") })))
      holder.kill()
      assert.deepInclude(e, { _tag: "NodeCommandFailed", exitCode: 74 })
      assert.strictEqual(readFileSync(join(dir, "empty"), "utf8"), "")
      assert.deepStrictEqual(temps(dir), [])
    })), 30_000)

  it.effect("a payload cut short on the wire never replaces the target, new or existing (N2)", () =>
    Effect.gen(function*() {
      const dir = fixture()
      const bytes = Buffer.alloc(3000, 0x61)
      // Half the base64 on a 4-character boundary: `base64 -d` exits 0 with 1500 bytes.
      const cut = Layer.succeed(SshTransport, {
        ...makeLocalBash(),
        exec: (script, options) =>
          makeLocalBash().exec(script, {
            ...options,
            ...(typeof options.stdin === "string" ? { stdin: options.stdin.slice(0, 2000) } : {})
          })
      })
      const files = RemoteFilesSsh.pipe(Layer.provide(Layer.merge(cut, Layer.succeed(AppConfig, testConfig("root")))))
      for (const [name, expectSha256] of [["bin", sha(BINARY)], ["brand-new", null]] as const) {
        const target = host(join(dir, name))
        const e = yield* Effect.flip(
          Effect.flatMap(RemoteFiles, (f) => f.write(target, bytes, opts({ expectSha256 }))).pipe(Effect.provide(files))
        )
        assert.deepInclude(e, { _tag: "NodeCommandFailed" })
        if (name === "bin") assert.deepStrictEqual(readFileSync(join(dir, name)), BINARY)
        else assert.isFalse(existsSync(join(dir, name)))
        assert.deepStrictEqual(temps(dir), [])
      }
    }))
})
