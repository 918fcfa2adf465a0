import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ROOT_ACKNOWLEDGMENT } from "../../src/domain/Tier.js"
import { dataDir } from "../../src/layers/config/DataDir.js"
import { loadConfig } from "../../src/layers/config/LoadConfig.js"

const API = {
  PVE_API_BASE_URL: "https://10.0.0.2:8006/api2/json",
  PVE_API_TOKEN_ID: "mcp@pve!mcp-observe",
  PVE_API_TOKEN_SECRET: "00000000-1111-2222-3333-444444444444",
  PVE_API_NODE: "pve",
  HOME: "/home/op"
}

const load = (env: Record<string, string>, simulated = false) =>
  loadConfig({ simulated }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.either
  )

const failsOn = (env: Record<string, string>, variable: string, text: RegExp) =>
  Effect.gen(function*() {
    const result = yield* load(env)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.variable).toBe(variable)
      expect(result.left.message).toMatch(text)
    }
  })

describe("loadConfig", () => {
  it.effect("defaults to observe and derives the data paths", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* load(API))
      expect(config.tier).toBe("observe")
      expect(config.dataDir).toBe("/home/op/.local/share/homelab-mcp")
      expect(config.auditLogPath).toBe("/home/op/.local/share/homelab-mcp/audit.jsonl")
      const api = Option.getOrThrow(config.api)
      expect(api.endpoint).toBe("10.0.0.2:8006")
      expect(api.knownCertsPath).toBe("/home/op/.local/share/homelab-mcp/known_certs.json")
      expect(Redacted.value(api.tokenSecret)).toBe(API.PVE_API_TOKEN_SECRET)
      expect(String(api.tokenSecret)).not.toContain("1111")
      expect(api.timeoutMs).toBe(15_000)
    }))

  it.effect("rejects an unknown tier and MCP_TIER=root", () =>
    Effect.gen(function*() {
      yield* failsOn({ ...API, MCP_TIER: "admin" }, "MCP_TIER", /must be observe, operate or companion/)
      yield* failsOn({ ...API, MCP_TIER: "root" }, "MCP_TIER", /root is enabled only by MCP_HOST_ROOT_ENABLED/)
    }))

  it.effect("reaches root only with the exact acknowledgment and SSH", () =>
    Effect.gen(function*() {
      const ssh = { SSH_HOST: "10.0.0.2", SSH_KEY_PATH: "/k" }
      for (const wrong of ["true", "1", "yes", ` ${ROOT_ACKNOWLEDGMENT}`, ROOT_ACKNOWLEDGMENT.toLowerCase()]) {
        yield* failsOn(
          { ...API, ...ssh, MCP_HOST_ROOT_ENABLED: wrong },
          "MCP_HOST_ROOT_ENABLED",
          /exact acknowledgment/
        )
      }
      const ok = Either.getOrThrow(yield* load({ ...API, ...ssh, MCP_HOST_ROOT_ENABLED: ROOT_ACKNOWLEDGMENT }))
      expect(ok.tier).toBe("root")
      yield* failsOn({ ...API, MCP_HOST_ROOT_ENABLED: ROOT_ACKNOWLEDGMENT }, "SSH_HOST", /root tier needs root SSH/)
      yield* failsOn(
        { ...API, ...ssh, MCP_TIER: "observe", MCP_HOST_ROOT_ENABLED: ROOT_ACKNOWLEDGMENT },
        "MCP_TIER",
        /contradicts MCP_HOST_ROOT_ENABLED/
      )
    }))

  it.effect("companion needs SSH, and host-key verification cannot be skipped", () =>
    Effect.gen(function*() {
      yield* failsOn({ ...API, MCP_TIER: "companion" }, "SSH_HOST", /companion tier needs root SSH/)
      yield* failsOn({ ...API, MCP_TIER: "companion", SSH_HOST: "10.0.0.2" }, "SSH_KEY_PATH", /private key/)
      yield* failsOn(
        { ...API, MCP_TIER: "companion", SSH_HOST: "h", SSH_KEY_PATH: "/k", SSH_SKIP_HOST_VERIFICATION: "true" },
        "SSH_SKIP_HOST_VERIFICATION",
        /always verified/
      )
      yield* failsOn({ ...API, PATH_DENYLIST: "/proc,sys" }, "PATH_DENYLIST", /absolute paths/)
      const ok = Either.getOrThrow(yield* load({ ...API, MCP_TIER: "companion", SSH_HOST: "h", SSH_KEY_PATH: "/k" }))
      expect(Option.getOrThrow(ok.ssh)).toMatchObject({ port: 22, user: "root", commandGraceMs: 10_000 })
      expect(ok.guard.pathDenylist).toEqual(["/proc", "/sys", "/dev"])
    }))

  it.effect("requires all four API variables together, or --simulated", () =>
    Effect.gen(function*() {
      yield* failsOn({ HOME: "/h" }, "PVE_API_BASE_URL", /or run with --simulated/)
      const { PVE_API_NODE: _, ...partial } = API
      yield* failsOn(partial, "PVE_API_NODE", /PVE_API_NODE not set/)
      const sim = Either.getOrThrow(yield* load({ HOME: "/h" }, true))
      expect(sim.simulated).toBe(true)
      expect(Option.isNone(sim.api)).toBe(true)
    }))

  it.effect("validates URL, token id, node, numbers and threshold order", () =>
    Effect.gen(function*() {
      yield* failsOn({ ...API, PVE_API_BASE_URL: "http://pve:8006/api2/json" }, "PVE_API_BASE_URL", /https/)
      yield* failsOn({ ...API, PVE_API_BASE_URL: "https://pve:8006/" }, "PVE_API_BASE_URL", /api2\/json/)
      yield* failsOn({ ...API, PVE_API_TOKEN_ID: "mcp@pve" }, "PVE_API_TOKEN_ID", /USER@REALM!TOKENNAME/)
      yield* failsOn({ ...API, PVE_API_NODE: "pve.lan" }, "PVE_API_NODE", /node name/)
      yield* failsOn({ ...API, PVE_API_TIMEOUT_MS: "abc" }, "PVE_API_TIMEOUT_MS", /whole number/)
      yield* failsOn({ ...API, PVE_API_TLS_FINGERPRINT: "nope" }, "PVE_API_TLS_FINGERPRINT", /SHA-256 fingerprint/)
      yield* failsOn({ ...API, HEALTH_MEM_WARN_PCT: "96" }, "HEALTH_MEM_WARN_PCT", /lower than HEALTH_MEM_CRIT_PCT/)
      yield* failsOn({ ...API, QUERY_AUDIT_DEFAULT_LIMIT: "300" }, "QUERY_AUDIT_DEFAULT_LIMIT", /must not exceed/)
    }))

  it.effect("keeps every store path overridable", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(
        yield* load({ ...API, AUDIT_LOG_PATH: "/a/log.jsonl", BACKUP_DIR: "/b", CENSUS_DIR: "/c" })
      )
      expect([config.auditLogPath, config.backupDir, config.censusDir]).toEqual(["/a/log.jsonl", "/b", "/c"])
    }))
})

