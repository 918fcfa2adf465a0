import { Effect, Either } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { GuardRefused, InvalidArguments, NotRegularFile } from "../../domain/Errors.js"
import { isProtectedPath, validatePath } from "../../domain/PathGuard.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import type { RemoteStat } from "../../services/RemoteFiles.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"

/** The surface a file tool works on. */
export type Surface = "host" | "pct" | "qm"

export const targetOf = (surface: Surface, path: string, vmid?: number): BackupTarget =>
  surface === "host" ? { kind: "host", path } : { kind: surface, vmid: vmid ?? 0, path }

/** Validates a path against the configured allow/deny lists (security.md §4.B: B1–B3, B7–B10). */
export const checkPath = (tool: string, path: string, config: AppConfigShape) =>
  Either.match(validatePath(path, { allow: config.guard.pathAllowlist, deny: config.guard.pathDenylist }), {
    onLeft: (issue) =>
      Effect.fail(
        new InvalidArguments({ message: `invalid arguments for ${tool}:\npath: ${issue}`, issues: [`path: ${issue}`] })
      ),
    onRight: (p) => Effect.succeed(p)
  })

/** Host writes never touch the protected set (privileges, cluster membership, our own access), by any name. */
const guardWrite = (surface: Surface, requested: string, resolved: string) =>
  surface === "host" && (isProtectedPath(requested) || isProtectedPath(resolved))
    ? Effect.fail(
      new GuardRefused({
        rule: "protected-path",
        message: `Refused: ${
          resolved === requested ? requested : `${requested} (→ ${resolved})`
        } is in the protected set (privileges, cluster membership, SSH access); it is changed by a human only.`
      })
    )
    : Effect.void

export interface Resolved {
  readonly requested: BackupTarget
  /** The file that will change: symlinks resolved (on the node, or inside the guest). */
  readonly target: BackupTarget
  readonly stat: RemoteStat
}

/**
 * Where a write really lands (B4/B5): the path is validated, the node resolves symlinks, and both the requested
 * and the resolved path must pass the lists and the protected set. A symlink is written through only with
 * `followSymlinks`; directories and special files are refused.
 */
export const resolveForWrite = (
  tool: string,
  surface: Surface,
  requested: BackupTarget,
  config: AppConfigShape,
  followSymlinks: boolean
) =>
  Effect.gen(function*() {
    const files = yield* RemoteFiles
    yield* guardWrite(surface, requested.path, requested.path)
    const stat = yield* files.stat(requested)
    if (stat.isSymlink && stat.resolvedPath === "") {
      // Fail closed: a link whose target the node cannot name could lead anywhere.
      return yield* new NotRegularFile({
        path: requested.path,
        fileType: "symlink",
        message: `${requested.path} is a symbolic link the node cannot resolve; refusing to write through it.`
      })
    }
    const resolvedPath = stat.resolvedPath === "" ? requested.path : stat.resolvedPath
    if (resolvedPath !== requested.path) {
      yield* checkPath(tool, resolvedPath, config)
      yield* guardWrite(surface, requested.path, resolvedPath)
      if (stat.isSymlink && !followSymlinks) {
        return yield* new NotRegularFile({
          path: requested.path,
          fileType: "symlink",
          message: `${requested.path} is a symbolic link to ${resolvedPath}; pass followSymlinks: true to write ` +
            `the file it points to (the link itself is kept).`
        })
      }
    }
    if (stat.exists && stat.fileType !== "file") {
      return yield* new NotRegularFile({
        path: requested.path,
        fileType: stat.fileType,
        message: `${requested.path} is a ${stat.fileType}, not a regular file; only regular files can be written.`
      })
    }
    return { requested, target: { ...requested, path: resolvedPath }, stat } satisfies Resolved
  })
