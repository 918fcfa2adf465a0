import { Effect, Option } from "effect"
import { homedir } from "node:os"
import { join } from "node:path"
import { raw } from "./Env.js"

/**
 * The per-OS data directory: `%LOCALAPPDATA%\homelab-mcp` on Windows, `~/Library/Application Support/homelab-mcp`
 * on macOS, `$XDG_DATA_HOME/homelab-mcp` (default `~/.local/share/homelab-mcp`) elsewhere. `HOMELAB_MCP_DATA_DIR`
 * overrides all of them.
 */
export const dataDir = (platform: NodeJS.Platform = process.platform) =>
  Effect.gen(function*() {
    const override = yield* raw("HOMELAB_MCP_DATA_DIR")
    if (Option.isSome(override)) return override.value
    const home = Option.getOrElse(yield* raw("HOME"), () => homedir())
    if (platform === "win32") {
      const local = yield* raw("LOCALAPPDATA")
      return join(Option.getOrElse(local, () => join(home, "AppData", "Local")), "homelab-mcp")
    }
    if (platform === "darwin") return join(home, "Library", "Application Support", "homelab-mcp")
    const xdg = yield* raw("XDG_DATA_HOME")
    return join(Option.getOrElse(xdg, () => join(home, ".local", "share")), "homelab-mcp")
  })
