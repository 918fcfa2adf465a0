import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import type { SimState } from "./SimState.js"

/**
 * A simulated node that survives restarts (`HOMELAB_MCP_SIM_STATE=<file>`): its state as JSON, bytes as base64,
 * rewritten (temp file + rename) after every request and command that changed it. The crash tests kill the server
 * and start it again against the same node; a user can keep their simulated homelab between sessions.
 */

const encode = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString("base64") } : value

const decode = (_key: string, value: unknown): unknown =>
  typeof value === "object" && value !== null && "$bytes" in value && typeof value.$bytes === "string"
    ? new Uint8Array(Buffer.from(value.$bytes, "base64"))
    : value

export const loadSimState = (path: string): SimState | undefined =>
  existsSync(path) ? JSON.parse(readFileSync(path, "utf8"), decode) as SimState : undefined

export const saveSimState = (path: string, state: SimState): void => {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(state, encode), { mode: 0o600 })
  renameSync(tmp, path)
}
