// Bundles src/main.ts into one CommonJS file, dist/server.cjs, with the version and build commit stamped in.
import { build } from "esbuild"
import { execSync } from "node:child_process"
import { chmodSync, readFileSync } from "node:fs"

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
const commit = (() => {
  try {
    const sha = execSync("git rev-parse --short=12 HEAD", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
    const dirty = execSync("git status --porcelain --untracked-files=no", { stdio: ["ignore", "pipe", "ignore"] })
      .toString().trim() !== ""
    return dirty ? `${sha}-dirty` : sha
  } catch {
    return process.env.HOMELAB_MCP_COMMIT ?? "unknown"
  }
})()

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/server.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  external: ["*.node"],
  banner: { js: "#!/usr/bin/env node" },
  define: {
    __HOMELAB_MCP_VERSION__: JSON.stringify(pkg.version),
    __HOMELAB_MCP_COMMIT__: JSON.stringify(commit)
  },
  logLevel: "warning"
})
chmodSync("dist/server.cjs", 0o755)
console.error(`built dist/server.cjs ${pkg.version} (${commit})`)
