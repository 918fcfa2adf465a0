import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { BackupTarget } from "../../../src/domain/Backup.js"
import { RemoteFilesSsh } from "../../../src/layers/RemoteFilesSsh.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import type { WriteOptions } from "../../../src/services/RemoteFiles.js"
import { RemoteFiles } from "../../../src/services/RemoteFiles.js"
import { fakePveTools, localBashWith } from "../../support/LocalBash.js"
import { testConfig } from "../../support/TestLayers.js"

/**
 * The container and VM scripts on real bash, with the guest side run by the real `sh` (dash) through fake `pct`,
 * `qm` and `pvesh` whose guests share this machine's filesystem: every quoting level (node bash → `pct exec -- sh
 * -c` → guest sh, `qm guest exec -- sh -c`, pvesh arguments) and every flag meets the real tools.
 */

const usable = process.platform === "linux" &&
  ["bash", "sh", "flock", "base64", "sha256sum", "xargs"].every((c) =>
    spawnSync("bash", ["-c", `command -v ${c}`]).status === 0
  )

const uid = process.getuid?.() ?? 0
const gid = process.getgid?.() ?? 0
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28, 0x00, 0x41])
const ODD = "it's $(touch pwned) `id` *.conf"

const opts = (o: Partial<WriteOptions>): WriteOptions => ({
  tag: "9d1f0b3a-5c2e-4e8f-a7b6-1c0d2e3f4a5b",
  expectSha256: null,
  mode: 0o644,
  uid,
  gid,
  ...o
})

const setup = () => {
  const bin = mkdtempSync(join(tmpdir(), "homelab-mcp-fakepve-"))
  const nodeTmp = mkdtempSync(join(tmpdir(), "homelab-mcp-nodetmp-"))
  const dir = mkdtempSync(join(tmpdir(), "homelab-mcp-guest-"))
  fakePveTools(bin)
  writeFileSync(join(dir, ODD), BINARY)
  symlinkSync(join(dir, ODD), join(dir, "link"))
  const config = testConfig("root")
  const layer = RemoteFilesSsh.pipe(
    Layer.provide(Layer.merge(
      localBashWith({ binDir: bin }),
      Layer.succeed(AppConfig, { ...config, files: { ...config.files, nodeTempDir: nodeTmp } })
    ))
  )
  return { dir, nodeTmp, layer }
}

const leftovers = (...dirs: ReadonlyArray<string>) =>
  dirs.flatMap((d) => readdirSync(d)).filter((n) => n.includes(".mcp-") || n.startsWith("homelab-mcp-"))

describe.skipIf(!usable)("RemoteFilesSsh guest scripts through fake pct/qm on real bash and sh", () => {
  for (const kind of ["pct", "qm"] as const) {
    it.effect(`${kind}: read, window, hash, write with compare-and-swap, remove; nothing left behind`, () => {
      const { dir, layer, nodeTmp } = setup()
      const at = (path: string): BackupTarget => ({ kind, vmid: kind === "pct" ? 100 : 200, path })
      return Effect.provide(
        Effect.gen(function*() {
          const files = yield* RemoteFiles
          const target = at(join(dir, ODD))
          const read = Option.getOrThrow(yield* files.read(at(join(dir, "link")), 100))
          assert.deepStrictEqual(Buffer.from(read.bytes), BINARY)
          assert.strictEqual(read.resolvedPath, join(dir, ODD))
          assert.deepStrictEqual(Buffer.from((yield* files.readWindow(target, 3, 4)).bytes), BINARY.subarray(3, 7))
          assert.strictEqual(Option.getOrThrow(yield* files.hash(target)), sha(BINARY))
          assert.strictEqual((yield* files.stat(at(join(dir, "link")))).isSymlink, true)
          assert.deepInclude(yield* Effect.flip(files.read(at("/dev/zero"), 10)), { fileType: "char-device" })
          assert.isFalse(existsSync(join(dir, "pwned")))

          const report = yield* files.write(
            target,
            Buffer.from("new\n"),
            opts({ expectSha256: sha(BINARY), mode: 0o640 })
          )
          assert.strictEqual(report.atomic, kind === "pct")
          assert.strictEqual(readFileSync(join(dir, ODD), "utf8"), "new\n")
          if (kind === "pct") assert.strictEqual(statSync(join(dir, ODD)).mode & 0o7777, 0o640)
          const stale = yield* Effect.flip(files.write(target, Buffer.from("x"), opts({ expectSha256: sha(BINARY) })))
          assert.deepInclude(stale, { _tag: "ContentChanged", actualSha256: sha("new\n") })
          assert.deepInclude(
            yield* Effect.flip(
              files.write(at(join(dir, "link")), Buffer.from("x"), opts({ expectSha256: sha("new\n") }))
            ),
            { _tag: "NotRegularFile", fileType: "symlink" }
          )
          assert.strictEqual(readFileSync(join(dir, ODD), "utf8"), "new\n")
          yield* files.write(at(join(dir, "fresh")), BINARY, opts({}))
          assert.deepStrictEqual(readFileSync(join(dir, "fresh")), BINARY)
          yield* files.remove(at(join(dir, "fresh")), { tag: "t", expectSha256: sha(BINARY) })
          assert.isFalse(existsSync(join(dir, "fresh")))
          assert.deepStrictEqual(leftovers(dir, nodeTmp), [])

          writeFileSync(join(dir, `.${ODD}.mcp-t5.tmp`), "partial")
          writeFileSync(join(nodeTmp, "homelab-mcp-t5.tmp"), "staged")
          assert.strictEqual(yield* files.removeTemps(target, "t5"), kind === "pct" ? 2 : 0)
          if (kind === "pct") assert.deepStrictEqual(leftovers(dir, nodeTmp), [])
        }),
        layer
      )
    })
  }
})
