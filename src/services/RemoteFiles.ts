import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { BackupTarget } from "../domain/Backup.js"
import type {
  ContentChanged,
  FileNotFound,
  FileTooLarge,
  GuestNotReady,
  NodeCommandFailed,
  NotRegularFile,
  SshFailure
} from "../domain/Errors.js"

/** What one file on a surface (host, container, VM) is right now. */
export interface RemoteStat {
  readonly path: string
  /** The path with every symlink resolved (`readlink -f`), inside the guest for pct/qm targets. */
  readonly resolvedPath: string
  readonly exists: boolean
  /** `true` when `path` itself is a symbolic link. */
  readonly isSymlink: boolean
  /** Type of the resolved target; `missing` when it does not exist. */
  readonly fileType:
    | "file"
    | "directory"
    | "symlink"
    | "fifo"
    | "socket"
    | "char-device"
    | "block-device"
    | "missing"
    | "other"
  readonly sizeBytes: number
  /** Permission bits, e.g. 0o644 (of the resolved target). */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly nlink: number
}

export interface RemoteContent {
  readonly bytes: Uint8Array
  readonly sha256: string
  /** Where the bytes came from, after symlinks. */
  readonly resolvedPath: string
}

export interface RemoteWindow {
  readonly bytes: Uint8Array
  /** Size of the whole file. */
  readonly sizeBytes: number
  readonly resolvedPath: string
}

export interface WriteOptions {
  /** A unique tag (the audit id) that names the temp files of this write, so recovery can find and remove them. */
  readonly tag: string
  /**
   * Compare-and-swap, checked on the node under a lock right before the rename: the SHA-256 the target must
   * still have, or `null` when it must still not exist. On mismatch: `ContentChanged`, nothing written.
   */
  readonly expectSha256: string | null
  /** Mode and owner of the written file; callers pass the existing file's, or the configured new-file defaults. */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  /**
   * Test hook (crash point `after-remote-tmp`): stage the temp file, then stop without the rename and without
   * removing the temp, as a node would look if the server died between the two. Never set in production.
   */
  readonly stopAfterStaging?: boolean
}

export interface WriteReport {
  /** `true` for host and container (temp file, fsync, rename); `false` for VM agent writes (truncate then write). */
  readonly atomic: boolean
  /** What could not be applied (a VM agent write cannot set mode or owner). */
  readonly notPreserved: ReadonlyArray<string>
}

export interface DirEntry {
  readonly name: string
  readonly type: "file" | "directory" | "symlink" | "other"
  readonly sizeBytes: number
  /** ISO time of the last modification, node clock. */
  readonly modified: string
  /** `ls -l` style, e.g. `-rw-r--r--`. */
  readonly permissions: string
}

export type RemoteFileFailure =
  | SshFailure
  | NodeCommandFailed
  | GuestNotReady
  | FileNotFound
  | FileTooLarge
  | NotRegularFile

/**
 * File access on the node's three surfaces: `host` (root SSH), `pct` (a running container, through the node),
 * `qm` (a VM, through its guest agent). Paths are validated by the caller; every argument is quoted with `shQuote`.
 * Content travels as bytes (base64 on the wire), never on a command line except the agent's write payload.
 */
export interface RemoteFilesShape {
  /** Never fails for a missing file (`exists: false`). Containers must be running, VMs must answer the agent. */
  readonly stat: (target: BackupTarget) => Effect.Effect<RemoteStat, RemoteFileFailure>
  /**
   * The whole file, following symlinks; `None` when it does not exist. Only regular files (`NotRegularFile`
   * otherwise); over `maxBytes` → `FileTooLarge` without transferring it.
   */
  readonly read: (
    target: BackupTarget,
    maxBytes: number
  ) => Effect.Effect<Option.Option<RemoteContent>, RemoteFileFailure>
  /** Bytes `[offset, offset + length)` of a regular file; `FileNotFound` when missing. */
  readonly readWindow: (
    target: BackupTarget,
    offset: number,
    length: number
  ) => Effect.Effect<RemoteWindow, RemoteFileFailure>
  /** SHA-256 of the file's current bytes, `None` when it does not exist (the write protocol's verify step). */
  readonly hash: (target: BackupTarget) => Effect.Effect<Option.Option<string>, RemoteFileFailure>
  /**
   * Replaces the file's bytes. Host and container: temp file in the same directory named by `tag`, fsync, mode and
   * owner set, CAS check under a node-side `flock`, rename over the target, directory fsync. VM: the agent's
   * file-write (not atomic). The target path is written as given (callers resolve symlinks first).
   */
  readonly write: (
    target: BackupTarget,
    bytes: Uint8Array,
    options: WriteOptions
  ) => Effect.Effect<WriteReport, RemoteFileFailure | ContentChanged>
  /** Deletes the file (a revert of a file that did not exist), with the same CAS check as `write`. */
  readonly remove: (
    target: BackupTarget,
    options: Pick<WriteOptions, "tag" | "expectSha256">
  ) => Effect.Effect<void, RemoteFileFailure | ContentChanged>
  /** Removes temp files a write with this `tag` may have left next to the target (recovery). Returns how many. */
  readonly removeTemps: (target: BackupTarget, tag: string) => Effect.Effect<number, RemoteFileFailure>
  /** Host only: the entries of a directory (not following a symlinked directory's entries' links). */
  readonly listDirectory: (path: string) => Effect.Effect<ReadonlyArray<DirEntry>, RemoteFileFailure>
}

export class RemoteFiles extends Context.Tag("homelab-mcp/RemoteFiles")<RemoteFiles, RemoteFilesShape>() {}
