import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { PlatformError } from "@effect/platform/Error"
import { SystemError } from "@effect/platform/Error"
import { Context, Effect, Layer } from "effect"

/** The calls faults can hit. `write` covers `File.write` and `File.writeAll`; `sync` is `File.sync` (fsync). */
export type FaultOp = "open" | "write" | "sync" | "rename" | "writeFile" | "makeDirectory" | "remove" | "link"

/** ENOSPC, EIO and EROFS fail the call; `short` writes only half the buffer and reports that. */
export type FaultKind = "ENOSPC" | "EIO" | "EROFS" | "short"

/** The calls each kind of fault can plausibly hit. */
export const faultOps: Record<FaultKind, ReadonlyArray<FaultOp>> = {
  ENOSPC: ["open", "write", "sync", "rename", "writeFile", "makeDirectory"],
  EIO: ["write", "sync"],
  EROFS: ["open", "rename", "writeFile", "makeDirectory", "write"],
  short: ["write"]
}

const describe: Record<Exclude<FaultKind, "short">, string> = {
  ENOSPC: "ENOSPC: no space left on device",
  EIO: "EIO: i/o error",
  EROFS: "EROFS: read-only file system"
}

export interface FaultControlShape {
  /** Counts the calls `kind` can hit from now on, and injects the fault at the `at`-th (1-based; 0: never). */
  readonly arm: (kind: FaultKind, at: number) => Effect.Effect<void>
  /** How many matching calls were made since `arm`, and whether the fault fired. */
  readonly status: Effect.Effect<{ readonly calls: number; readonly fired: boolean }>
}

export class FaultControl extends Context.Tag("test/FaultControl")<FaultControl, FaultControlShape>() {}

/**
 * A fault-injecting FileSystem: the real Node one, with one fault injected at the Nth call of the operations the
 * armed fault kind can hit (restic's errorBackend pattern). Provide `layer`, then `arm` per attempt.
 */
export const layer: Layer.Layer<FileSystem.FileSystem | FaultControl> = Layer.effectContext(
  Effect.gen(function*() {
    const real = yield* FileSystem.FileSystem
    let armed: { kind: FaultKind; at: number } = { kind: "ENOSPC", at: 0 }
    let calls = 0
    let fired = false

    /** Whether this call is the one to fail. */
    const hit = (op: FaultOp) => {
      if (!faultOps[armed.kind].includes(op)) return false
      calls++
      if (armed.at === 0 || calls !== armed.at) return false
      fired = true
      return true
    }
    const fault = (op: FaultOp, path: string | number) =>
      new SystemError({
        reason: "Unknown",
        module: "FileSystem",
        method: op,
        pathOrDescriptor: path,
        syscall: op === "sync" ? "fsync" : op,
        description: describe[armed.kind === "short" ? "EIO" : armed.kind]
      })
    const guard = <A, E, R>(
      op: FaultOp,
      path: string | number,
      eff: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | SystemError, R> =>
      Effect.suspend((): Effect.Effect<A, E | SystemError, R> => hit(op) ? Effect.fail(fault(op, path)) : eff)

    const wrap = (file: FileSystem.File): FileSystem.File => {
      const half = (buffer: Uint8Array) => buffer.subarray(0, Math.floor(buffer.length / 2))
      const writeSome = (buffer: Uint8Array): Effect.Effect<FileSystem.Size, PlatformError> =>
        Effect.suspend(() =>
          !hit("write")
            ? file.write(buffer)
            : armed.kind === "short"
            ? file.write(half(buffer))
            : Effect.fail(fault("write", file.fd))
        )
      // writeAll loops until done, so a short write there ends as the error a full disk gives.
      const writeAll = (buffer: Uint8Array): Effect.Effect<void, PlatformError> =>
        Effect.suspend(() =>
          !hit("write")
            ? file.writeAll(buffer)
            : armed.kind === "short"
            ? Effect.zipRight(file.writeAll(half(buffer)), Effect.fail(fault("write", file.fd)))
            : Effect.fail(fault("write", file.fd))
        )
      return {
        [FileSystem.FileTypeId]: FileSystem.FileTypeId,
        fd: file.fd,
        get stat() {
          return file.stat
        },
        get sync() {
          return guard("sync", file.fd, file.sync)
        },
        seek: (offset, from) => file.seek(offset, from),
        read: (buffer) => file.read(buffer),
        readAlloc: (size) => file.readAlloc(size),
        truncate: (length) => file.truncate(length),
        write: writeSome,
        writeAll: (buffer) => writeAll(buffer)
      }
    }

    const fs: FileSystem.FileSystem = {
      ...real,
      open: (path, options) => guard("open", path, Effect.map(real.open(path, options), wrap)),
      rename: (from, to) => guard("rename", from, real.rename(from, to)),
      writeFile: (path, data, options) => guard("writeFile", path, real.writeFile(path, data, options)),
      writeFileString: (path, data, options) => guard("writeFile", path, real.writeFileString(path, data, options)),
      makeDirectory: (path, options) => guard("makeDirectory", path, real.makeDirectory(path, options)),
      remove: (path, options) => guard("remove", path, real.remove(path, options)),
      link: (from, to) => guard("link", from, real.link(from, to))
    }
    const control = FaultControl.of({
      arm: (kind, at) =>
        Effect.sync(() => {
          armed = { kind, at }
          calls = 0
          fired = false
        }),
      status: Effect.sync(() => ({ calls, fired }))
    })
    return Context.make(FileSystem.FileSystem, fs).pipe(Context.add(FaultControl, control))
  })
).pipe(Layer.provide(NodeFileSystem.layer))
