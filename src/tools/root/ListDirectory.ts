import { Effect, Schema } from "effect"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { RemoteFiles } from "../../services/RemoteFiles.js"
import { readsNode } from "../Annotations.js"
import { checkPath } from "../files/Resolve.js"
import { defineTool } from "../Runner.js"

const Entry = Schema.Struct({
  name: Schema.String,
  type: Schema.Literal("file", "directory", "symlink", "other"),
  sizeBytes: Schema.Number,
  modified: Schema.String,
  permissions: Schema.String
})

/** Entries listed at most; the result says when there were more. */
const MAX_ENTRIES = 2000

export const makeListDirectory = (config: AppConfigShape) =>
  defineTool({
    name: "list_directory",
    title: "List a directory on the host",
    description: "List the entries of a directory on the Proxmox host: name, type (file, directory, symlink, " +
      `other), size, modification time (node clock) and permissions. At most ${MAX_ENTRIES} entries, sorted by ` +
      "name. Root tier. Read-only.",
    minTier: "root",
    annotations: readsNode,
    input: Schema.Struct({
      path: Schema.String.pipe(Schema.maxLength(4096)).annotations({ description: "Absolute path of a directory." })
    }),
    output: Schema.Struct({
      path: Schema.String,
      entries: Schema.Array(Entry),
      total: Schema.Number,
      truncated: Schema.Boolean
    }),
    timeout: "60 seconds",
    handler: (input) =>
      Effect.gen(function*() {
        const path = yield* checkPath("list_directory", input.path, config)
        const files = yield* RemoteFiles
        // B4/B7: a symlinked directory is listed only if where it leads passes the path rules too.
        const stat = yield* files.stat({ kind: "host", path })
        if (stat.resolvedPath !== "" && stat.resolvedPath !== path) {
          yield* checkPath("list_directory", stat.resolvedPath, config)
        }
        const all = [...(yield* files.listDirectory(path))].sort((
          a,
          b
        ) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        return {
          path,
          entries: all.slice(0, MAX_ENTRIES),
          total: all.length,
          truncated: all.length > MAX_ENTRIES
        }
      })
  })
