import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { BackupTarget } from "../../../src/domain/Backup.js"
import { SimNode } from "../../../src/layers/ProxmoxApiSimulated.js"
import { RemoteFiles } from "../../../src/services/RemoteFiles.js"
import { remoteFilesLayer, writeOptions } from "../../support/FileFixtures.js"

/** Guests the node cannot reach: a stopped container, a VM without a working agent, a VM write over the cap. */

const layer = remoteFilesLayer()

const NEW = Uint8Array.from([0x6e, 0x65, 0x77, 0x00, 0xff, 0x0a])

const opts = writeOptions

describe("RemoteFilesSsh: guests that cannot be reached", () => {
  it.effect("a stopped container is GuestNotReady with its state, for reads and writes", () =>
    Effect.provide(
      Effect.gen(function*() {
        const files = yield* RemoteFiles
        const t: BackupTarget = { kind: "pct", vmid: 102, path: "/etc/hostname" }
        for (const e of [yield* Effect.flip(files.stat(t)), yield* Effect.flip(files.write(t, NEW, opts({})))]) {
          assert.deepInclude(e, {
            _tag: "GuestNotReady",
            vmid: 102,
            message: "Container 102 is not running (state: stopped). Start the container, or edit via the Proxmox UI."
          })
        }
      }),
      layer
    ))

  it.effect("a VM whose agent is down, or that is stopped, is GuestNotReady", () =>
    Effect.provide(
      Effect.gen(function*() {
        const files = yield* RemoteFiles
        const sim = yield* SimNode
        const stopped = yield* Effect.flip(files.read({ kind: "qm", vmid: 201, path: "/etc/hostname" }, 100))
        assert.deepInclude(stopped, { _tag: "GuestNotReady", vmid: 201 })
        assert.include(stopped.message, "not responding (VM 201 is not running)")
        yield* sim.setAgentRunning(200, false)
        const down = yield* Effect.flip(files.stat({ kind: "qm", vmid: 200, path: "/etc/hostname" }))
        assert.deepInclude(down, { _tag: "GuestNotReady", vmid: 200 })
      }),
      layer
    ))

  it.effect("a VM write over the agent's cap is FileTooLarge before anything runs", () =>
    Effect.provide(
      Effect.gen(function*() {
        const files = yield* RemoteFiles
        const sim = yield* SimNode
        const before = (yield* sim.requests).length
        const e = yield* Effect.flip(
          files.write({ kind: "qm", vmid: 200, path: "/tmp/big" }, new Uint8Array(46_081), opts({}))
        )
        assert.deepInclude(e, { _tag: "FileTooLarge", sizeBytes: 46_081, capBytes: 46_080 })
        assert.strictEqual((yield* sim.requests).length, before)
        const fits = yield* files.write({ kind: "qm", vmid: 200, path: "/tmp/big" }, new Uint8Array(46_080), opts({}))
        assert.isFalse(fits.atomic)
      }),
      layer
    ))
})
