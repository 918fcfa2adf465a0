import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { freshDataDir, RUNTIME, SERVER, serverEnv } from "../support/Spawn.js"

const run = (args: ReadonlyArray<string>, dataDir = freshDataDir()) => {
  const r = spawnSync(RUNTIME, [SERVER, "setup", ...args], {
    env: serverEnv({ HOMELAB_MCP_DATA_DIR: dataDir }),
    input: "",
    timeout: 20_000
  })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

describe("homelab-mcp setup (bundle)", () => {
  it("--help lists every flag", () => {
    const r = run(["--help"])
    expect(r.status).toBe(0)
    for (const flag of ["--tier", "--node-host", "--ssh-port", "--api-port", "--bootstrap-mode", "--bootstrap-key"]) {
      expect(r.stdout).toContain(flag)
    }
    expect(r.stdout).toContain("--client claude-code|claude-desktop|print")
  })

  it("a bad flag exits 2 with one line naming it", () => {
    const r = run(["--tier", "root"])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(
      "homelab-mcp setup: --tier root is not offered: provision companion, then enable root with MCP_HOST_ROOT_ENABLED\n"
    )
  })

  it("a paste-mode dry run prints the script on stderr, nothing on stdout, and writes nothing", () => {
    const dataDir = freshDataDir()
    const r = run([
      "--tier",
      "companion",
      "--node-host",
      "pve.lan",
      "--bootstrap-mode",
      "paste",
      "--dry-run",
      "--client",
      "print"
    ], dataDir)
    expect(r.status).toBe(0)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("bash <<'HOMELAB_MCP_SETUP'")
    expect(r.stderr).toContain("Dry run: nothing was changed")
    expect(readdirSync(dataDir)).toEqual([])
  })

  it("stdin ending before an answer stops setup with a clear message", () => {
    const r = run(["--node-host", "pve.lan"])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("Which tier?")
    expect(r.stderr).toContain("stdin ended before setup had its answer")
    expect(r.stdout).toBe("")
  })
})
