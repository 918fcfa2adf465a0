import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { createHash } from "node:crypto"
import { SimNode } from "../../../src/layers/ProxmoxApiSimulated.js"
import type { Target } from "../../../src/layers/sim/shell/Proc.js"
import { systemOf } from "../../../src/layers/sim/shell/Proc.js"
import type { SimFile } from "../../../src/layers/sim/shell/SimSystem.js"
import { RemoteFiles } from "../../../src/services/RemoteFiles.js"
import { FILE_SURFACES, remoteFilesLayer, seedFiles, simFile, writeOptions } from "../../support/FileFixtures.js"

/** The write side of RemoteFiles on the simulated node: mode and owner, compare-and-swap, temp files, guest states. */

const layer = remoteFilesLayer()

const SURFACES = FILE_SURFACES

const file = simFile

const seed = seedFiles

const fsOf = (t: Target) => Effect.flatMap(SimNode, (sim) => Effect.map(sim.current, (s) => systemOf(s, t)?.fs ?? {}))

const bytesOf = (f: SimFile | undefined) =>
  f === undefined ? undefined : typeof f.content === "string" ? new TextEncoder().encode(f.content) : f.content

/** Temp files anywhere on the node or in the guest: `.…mcp-<tag>.tmp` next to targets, `homelab-mcp-*.tmp` in /tmp. */
const temps = (t: Target) =>
  Effect.gen(function*() {
    const here = Object.keys(yield* fsOf(t))
    const node = Object.keys(yield* fsOf({ kind: "host" }))
    return [...here, ...node].filter((p) => /\.mcp-.*\.tmp$|\/homelab-mcp-.*\.tmp$/.test(p))
  })

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex")
const OLD = "old content\n"
const NEW = Uint8Array.from([0x6e, 0x65, 0x77, 0x00, 0xff, 0x0a])

const opts = writeOptions

const FIXTURES: Readonly<Record<string, SimFile>> = {
  "/srv/w": file("", { isDir: true, mode: 0o755 }),
  "/srv/w/conf": file(OLD, { mode: 0o600, uid: 33, gid: 33 }),
  "/srv/w/link": file("", { symlink: "conf", mode: 0o777 }),
  "/srv/w/dir": file("", { isDir: true, mode: 0o755 })
}

for (const s of SURFACES) {
  const at = s.at
  const run = <A, E>(body: Effect.Effect<A, E, RemoteFiles | SimNode>) =>
    Effect.provide(Effect.zipRight(seed(s.sim, FIXTURES), body), layer)
  const agent = s.name === "qm"

  describe(`RemoteFilesSsh writes: ${s.name}`, () => {
    it.effect("replaces the bytes; keeps mode and owner (VM: not atomic, says what it could not keep)", () =>
      run(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const report = yield* files.write(
          at("/srv/w/conf"),
          NEW,
          opts({ expectSha256: sha(OLD), mode: 0o600, uid: 33, gid: 33 })
        )
        assert.deepStrictEqual(
          report,
          agent ? { atomic: false, notPreserved: ["mode", "owner"] } : {
            atomic: true,
            notPreserved: []
          }
        )
        const f = (yield* fsOf(s.sim))["/srv/w/conf"]
        assert.deepStrictEqual([...(bytesOf(f) ?? [])], [...NEW])
        // the agent truncates in place, so an existing file keeps its mode and owner there too
        assert.deepInclude(f, { mode: 0o600, uid: 33, gid: 33 })
        assert.strictEqual(Option.getOrThrow(yield* files.hash(at("/srv/w/conf"))), sha(NEW))
        assert.deepStrictEqual(yield* temps(s.sim), [])
      })))

    it.effect("a new file gets the given mode and owner (VM: the guest's defaults)", () =>
      run(Effect.gen(function*() {
        const files = yield* RemoteFiles
        yield* files.write(at("/srv/w/new"), NEW, opts({ mode: 0o640, uid: 33, gid: 33 }))
        const st = yield* files.stat(at("/srv/w/new"))
        assert.deepInclude(st, agent ? { mode: 0o644, uid: 0, gid: 0 } : { mode: 0o640, uid: 33, gid: 33 })
        assert.strictEqual(st.sizeBytes, NEW.length)
        assert.deepStrictEqual(yield* temps(s.sim), [])
      })))

    it.effect("compare-and-swap: a mismatch is ContentChanged, the target is unchanged, no temp is left", () =>
      run(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const wrong = yield* Effect.flip(files.write(at("/srv/w/conf"), NEW, opts({ expectSha256: sha("other") })))
        assert.deepInclude(wrong, { _tag: "ContentChanged", expectedSha256: sha("other"), actualSha256: sha(OLD) })
        const exists = yield* Effect.flip(files.write(at("/srv/w/conf"), NEW, opts({ expectSha256: null })))
        assert.deepInclude(exists, { _tag: "ContentChanged", expectedSha256: null, actualSha256: sha(OLD) })
        const gone = yield* Effect.flip(files.write(at("/srv/w/none"), NEW, opts({ expectSha256: sha(OLD) })))
        assert.deepInclude(gone, { _tag: "ContentChanged", actualSha256: null })
        assert.strictEqual(bytesOf((yield* fsOf(s.sim))["/srv/w/conf"])?.length, OLD.length)
        assert.isUndefined((yield* fsOf(s.sim))["/srv/w/none"])
        assert.deepStrictEqual(yield* temps(s.sim), [])
      })))

    it.effect("a symlink or a directory is never replaced; a failed staging leaves no temp", () =>
      run(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const link = yield* Effect.flip(files.write(at("/srv/w/link"), NEW, opts({ expectSha256: sha(OLD) })))
        assert.deepInclude(link, { _tag: "NotRegularFile", fileType: "symlink" })
        assert.strictEqual((yield* fsOf(s.sim))["/srv/w/link"]?.symlink, "conf")
        const dir = yield* Effect.flip(files.write(at("/srv/w/dir"), NEW, opts({})))
        assert.deepInclude(dir, { _tag: "NotRegularFile", fileType: "directory" })
        const nowhere = yield* Effect.flip(files.write(at("/srv/nowhere/x"), NEW, opts({})))
        assert.strictEqual(nowhere._tag, "NodeCommandFailed")
        assert.deepStrictEqual(yield* temps(s.sim), [])
      })))

    it.effect("remove: compare-and-swap, then the file is gone; removeTemps counts what it removed", () =>
      run(Effect.gen(function*() {
        const files = yield* RemoteFiles
        const wrong = yield* Effect.flip(files.remove(at("/srv/w/conf"), { tag: "t1", expectSha256: sha("x") }))
        assert.strictEqual(wrong._tag, "ContentChanged")
        assert.isDefined((yield* fsOf(s.sim))["/srv/w/conf"])
        yield* files.remove(at("/srv/w/conf"), { tag: "t1", expectSha256: sha(OLD) })
        assert.isUndefined((yield* fsOf(s.sim))["/srv/w/conf"])
        yield* files.remove(at("/srv/w/conf"), { tag: "t2", expectSha256: null })
        yield* seed(s.sim, { "/srv/w/.conf.mcp-t9.tmp": file("partial") })
        yield* seed({ kind: "host" }, { "/tmp/homelab-mcp-t9.tmp": file("staged") })
        const removed = yield* files.removeTemps(at("/srv/w/conf"), "t9")
        assert.strictEqual(removed, s.name === "host" ? 1 : s.name === "pct" ? 2 : 0)
      })))
  })
}
