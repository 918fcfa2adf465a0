import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { SetupFlags } from "../../../src/tools/setup/Flags.js"
import { parseSetupFlags } from "../../../src/tools/setup/Flags.js"
import { runSetup } from "../../../src/tools/setup/Setup.js"
import type { SetupWorld } from "../../support/SetupHarness.js"
import { API_PIN, changes, HOST_KEY, makeWorld } from "../../support/SetupHarness.js"

const flags = (line: string): SetupFlags => {
  const parsed = parseSetupFlags(line.split(" ").filter((w) => w !== ""))
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right
}

/** Non-interactive: every answer is a flag; the fake bootstrap ignores the key file. */
const base = "--node-host 192.0.2.10 --bootstrap-key /keys/root --yes --client print"

const setup = (w: SetupWorld, line: string) =>
  Effect.scoped(runSetup(flags(`${base} ${line}`), w.env)).pipe(Effect.provide(w.layer))

describe("homelab-mcp setup against the simulated node", () => {
  it.effect("observe: provisions, proves and prints exactly the mcpServers JSON on stdout", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* setup(w, "--tier observe")
      expect(changes(w.commands)).toEqual([
        "pveum user add mcp@pve --comment homelab-mcp",
        "pveum user token add mcp@pve observe --privsep 1 --comment 'homelab-mcp observe tier' --output-format json",
        "pveum acl modify / --users mcp@pve --roles PVEAuditor",
        "pveum acl modify / --tokens 'mcp@pve!observe' --roles PVEAuditor"
      ])
      const json = JSON.parse(w.stdout()) as { mcpServers: { homelab: { env: Record<string, string> } } }
      expect(w.stdout()).toBe(`${JSON.stringify(json, null, 2)}\n`)
      const env = json.mcpServers.homelab.env
      expect(env).toMatchObject({
        MCP_TIER: "observe",
        PVE_API_BASE_URL: "https://192.0.2.10:8006/api2/json",
        PVE_API_TOKEN_ID: "mcp@pve!observe",
        PVE_API_NODE: "pve",
        PVE_API_TLS_FINGERPRINT: API_PIN
      })
      expect(env["SSH_HOST"]).toBeUndefined()
      expect(yield* w.sh("cat /etc/pve/priv/token.cfg")).toContain(`mcp@pve!observe ${env["PVE_API_TOKEN_SECRET"]}`)
      expect(w.stderr()).not.toContain(env["PVE_API_TOKEN_SECRET"]!)
      expect(w.api).toEqual([
        "GET /access/permissions",
        "GET /nodes/pve/qemu",
        "GET /nodes/pve/syslog?limit=1",
        "GET /nodes/pve/journal?lastentries=1",
        "GET /nodes/pve/apt/update",
        "GET /nodes/pve/apt/changelog?name=pve-manager",
        "GET /nodes/pve/qemu/200/agent/exec-status?pid=1",
        "GET /nodes/pve/qemu/200/agent/file-read?file=%2Fetc%2Fhostname"
      ])
      expect(statSync(join(w.env.dataDir, "setup.json")).mode & 0o777).toBe(0o600)
    }))

  it.effect("a second run changes nothing and keeps the token", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* setup(w, "--tier operate")
      const first = w.stdout()
      w.commands.length = 0
      yield* setup(w, "--tier operate")
      expect(changes(w.commands)).toEqual([])
      expect(w.stderr()).toContain("already matches the operate tier: nothing to change")
      expect(w.stdout()).toBe(`${first}${first}`)
    }))

  it.effect("companion installs a dedicated key once; a downgrade removes it here and on the node", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* setup(w, "--tier companion")
      const key = join(w.env.dataDir, "ssh", "id_ed25519")
      expect(statSync(key).mode & 0o777).toBe(0o600)
      const env = (JSON.parse(w.stdout()) as { mcpServers: { homelab: { env: Record<string, string> } } })
        .mcpServers.homelab.env
      expect(env).toMatchObject({
        MCP_TIER: "companion",
        PVE_API_TOKEN_ID: "mcp@pve!companion",
        SSH_HOST: "192.0.2.10",
        SSH_PORT: "22",
        SSH_USER: "root",
        SSH_KEY_PATH: key,
        SSH_HOST_KEY_FINGERPRINT: HOST_KEY
      })
      const authorized = () => w.sh("cat /root/.ssh/authorized_keys")
      expect((yield* authorized()).match(/homelab-mcp@laptop/g)).toHaveLength(1)
      yield* setup(w, "--tier companion")
      expect((yield* authorized()).match(/homelab-mcp@laptop/g)).toHaveLength(1)
      w.commands.length = 0
      yield* setup(w, "--tier observe")
      expect(yield* authorized()).not.toContain("homelab-mcp")
      expect(existsSync(key) || existsSync(`${key}.pub`)).toBe(false)
      expect(changes(w.commands)).toContain("pveum user token remove mcp@pve companion")
      expect(yield* w.sh("pveum user token list mcp@pve --output-format json")).not.toContain("companion")
      expect(yield* w.sh("ls -la /root/.ssh/authorized_keys")).toContain("-> /etc/pve/priv/authorized_keys")
    }))

  it.effect("--dry-run prints every command and request and changes nothing", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ claude: "present" })
      const before = yield* w.sh("cat /etc/pve/user.cfg /etc/pve/priv/token.cfg /root/.ssh/authorized_keys")
      yield* Effect.scoped(
        runSetup(
          flags("--node-host pve.lan --bootstrap-key /k --tier companion --dry-run --yes --client claude-code"),
          w.env
        )
      ).pipe(Effect.provide(w.layer))
      expect(yield* w.sh("cat /etc/pve/user.cfg /etc/pve/priv/token.cfg /root/.ssh/authorized_keys")).toBe(before)
      expect(changes(w.commands)).toEqual([])
      expect(readdirSync(w.env.dataDir)).toEqual([])
      expect(w.claude).toEqual([])
      expect(w.stdout()).toBe("")
      const out = w.stderr()
      for (
        const line of [
          "pveversion",
          "pveum acl list --output-format json",
          "pveum role add HomelabMCP-Operate --privs",
          "pveum user token add mcp@pve companion --privsep 1",
          "pveum acl modify / --tokens 'mcp@pve!companion' --roles HomelabMCP-Operate",
          "(local) write a new ed25519 key to",
          ">> /root/.ssh/authorized_keys",
          "GET /access/permissions",
          "GET /nodes/pve/qemu/<vmid>/agent/exec-status?pid=1",
          "claude mcp add homelab --scope user",
          "PVE_API_TOKEN_SECRET_FILE=",
          "Dry run: nothing was changed"
        ]
      ) expect(out).toContain(line)
    }))

  it.effect("a refused host key stops before anything is sent", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ answers: ["n"] })
      const failed = yield* Effect.flip(
        Effect.scoped(runSetup(flags("--node-host 192.0.2.10 --tier observe --bootstrap-key /k --client print"), w.env))
          .pipe(Effect.provide(w.layer))
      )
      expect(failed.message).toContain("host key not confirmed")
      expect(w.stderr()).toContain(`SSH host key of 192.0.2.10:22: ${HOST_KEY}`)
      expect(w.commands).toEqual([])
    }))

  it.effect("a token broader than its tier fails the proof, naming the excess", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ extra: ["Sys.Modify"] })
      const failed = yield* Effect.flip(setup(w, "--tier observe"))
      expect(failed.message).toContain("beyond the tier Sys.Modify@/")
      expect(w.stdout()).toBe("")
    }))

  it.effect("claude-code: registers with claude mcp add; without claude it prints the JSON", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ claude: "present" })
      yield* Effect.scoped(
        runSetup(flags("--node-host 192.0.2.10 --bootstrap-key /k --yes --tier observe --client claude-code"), w.env)
      ).pipe(Effect.provide(w.layer))
      expect(w.claude[0]).toEqual(["mcp", "remove", "homelab", "--scope", "user"])
      const add = w.claude[1] ?? []
      expect(add.slice(0, 5)).toEqual(["mcp", "add", "homelab", "--scope", "user"])
      expect(add).toContain("MCP_TIER=observe")
      // the secret never rides on claude's command line (readable in `ps`): only the 0600 file's path does
      expect(add.some((a) => a.startsWith("PVE_API_TOKEN_SECRET="))).toBe(false)
      const fileArg = add.find((a) => a.startsWith("PVE_API_TOKEN_SECRET_FILE=")) ?? ""
      const secretFile = fileArg.slice("PVE_API_TOKEN_SECRET_FILE=".length)
      expect((statSync(secretFile).mode & 0o777).toString(8)).toBe("600")
      expect(readFileSync(secretFile, "utf8").length).toBeGreaterThan(10)
      expect(add.slice(-3)).toEqual(["--", "/usr/bin/node", "/opt/homelab-mcp/dist/server.cjs"])
      expect(w.stdout()).toBe("")
      const missing = yield* makeWorld({ claude: "missing" })
      yield* Effect.scoped(
        runSetup(
          flags("--node-host 192.0.2.10 --bootstrap-key /k --yes --tier observe --client claude-code"),
          missing.env
        )
      ).pipe(Effect.provide(missing.layer))
      expect(missing.stderr()).toContain("The claude CLI is not on PATH")
      expect(JSON.parse(missing.stdout())).toHaveProperty("mcpServers.homelab.command", "/usr/bin/node")
    }))

  it.effect("PVE 8: the operate role gets the PVE 8 privilege list", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ pve: 8 })
      yield* setup(w, "--tier operate")
      expect(changes(w.commands)[0]).toBe(
        "pveum role add HomelabMCP-Operate --privs Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.PowerMgmt"
      )
    }))

  it.effect("interactive: asks for what the flags leave out, and the root password without storing it", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ answers: ["1", "192.0.2.10", "", "3", "hunter2", "y", "y"] })
      yield* Effect.scoped(runSetup(flags(""), w.env)).pipe(Effect.provide(w.layer))
      expect(w.stderr()).toContain("Which tier?")
      expect(w.stderr()).toContain("root password for root@192.0.2.10")
      expect(w.stderr()).toContain("Apply these changes?")
      expect(JSON.parse(w.stdout())).toHaveProperty("mcpServers.homelab.env.MCP_TIER", "observe")
      expect(w.stderr() + w.stdout()).not.toContain("hunter2")
    }))
})
