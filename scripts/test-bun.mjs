// Runs the end-to-end suite with the server under Bun (the npm `bun` devDependency).
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)
const bunBin = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe")
const result = spawnSync("npx", ["vitest", "run", "test/e2e"], {
  stdio: "inherit",
  env: { ...process.env, HOMELAB_MCP_E2E_RUNTIME: bunBin }
})
process.exit(result.status ?? 1)
