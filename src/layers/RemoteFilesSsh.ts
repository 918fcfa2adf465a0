import { Effect, Either, Layer, Option } from "effect"
import { createHash } from "node:crypto"
import type { BackupTarget } from "../domain/Backup.js"
import { FileNotFound, FileTooLarge, NodeCommandFailed, NotRegularFile } from "../domain/Errors.js"
import { AppConfig } from "../services/AppConfig.js"
import type { RemoteStat } from "../services/RemoteFiles.js"
import { RemoteFiles } from "../services/RemoteFiles.js"
import { SshTransport } from "../services/SshTransport.js"
import { hostSurface } from "./files/Host.js"
import { listScript, parseListing } from "./files/List.js"
import { checkOwner, checkPath, checkRange, checkSha, checkTag } from "./files/Names.js"
import { describe, expectCommitted, expectOk } from "./files/Outcome.js"
import type { Probe } from "./files/Parse.js"
import { decodeBase64, parseProbe } from "./files/Parse.js"
import { pctSurface } from "./files/Pct.js"
import { commitScript, hashScript, readScript, statScript, windowScript } from "./files/Probe.js"
import { qmSurface } from "./files/Qm.js"
import type { RunOptions, Surface } from "./files/Surface.js"
import { base64Cap, FILE_TIMEOUT_MS } from "./files/Surface.js"

/**
 * `RemoteFiles` over the node's root SSH (`SshTransport`): the host directly, containers through `pct`, VMs through
 * their guest agent. Each operation is one small POSIX script (src/layers/files/Probe.ts) run where the file is;
 * content travels as base64 (stdout for reads, stdin for writes), and the node decides existence, type and size
 * before any byte is sent (B6, REQ-B1a).
 */

const LIST_CAP = 8 * 1024 * 1024

const oddTarget = (t: BackupTarget, stat: RemoteStat, verb: string) =>
  new NotRegularFile({
    path: t.path,
    fileType: stat.fileType,
    message: `${describe(t)} is a ${stat.fileType}, not a regular file; only regular files can be ${verb}.`
  })

const notFound = (t: BackupTarget) =>
  new FileNotFound({
    path: t.path,
    message: t.kind === "host"
      ? `File not found: ${t.path}`
      : `File not found inside ${t.kind === "pct" ? "container" : "VM"} ${t.vmid ?? 0}: ${t.path}`
  })

const odd = (t: BackupTarget, op: string, why: string) =>
  new NodeCommandFailed({ exitCode: 0, message: `${op} ${describe(t)}: ${why}` })