describe("PVE_API_TOKEN_SECRET_FILE", () => {
  const { PVE_API_TOKEN_SECRET: _secret, ...rest } = API
  it.effect("reads the secret from an owner-only file; refuses a readable one, a relative path, and both set", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "homelab-mcp-secret-"))
      const file = join(dir, "token-secret")
      writeFileSync(file, `${API.PVE_API_TOKEN_SECRET}\n`, { mode: 0o600 })
      const config = Either.getOrThrow(yield* load({ ...rest, PVE_API_TOKEN_SECRET_FILE: file }))
      expect(Redacted.value(Option.getOrThrow(config.api).tokenSecret)).toBe(API.PVE_API_TOKEN_SECRET)
      chmodSync(file, 0o644)
      yield* failsOn({ ...rest, PVE_API_TOKEN_SECRET_FILE: file }, "PVE_API_TOKEN_SECRET_FILE", /chmod 600/)
      yield* failsOn({ ...rest, PVE_API_TOKEN_SECRET_FILE: "token" }, "PVE_API_TOKEN_SECRET_FILE", /absolute/)
      yield* failsOn({ ...API, PVE_API_TOKEN_SECRET_FILE: file }, "PVE_API_TOKEN_SECRET_FILE", /not both/)
    }))
})

describe("dataDir", () => {
  const at = (env: Record<string, string>, platform: NodeJS.Platform) =>
    dataDir(platform).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  it.effect("follows each OS's convention", () =>
    Effect.gen(function*() {
      expect(yield* at({ HOME: "/home/a", XDG_DATA_HOME: "/x" }, "linux")).toBe("/x/homelab-mcp")
      expect(yield* at({ HOME: "/Users/a" }, "darwin")).toBe("/Users/a/Library/Application Support/homelab-mcp")
      expect(yield* at({ HOME: "C:/Users/a", LOCALAPPDATA: "C:/Users/a/AppData/Local" }, "win32")).toMatch(
        /AppData.Local.homelab-mcp$/
      )
      expect(yield* at({ HOME: "/h", HOMELAB_MCP_DATA_DIR: "/d" }, "linux")).toBe("/d")
    }))
})
