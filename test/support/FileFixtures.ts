import { Effect, Layer, Ref } from "effect"
import type { BackupTarget } from "../../src/domain/Backup.js"
import { ProxmoxApiSimulated, SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { RemoteFilesSsh } from "../../src/layers/RemoteFilesSsh.js"
import type { Target } from "../../src/layers/sim/shell/Proc.js"
import { systemOf, withSystem } from "../../src/layers/sim/shell/Proc.js"
import type { SimFile } from "../../src/layers/sim/shell/SimSystem.js"
import { SshTransportSimulated } from "../../src/layers/SshTransportSimulated.js"
import { AppConfig } from "../../src/services/AppConfig.js"
import type { WriteOptions } from "../../src/services/RemoteFiles.js"
import { testConfig } from "./TestLayers.js"

/** RemoteFiles over the simulated node's shell, with the node's handle (SimNode) for seeding and inspection. */
export const remoteFilesLayer = () =>
  RemoteFilesSsh.pipe(
    Layer.provideMerge(SshTransportSimulated),
    Layer.provideMerge(Layer.merge(ProxmoxApiSimulated.layer(), Layer.succeed(AppConfig, testConfig("root"))))
  )

export interface FileSurface {
  readonly name: "host" | "pct" | "qm"
  readonly at: (path: string) => BackupTarget
  readonly sim: Target
}

/** The three surfaces of the simulated node: the host, CT 100, VM 200 (through its agent). */
export const FILE_SURFACES: ReadonlyArray<FileSurface> = [
  { name: "host", at: (path) => ({ kind: "host", path }), sim: { kind: "host" } },
  { name: "pct", at: (path) => ({ kind: "pct", vmid: 100, path }), sim: { kind: "guest", vmid: 100 } },
  { name: "qm", at: (path) => ({ kind: "qm", vmid: 200, path }), sim: { kind: "guest", vmid: 200 } }
]

export const simFile = (content: string | Uint8Array, extra: Partial<SimFile> = {}): SimFile => ({
  content,
  mode: 0o644,
  uid: 0,
  gid: 0,
  isDir: false,
  mtimeMs: 0,
  ...extra
})

/** Puts entries straight into the surface's filesystem (not through the code under test). */
export const seedFiles = (t: Target, entries: Readonly<Record<string, SimFile>>) =>
  Effect.flatMap(SimNode, (sim) =>
    Ref.update(sim.state, (s) => {
      const sys = systemOf(s, t)
      if (sys === undefined) throw new Error("no such surface")
      return withSystem(s, t, { ...sys, fs: { ...sys.fs, ...entries } })
    }))

/** Write options with a fixed tag and root-owned 0644 defaults. */
export const writeOptions = (o: Partial<WriteOptions>): WriteOptions => ({
  tag: "0b9e1c7e-2f51-4f55-9d2e-3c1c4b1f6a01",
  expectSha256: null,
  mode: 0o644,
  uid: 0,
  gid: 0,
  ...o
})
