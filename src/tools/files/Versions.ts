import { Effect, Option, Schema } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { descriptor } from "../../domain/Backup.js"
import { BackupNotFound, GuardRefused, InvalidArguments } from "../../domain/Errors.js"
import { VmId } from "../../domain/Ids.js"
import type { Tier } from "../../domain/Tier.js"
import { tierAllows } from "../../domain/Tier.js"
import type { StoredVersion } from "../../services/BackupStore.js"
import { BackupStore } from "../../services/BackupStore.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import { TierGate } from "../../services/TierGate.js"

/** Addressing shared by diff_config and revert_file (original-spec §4.3, REQ-G6). */
export const VersionFields = {
  backupPath: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(4096)), { exact: true }).annotations({
    description: "A version's backupPath from list_backups or a write result."
  }),
  path: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(4096)), { exact: true }).annotations({
    description: "The file's path; without backupPath the newest revertible version is used."
  }),
  vmid: Schema.optionalWith(VmId, { exact: true }).annotations({
    description: "Guest (container or VM) whose file it is; omit for a host file."
  })
}

export interface VersionInput {
  readonly backupPath?: string
  readonly path?: string
  readonly vmid?: number
}

/** The target a record names (its own fields, or parsed from the descriptor of older records). */
export const targetOfRecord = (v: StoredVersion): Option.Option<BackupTarget> => {
  const r = v.record
  if (r.targetKind !== undefined && r.path !== undefined) {
    const t: BackupTarget = r.targetKind === "host"
      ? { kind: "host", path: r.path }
      : { kind: r.targetKind, vmid: r.vmid ?? 0, path: r.path }
    // B16: the fields must name the same target as the descriptor the record is filed under.
    return descriptor(t) === r.target ? Option.some(t) : Option.none()
  }
  const m = /^(host):(\/.*)$|^(pct|qm):(\d+):(\/.*)$/s.exec(r.target)
  if (m === null) return Option.none()
  return Option.some(
    m[1] === "host"
      ? { kind: "host", path: m[2] ?? "" }
      : { kind: m[3] as "pct" | "qm", vmid: Number(m[4]), path: m[5] ?? "" }
  )
}

const invalid = (tool: string, issue: string) =>
  new InvalidArguments({ message: `invalid arguments for ${tool}:\n${issue}`, issues: [issue] })

/** The version and target a call names: by backupPath (checked against path), or the newest revertible one. */
export const findVersion = (tool: string, input: VersionInput) =>
  Effect.gen(function*() {
    const store = yield* BackupStore
    if (input.backupPath !== undefined) {
      const version = yield* store.resolve(input.backupPath)
      const target = yield* Option.match(targetOfRecord(version), {
        onNone: () => Effect.fail(new BackupNotFound({ message: `${input.backupPath} does not name its target` })),
        onSome: Effect.succeed
      })
      if (input.path !== undefined && input.path !== target.path) {
        return yield* invalid(
          tool,
          `path: supplied ${JSON.stringify(input.path)} does not match the backup's target ${
            JSON.stringify(target.path)
          }`
        )
      }
      return { version, target }
    }
    if (input.path === undefined) return yield* invalid(tool, "give backupPath, or path (and vmid for a guest file)")
    const path = input.path
    if (input.vmid === undefined) yield* requireTierFor(tool, { kind: "host", path }, (yield* TierGate).tier)
    const targets: ReadonlyArray<BackupTarget> = input.vmid === undefined
      ? [{ kind: "host", path }]
      : [{ kind: "pct", vmid: input.vmid, path }, { kind: "qm", vmid: input.vmid, path }]
    // The newest revertible version that would change something: after a write that did not apply, the newest
    // pre-image equals the live file, and "reverting" to it would be a silent no-op (review finding).
    const files = yield* RemoteFiles
    const found = yield* Effect.forEach(targets, (t) =>
      Effect.gen(function*() {
        const listed = yield* store.list(t)
        if (listed.length === 0) return Option.none()
        const live = Option.getOrNull(yield* files.hash(t).pipe(Effect.orElseSucceed(() => Option.none<string>())))
        const pick = listed.find((v) =>
          v.revertible && (v.kind === "absent" ? live !== null : v.sha256 !== undefined && v.sha256 !== live)
        )
        if (pick === undefined) return Option.none()
        return Option.some({ version: yield* store.resolve(pick.backupPath), target: t })
      }))
    const newest = found.flatMap(Option.toArray).sort((a, b) =>
      b.version.record.ts.localeCompare(a.version.record.ts)
    )[0]
    if (newest === undefined) {
      return yield* new BackupNotFound({
        message: `No revertible backup of ${input.vmid === undefined ? "" : `guest ${input.vmid}: `}${path} that ` +
          `differs from its current content`
      })
    }
    return newest
  })

/** Host files are root's (REQ-X1): at companion a host backup can be listed but neither diffed nor restored. */
export const requireTierFor = (tool: string, target: BackupTarget, tier: Tier): Effect.Effect<void, GuardRefused> =>
  target.kind === "host" && !tierAllows(tier, "root")
    ? Effect.fail(
      new GuardRefused({
        rule: "tier",
        message: `${tool} of a host file (${target.path}) needs the root tier; this server runs at ${tier}.`
      })
    )
    : Effect.void
