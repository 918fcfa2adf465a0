import { Effect, Schema } from "effect"
import type { BackupTarget } from "../domain/Backup.js"
import { BackupVersion, descriptor } from "../domain/Backup.js"
import { VmId } from "../domain/Ids.js"
import { AbsolutePath } from "../domain/Paths.js"
import { BackupStore } from "../services/BackupStore.js"
import { readsLocal } from "./Annotations.js"
import { defineTool } from "./Runner.js"

const Input = Schema.Struct({
  path: AbsolutePath,
  vmid: Schema.optionalWith(VmId, { exact: true }).annotations({
    description: "Guest whose file it is (container or VM). Omit for a file on the Proxmox host."
  })
})

const Output = Schema.Struct({
  path: Schema.String,
  vmid: Schema.optionalWith(Schema.Number, { exact: true }),
  targets: Schema.Array(Schema.String),
  versions: Schema.Array(BackupVersion)
})

export const listBackups = defineTool({
  name: "list_backups",
  title: "List stored backups of a file",
  description: "List the local backup versions of one file (the content it had before each managed write), newest " +
    "first, with whether each can be reverted byte for byte. Give vmid for a file inside a container or VM. " +
    "Reads only this server's local store; the node is not contacted.",
  minTier: "observe",
  annotations: readsLocal,
  input: Input,
  output: Output,
  timeout: "30 seconds",
  handler: ({ path, vmid }) =>
    Effect.gen(function*() {
      const store = yield* BackupStore
      const targets: ReadonlyArray<BackupTarget> = vmid === undefined
        ? [{ kind: "host", path }]
        : [{ kind: "pct", vmid, path }, { kind: "qm", vmid, path }]
      const lists = yield* Effect.forEach(targets, store.list)
      // One target's versions are ordered by its sequence number (never by the wall clock: K1/K2); only a guest id
      // that has both a container and a VM history needs merging, by time.
      const filled = lists.filter((l) => l.length > 0)
      const versions = filled.length <= 1
        ? (filled[0] ?? [])
        : filled.flat().sort((a, b) => b.timestamp.localeCompare(a.timestamp))
      return { path, ...(vmid === undefined ? {} : { vmid }), targets: targets.map(descriptor), versions }
    })
})
