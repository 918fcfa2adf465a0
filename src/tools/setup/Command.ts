import { Effect, Either, Layer, Option } from "effect"
import { realpathSync } from "node:fs"
import { homedir, hostname } from "node:os"
import { join, resolve } from "node:path"
import { dataDir } from "../../layers/config/DataDir.js"
import { raw } from "../../layers/config/Env.js"
import { SetupApiLive } from "./ApiLive.js"
import { SetupClientLive, SetupConsoleLive } from "./ConsoleLive.js"
import { parseSetupFlags, SETUP_HELP } from "./Flags.js"
import type { SetupEnv } from "./Ports.js"
import { runSetup } from "./Setup.js"
import { SetupBootstrapLive } from "./SshBootstrap.js"

/** `homelab-mcp setup …` from the command line: flags, the live ports, exit codes (0 ok, 1 failed, 2 usage). */

/** The bundle that runs this (dist/server.cjs), or the repository's build output when run from source. */
const serverPath = (): string => {
  const self = process.argv[1] ?? ""
  return self.endsWith(".cjs") ? realpathSync(self) : resolve("dist", "server.cjs")
}

const desktopConfigPath = (): string => {
  const home = homedir()
  if (process.platform === "darwin") {
    return join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json")
  }
  if (process.platform === "win32") {
    return join(process.env["APPDATA"] ?? join(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json")
  }
  return join(home, ".config", "Claude", "claude_desktop_config.json")
}

export const setupEnv = Effect.gen(function*() {
  const env: SetupEnv = {
    dataDir: yield* dataDir(),
    passDataDir: Option.isSome(yield* raw("HOMELAB_MCP_DATA_DIR")),
    clientHost: hostname().split(".")[0] ?? "client",
    command: process.execPath,
    args: [serverPath()],
    desktopConfigPath: desktopConfigPath()
  }
  return env
})

const LiveLayer = Layer.mergeAll(SetupConsoleLive, SetupBootstrapLive, SetupApiLive, SetupClientLive)

/** Runs setup; the exit code is returned (never thrown), every message goes to stderr. */
export const setupCommand = (argv: ReadonlyArray<string>): Effect.Effect<number> => {
  const stderr = (text: string) => Effect.sync(() => void process.stderr.write(text))
  if (argv.includes("--help") || argv.includes("-h")) {
    return Effect.sync(() => process.stdout.write(`${SETUP_HELP}\n`)).pipe(Effect.as(0))
  }
  const flags = parseSetupFlags(argv)
  if (Either.isLeft(flags)) return stderr(`homelab-mcp setup: ${flags.left.message}\n`).pipe(Effect.as(2))
  return setupEnv.pipe(
    Effect.flatMap((env) => runSetup(flags.right, env)),
    Effect.provide(LiveLayer),
    Effect.as(0),
    Effect.catchAll((e) => stderr(`homelab-mcp setup: ${e.message}\n`).pipe(Effect.as(1)))
  )
}