export const RemoteFilesSsh: Layer.Layer<RemoteFiles, never, SshTransport | AppConfig> = Layer.effect(
  RemoteFiles,
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const config = yield* AppConfig
    const node = Option.match(config.api, { onNone: () => "localhost", onSome: (a) => a.node })
    const host = hostSurface(ssh)
    const surfaceOf = (t: BackupTarget): Surface =>
      t.kind === "host"
        ? host
        : t.kind === "pct"
        ? pctSurface(ssh, t.vmid ?? 0, config.files.nodeTempDir)
        : qmSurface(ssh, t.vmid ?? 0, node, config.files.qmWriteMaxBytes)

    const probe = (t: BackupTarget, op: string, script: string, options: RunOptions) =>
      Effect.gen(function*() {
        yield* checkPath(t.path)
        const r = yield* Effect.flatMap(surfaceOf(t).run(script, options), (x) => expectOk(t, op, x))
        return yield* Either.match(parseProbe(t.path, r.stdout), {
          onLeft: (why) => Effect.fail(odd(t, op, why)),
          onRight: (p: Probe) => Effect.succeed(p)
        })
      })

    const payload = (t: BackupTarget, op: string, p: Probe) => {
      const bytes = p.data === undefined ? undefined : decodeBase64(p.data)
      return bytes === undefined ? Effect.fail(odd(t, op, "the content did not arrive whole")) : Effect.succeed(bytes)
    }

    return RemoteFiles.of({
      stat: (t) => Effect.map(probe(t, "stat", statScript(t.path), { timeoutMs: FILE_TIMEOUT_MS }), (p) => p.stat),
      read: (t, maxBytes) =>
        Effect.gen(function*() {
          const options = { timeoutMs: FILE_TIMEOUT_MS, maxOutputBytes: base64Cap(maxBytes + 1) }
          const p = yield* probe(t, "read", readScript(t.path, maxBytes), options)
          if (!p.stat.exists) return Option.none()
          if (p.stat.fileType !== "file") return yield* oddTarget(t, p.stat, "read")
          const tooLarge = (sizeBytes: number) =>
            new FileTooLarge({
              path: t.path,
              sizeBytes,
              capBytes: maxBytes,
              message: `${describe(t)} is ${sizeBytes} bytes, over the ${maxBytes}-byte read cap.`
            })
          if (p.data === undefined && p.stat.sizeBytes > maxBytes) return yield* tooLarge(p.stat.sizeBytes)
          const bytes = yield* payload(t, "read", p)
          if (bytes.length > maxBytes) return yield* tooLarge(bytes.length)
          const sha256 = createHash("sha256").update(bytes).digest("hex")
          return Option.some({ bytes, sha256, resolvedPath: p.stat.resolvedPath })
        }),
      readWindow: (t, offset, length) =>
        Effect.gen(function*() {
          yield* checkRange(offset, length)
          const options = { timeoutMs: FILE_TIMEOUT_MS, maxOutputBytes: base64Cap(length) }
          const p = yield* probe(t, "read", windowScript(t.path, offset, length), options)
          if (!p.stat.exists) return yield* notFound(t)
          if (p.stat.fileType !== "file") return yield* oddTarget(t, p.stat, "read")
          const bytes = yield* payload(t, "read", p)
          return { bytes, sizeBytes: p.stat.sizeBytes, resolvedPath: p.stat.resolvedPath }
        }),
      hash: (t) =>
        Effect.gen(function*() {
          const p = yield* probe(t, "hash", hashScript(t.path), { timeoutMs: FILE_TIMEOUT_MS })
          if (!p.stat.exists) return Option.none()
          if (p.stat.fileType !== "file") return yield* oddTarget(t, p.stat, "hashed")
          if (p.sha256 === undefined) return yield* odd(t, "hash", "no digest in the output")
          return Option.some(p.sha256)
        }),
      write: (t, bytes, options) =>
        Effect.gen(function*() {
          yield* checkPath(t.path)
          yield* checkTag(options.tag)
          yield* checkSha(options.expectSha256)
          yield* checkOwner(options.mode, options.uid, options.gid)
          return yield* surfaceOf(t).write(t, bytes, options)
        }),
      remove: (t, options) =>
        Effect.gen(function*() {
          yield* checkPath(t.path)
          yield* checkTag(options.tag)
          yield* checkSha(options.expectSha256)
          const script = commitScript({ target: t.path, expect: options.expectSha256 })
          const r = yield* surfaceOf(t).runLocked(script, t, { timeoutMs: FILE_TIMEOUT_MS })
          yield* expectCommitted(t, "delete", r, options.expectSha256)
        }),
      removeTemps: (t, tag) =>
        Effect.gen(function*() {
          yield* checkPath(t.path)
          yield* checkTag(tag)
          return yield* surfaceOf(t).removeTemps(t, tag)
        }),
      listDirectory: (path) =>
        Effect.gen(function*() {
          const t: BackupTarget = { kind: "host", path }
          yield* checkPath(path)
          const r = yield* host.run(listScript(path), { timeoutMs: FILE_TIMEOUT_MS, maxOutputBytes: LIST_CAP })
          const ok = yield* expectOk(t, "list", r)
          const listing = yield* Either.match(parseListing(ok.stdout), {
            onLeft: (why) => Effect.fail(odd(t, "list", why)),
            onRight: Effect.succeed
          })
          if (listing._tag === "missing") return yield* notFound(t)
          if (listing._tag === "notDirectory") {
            return yield* new NotRegularFile({
              path,
              fileType: listing.fileType,
              message: `${path} is a ${listing.fileType}, not a directory.`
            })
          }
          return listing.entries
        })
    })
  })
)
