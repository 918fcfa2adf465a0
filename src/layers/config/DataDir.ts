import { Effect, Option } from "effect"
import { homedir } from "node:os"
import { isAbsolute, join } from "node:path"
import { invalid, raw } from "./Env.js"

/**
 * The per-OS data directory: `%LOCALAPPDATA%\homelab-mcp` on Windows, `~/Library/Application Support/homelab-mcp`
 * on macOS, `$XDG_DATA_HOME/homelab-mcp` (default `~/.local/share/homelab-mcp`) elsewhere. `HOMELAB_MCP_DATA_DIR`
 * overrides all of them.
 */
export const dataDir = (platform: NodeJS.Platform = process.platform) =>
  Effect.gen(function*() {
    const override = yield* raw("HOMELAB_MCP_DATA_DIR")
    if (Option.isSome(override)) {
      if (!isAbsolute(override.value)) {
        return yield* Effect.fail(invalid("HOMELAB_MCP_DATA_DIR", "HOMELAB_MCP_DATA_DIR must be an absolute path"))
      }
      return override.value
    }
    const home = Option.getOrElse(yield* raw("HOME"), () => homedir())
    if (platform === "win32") {
      const local = yield* raw("LOCALAPPDATA")
      return join(Option.getOrElse(local, () => join(home, "AppData", "Local")), "homelab-mcp")
    }
    if (platform === "darwin") return join(home, "Library", "Application Support", "homelab-mcp")
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    const xdg = Option.filter(yield* raw("XDG_DATA_HOME"), isAbsolute)
    return join(Option.getOrElse(xdg, () => join(home, ".local", "share")), "homelab-mcp")
  })
