// Bundles src/main.ts into one CommonJS file, dist/server.cjs, with the version and build commit stamped in.
// The application is embedded in a small launcher (scripts/loader.cjs) that keeps a V8 code cache.
import { build } from "esbuild"
import { execSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"

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

const bundle = (testHooks) =>
  build({
    entryPoints: ["src/main.ts"],
    outfile: "dist/server.cjs",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    write: false,
    legalComments: "none",
    external: ["*.node"],
    define: {
      __HOMELAB_MCP_VERSION__: JSON.stringify(pkg.version),
      __HOMELAB_MCP_COMMIT__: JSON.stringify(commit),
      __HOMELAB_MCP_TEST_HOOKS__: JSON.stringify(testHooks)
    },
    logLevel: "warning"
  })
const [result, testResult] = await Promise.all([bundle(false), bundle(true)])
const app = result.outputFiles[0].text
const id = createHash("sha256").update(app).digest("hex").slice(0, 16)
const loader = readFileSync(new URL("./loader.cjs", import.meta.url), "utf8")
  .replace("__APP_ID__", id)
  .replace("__APP_CODE__", () => JSON.stringify(app))
mkdirSync("dist", { recursive: true })
writeFileSync("dist/server.cjs", loader)
chmodSync("dist/server.cjs", 0o755)
// The test bundle (crash-point hooks enabled) is never shipped: package.json "files" lists only dist/server.cjs.
writeFileSync("dist/server-test.cjs", testResult.outputFiles[0].text)
console.error(`built dist/server.cjs ${pkg.version} (${commit}), app ${(app.length / 1024).toFixed(0)} KiB, id ${id}`)
