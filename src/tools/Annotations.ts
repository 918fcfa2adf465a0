import type { ToolAnnotations } from "./Tool.js"

/** Reads the node (open world: its answers change without us), changes nothing. */
export const readsNode: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true
}

/** Reads only this server's local state (audit log, backups, its own configuration). */
export const readsLocal: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
}
