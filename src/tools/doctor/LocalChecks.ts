import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { AuditLogJsonl } from "../../layers/AuditLogJsonl.js"
import { BackupStoreFs } from "../../layers/BackupStoreFs.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { AppConfig } from "../../services/AppConfig.js"
import { AuditLog } from "../../services/AuditLog.js"
import { BackupStore } from "../../services/BackupStore.js"
import type { CheckResult } from "./Check.js"
import { bounded, fail, LOCAL_CHECK_TIMEOUT, ok } from "./Check.js"

/** Node ≥ 20.19 (require(esm), the floor in package.json) or any Bun. */
export const runtimeCheck = (versions: { readonly node: string; readonly bun?: string | undefined }): CheckResult => {
  if (versions.bun !== undefined) return ok("runtime", `bun ${versions.bun}`)
  const [major = 0, minor = 0] = versions.node.split(".").map(Number)
  return major > 20 || (major === 20 && minor >= 19)
    ? ok("runtime", `node v${versions.node}`)
    : fail("runtime", `node v${versions.node} is too old`, "install Node.js 20.19 or newer (or run under Bun)")
}

/** Creates the data directory if needed, then writes, syncs and removes a probe file in it. */
const dataDirCheck = (config: AppConfigShape) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const probe = join(config.dataDir, `.doctor-${randomUUID()}`)
    const written = yield* fs.makeDirectory(config.dataDir, { recursive: true, mode: 0o700 }).pipe(
      Effect.zipRight(fs.writeFileString(probe, "doctor\n", { flag: "wx", mode: 0o600 })),
      Effect.zipRight(fs.remove(probe)),
      Effect.either
    )
    return written._tag === "Right"
      ? ok("data-dir", `${config.dataDir} is writable`)
      : fail(
        "data-dir",
        `${config.dataDir} is not writable: ${written.left.message}`,
        "make the directory writable by this user, or point HOMELAB_MCP_DATA_DIR at one that is"
      )
  })

const auditCheck = Effect.gen(function*() {
  const report = yield* (yield* AuditLog).verify
  if (report.ok) return ok("audit-log", `${report.path}: ${report.records} records, chain ok`)
  const first = report.problems[0]
  return fail(
    "audit-log",
    `${report.path}: ${report.problems.length} problem(s), first at line ${first?.line ?? "?"}: ${
      first?.reason ?? "unknown"
    }`,
    "run `homelab-mcp verify` for every problem; keep the file as evidence and move it aside to start a new chain"
  )
})

const backupCheck = Effect.gen(function*() {
  const report = yield* (yield* BackupStore).verify({ readData: false })
  if (report.ok) return ok("backup-store", `${report.dir}: ${report.versions} versions, ${report.blobs} blobs, ok`)
  const first = report.problems[0]
  return fail(
    "backup-store",
    `${report.dir}: ${report.problems.length} problem(s), first: ${first?.path ?? "?"}: ${first?.reason ?? "unknown"}`,
    "the versions named cannot be reverted; move the damaged records aside (nothing else depends on them)"
  )
})

/** Data directory, audit chain and backup store: local files only, each bounded, run concurrently. */
export const localChecks = (config: AppConfigShape): Effect.Effect<ReadonlyArray<CheckResult>> => {
  const env = Layer.merge(Layer.succeed(AppConfig, config), NodeFileSystem.layer)
  const one = <E, R>(name: string, check: Effect.Effect<CheckResult, E, R>, layer: Layer.Layer<R, unknown>) =>
    bounded([name], LOCAL_CHECK_TIMEOUT, Effect.map(Effect.provide(check, layer), (c) => [c]))
  return Effect.map(
    Effect.all([
      one("data-dir", dataDirCheck(config), NodeFileSystem.layer),
      one("audit-log", auditCheck, AuditLogJsonl.pipe(Layer.provide(env))),
      one("backup-store", backupCheck, BackupStoreFs.pipe(Layer.provide(env)))
    ], { concurrency: "unbounded" }),
    (groups) => groups.flat()
  )
}
