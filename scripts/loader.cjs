#!/usr/bin/env node
"use strict"
// homelab-mcp launcher: runs the bundled application (APP_CODE below) through vm.Script with a V8 code cache, so
// later starts skip most of the compile step (Node 22's module.enableCompileCache, done by hand for Node 20).
// The cache lives in a private per-user directory (0700, owned by the user); it is never read from a shared place.
// Set HOMELAB_MCP_COMPILE_CACHE=0 to turn it off. Under Bun the code simply runs.
const fs = require("node:fs")
const os = require("node:os")
const path = require("node:path")
const vm = require("node:vm")
const Module = require("node:module")

const APP_ID = "__APP_ID__"
const APP_CODE = __APP_CODE__

const cacheDir = () => {
  const env = process.env
  if (env.HOMELAB_MCP_COMPILE_CACHE === "0" || process.versions.bun !== undefined) return undefined
  if (process.platform === "win32") {
    return env.LOCALAPPDATA
      ? path.join(env.LOCALAPPDATA, "homelab-mcp", "cache")
      : undefined
  }
  const home = env.HOME || os.homedir()
  if (!home) return undefined
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "homelab-mcp")
  return path.join(env.XDG_CACHE_HOME || path.join(home, ".cache"), "homelab-mcp")
}

/** A cache file is trusted only if it is a regular file in a directory only this user can write. */
const privateFile = (dir, file) => {
  try {
    const d = fs.statSync(dir)
    const f = fs.lstatSync(file)
    const mine = (s) => typeof process.getuid !== "function" || s.uid === process.getuid()
    return d.isDirectory() && mine(d) && (d.mode & 0o022) === 0 && f.isFile() && mine(f) && (f.mode & 0o022) === 0
  } catch {
    return false
  }
}

const dir = cacheDir()
const file = dir && path.join(dir, `${APP_ID}-${process.version}-${process.arch}.bin`)
let cached
if (file && privateFile(dir, file)) {
  try {
    cached = fs.readFileSync(file)
  } catch {}
}
const script = new vm.Script(Module.wrap(APP_CODE), {
  filename: __filename,
  ...(cached ? { cachedData: cached } : {})
})
if (file && (cached === undefined || script.cachedDataRejected)) {
  // Written once the server is up (or at exit, for one-shot commands), so the functions used at startup are in it.
  let written = false
  const write = () => {
    if (written) return
    written = true
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      const tmp = `${file}.${process.pid}.tmp`
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 })
      fs.renameSync(tmp, file)
      // Only the newest build's cache is kept.
      for (const name of fs.readdirSync(dir)) {
        if (name.endsWith(".bin") && path.join(dir, name) !== file) fs.rmSync(path.join(dir, name), { force: true })
      }
    } catch {}
  }
  // The server announces when startup is done (first tools/list): the cache then holds everything a start needs.
  process.once("homelab-mcp:ready", () => setImmediate(write))
  setTimeout(write, 1000).unref()
  // A one-shot command that ends at once (--version) compiled almost nothing: its cache would be valid but nearly
  // empty, and later starts would keep it. Only a process that did real work writes at exit.
  process.once("exit", () => {
    if (process.uptime() > 0.4) write()
  })
}
cached = undefined
script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname)
