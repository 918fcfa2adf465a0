import { Effect, Option, Redacted } from "effect"
import { isAbsolute, join } from "node:path"
import { normalizeFingerprint } from "../../domain/Fingerprint.js"
import { ROOT_ACKNOWLEDGMENT } from "../../domain/Tier.js"
import type { Tier } from "../../domain/Tier.js"
import type { ApiSettings, AppConfigShape, SshSettings } from "../../services/AppConfig.js"
import { dataDir } from "./DataDir.js"
import { decimal, flag, integer, invalid, ordered, raw } from "./Env.js"
import { filesFrom } from "./FileConfig.js"
import { privilegesFrom } from "./PrivilegeConfig.js"
import { tokenSecret } from "./SecretConfig.js"

/** A store path must be absolute: a relative one would differ per working directory (a fresh, empty pin store). */
const absolute = (name: string, fallback: () => string) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(fallback())
    return isAbsolute(value.value)
      ? Effect.succeed(value.value)
      : Effect.fail(invalid(name, `${name}=${JSON.stringify(value.value)} must be an absolute path`))
  })

const simState = Effect.flatMap(raw("HOMELAB_MCP_SIM_STATE"), (value) => {
  if (Option.isNone(value) || value.value === "") return Effect.succeed({})
  return isAbsolute(value.value)
    ? Effect.succeed({ simStatePath: value.value })
    : Effect.fail(invalid("HOMELAB_MCP_SIM_STATE", "HOMELAB_MCP_SIM_STATE must be an absolute path"))
})

const API_VARS = ["PVE_API_BASE_URL", "PVE_API_TOKEN_ID", "PVE_API_TOKEN_SECRET", "PVE_API_NODE"] as const

const tierFrom = Effect.gen(function*() {
  const tier = yield* raw("MCP_TIER")
  const ack = yield* raw("MCP_HOST_ROOT_ENABLED")
  const selected = Option.getOrElse(tier, () => "observe").trim()
  if (!["observe", "operate", "companion"].includes(selected)) {
    return yield* invalid(
      "MCP_TIER",
      selected === "root"
        ? "MCP_TIER=root is not accepted: root is enabled only by MCP_HOST_ROOT_ENABLED on top of MCP_TIER=companion"
        : `MCP_TIER=${JSON.stringify(selected)} must be observe, operate or companion (unset means observe)`
    )
  }
  if (Option.isNone(ack)) return selected as Tier
  if (ack.value !== ROOT_ACKNOWLEDGMENT) {
    return yield* invalid(
      "MCP_HOST_ROOT_ENABLED",
      "MCP_HOST_ROOT_ENABLED is set but is not the exact acknowledgment string from the README; unset it to stay below root"
    )
  }
  if (Option.isSome(tier) && selected !== "companion") {
    return yield* invalid(
      "MCP_TIER",
      `MCP_TIER=${selected} contradicts MCP_HOST_ROOT_ENABLED: root builds on companion, so set MCP_TIER=companion or unset it`
    )
  }
  return "root" as Tier
})

const fingerprint = (name: string) =>
  Effect.flatMap(raw(name), (value) => {
    if (Option.isNone(value)) return Effect.succeed(Option.none<string>())
    const fp = normalizeFingerprint(value.value)
    return Option.isSome(fp)
      ? Effect.succeed(fp)
      : Effect.fail(invalid(name, `${name} must be a SHA-256 fingerprint (SHA256:<base64> or AA:BB:… hex)`))
  })

const apiFrom = (data: string) =>
  Effect.gen(function*() {
    const secret = yield* tokenSecret
    const values = yield* Effect.forEach(
      API_VARS,
      (name) => (name === "PVE_API_TOKEN_SECRET" ? Effect.succeed(secret) : raw(name))
    )
    const missing = API_VARS.filter((_, i) => Option.isNone(values[i] ?? Option.none()))
    if (missing.length === API_VARS.length) return Option.none<ApiSettings>()
    if (missing.length > 0) {
      return yield* invalid(
        missing[0] ?? "PVE_API_BASE_URL",
        `${missing.join(", ")} not set: the API needs all of ${API_VARS.join(", ")}`
      )
    }
    const [base, tokenId, secretText, node] = values.map((v) => Option.getOrElse(v, () => "").trim())
    const url = URL.canParse(base ?? "") ? new URL(base ?? "") : undefined
    if (url === undefined || url.protocol !== "https:" || !/\/api2\/json\/?$/.test(url.pathname)) {
      return yield* invalid("PVE_API_BASE_URL", "PVE_API_BASE_URL must look like https://<node>:8006/api2/json")
    }
    if (!/^[^@!\s]+@[^@!\s]+![A-Za-z][A-Za-z0-9._-]*$/.test(tokenId ?? "")) {
      return yield* invalid(
        "PVE_API_TOKEN_ID",
        "PVE_API_TOKEN_ID must be USER@REALM!TOKENNAME, e.g. mcp@pve!mcp-observe"
      )
    }
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(node ?? "")) {
      return yield* invalid(
        "PVE_API_NODE",
        "PVE_API_NODE must be the Proxmox node name (letters, digits, dashes), e.g. pve"
      )
    }
    // URL drops an explicit :443 (the https default), so read the port from the text; no port means PVE's 8006.
    const port = url.port !== ""
      ? url.port
      : /^https:\/\/(\[[^\]]+\]|[^/:]+):443(\/|$)/.test(base ?? "")
      ? "443"
      : "8006"
    return Option.some<ApiSettings>({
      baseUrl: `${url.protocol}//${url.hostname}:${port}${url.pathname.replace(/\/$/, "")}`,
      endpoint: `${url.hostname}:${port}`,
      tokenId: tokenId ?? "",
      tokenSecret: Redacted.make(secretText ?? ""),
      node: node ?? "",
      fingerprint: yield* fingerprint("PVE_API_TLS_FINGERPRINT"),
      knownCertsPath: yield* absolute("PVE_API_KNOWN_CERTS_PATH", () => join(data, "known_certs.json")),
      timeoutMs: yield* integer("PVE_API_TIMEOUT_MS", 15_000, 500, 300_000)
    })
  })

const sshFrom = (data: string) =>
  Effect.gen(function*() {
    const host = yield* raw("SSH_HOST")
    if (Option.isNone(host)) return Option.none<SshSettings>()
    return Option.some<SshSettings>({
      host: host.value.trim(),
      port: yield* integer("SSH_PORT", 22, 1, 65_535),
      user: Option.getOrElse(yield* raw("SSH_USER"), () => "root"),
      keyPath: yield* absolute("SSH_KEY_PATH", () => ""),
      fingerprint: yield* fingerprint("SSH_HOST_KEY_FINGERPRINT"),
      knownHostsPath: yield* absolute("SSH_KNOWN_HOSTS_PATH", () => join(data, "known_hosts.json")),
      reconnectDelayMs: yield* integer("SSH_RECONNECT_DELAY_MS", 3000, 100, 600_000),
      commandGraceMs: yield* integer("SSH_COMMAND_TIMEOUT_GRACE_MS", 10_000, 1000, 600_000)
    })
  })

/** Comma lists: trimmed, empties dropped (the original left three lists untrimmed; that quirk is not kept). */
const list = (name: string) =>
  Effect.map(raw(name), Option.map((v) => v.split(",").map((x) => x.trim()).filter((x) => x !== "")))

const absolutePaths = (name: string, fallback: ReadonlyArray<string>) =>
  Effect.flatMap(list(name), (value) => {
    const paths = Option.getOrElse(value, () => fallback)
    const bad = paths.find((p) => !p.startsWith("/"))
    return bad === undefined
      ? Effect.succeed(paths)
      : Effect.fail(
        invalid(name, `${name} must list absolute paths separated by commas; ${JSON.stringify(bad)} is not`)
      )
  })

const censusFrom = Effect.gen(function*() {
  return {
    retentionCap: yield* integer("CENSUS_RETENTION_CAP", 30, 1, 10_000),
    maxItemsPerSection: yield* integer("CENSUS_MAX_ITEMS_PER_SECTION", 200, 1, 100_000),
    maxResponseBytes: yield* integer("CENSUS_MAX_RESPONSE_BYTES", 524_288, 16_384, 64 * 1024 * 1024),
    storageDriftPct: yield* decimal("CENSUS_STORAGE_DRIFT_PCT", 10, 0.1, 100),
    probeTimeoutMs: yield* integer("CENSUS_PROBE_TIMEOUT_MS", 10_000, 1000, 300_000),
    budgetMs: yield* integer("CENSUS_BUDGET_MS", 120_000, 5000, 3_600_000)
  }
})

const guardFrom = Effect.gen(function*() {
  return {
    commandDenylist: yield* list("COMMAND_DENYLIST"),
    pathAllowlist: yield* absolutePaths("PATH_ALLOWLIST", []),
    pathDenylist: yield* absolutePaths("PATH_DENYLIST", ["/proc", "/sys", "/dev"]),
    redactionExtraKeys: Option.getOrElse(yield* list("REDACTION_EXTRA_KEYS"), () => []),
    tailLinesCap: yield* integer("TAIL_LINES_CAP", 500, 1, 10_000),
    probeTimeoutMs: yield* integer("HEALTH_PROBE_TIMEOUT_MS", 10_000, 1000, 300_000),
    snapshotPerGuestCap: yield* integer("SNAPSHOT_PER_GUEST_CAP", 3, 1, 50),
    snapshotVmstate: yield* flag("SNAPSHOT_VMSTATE"),
    breaker: {
      enabled: !(yield* Effect.map(raw("ROLLBACK_BREAKER_ENABLED"), (v) =>
        Option.getOrElse(v, () => "true") === "false")),
      limit: yield* integer("ROLLBACK_BREAKER_LIMIT", 3, 1, 100),
      windowMs: yield* integer("ROLLBACK_BREAKER_WINDOW_MS", 600_000, 1000, 86_400_000)
    }
  }
})

/** Reads and validates the whole configuration once; the first problem found is reported. */
export const loadConfig = (options: { readonly simulated: boolean; readonly needsNode?: boolean }) =>
  Effect.gen(function*() {
    const tier = yield* tierFrom
    const data = yield* dataDir()
    const simulated = options.simulated || (yield* flag("HOMELAB_MCP_SIMULATED"))
    const api = yield* apiFrom(data)
    const needsNode = options.needsNode ?? true
    if (needsNode && !simulated && Option.isNone(api)) {
      return yield* invalid(
        "PVE_API_BASE_URL",
        "PVE_API_BASE_URL is not set: configure PVE_API_BASE_URL, PVE_API_TOKEN_ID, PVE_API_TOKEN_SECRET and PVE_API_NODE, or run with --simulated"
      )
    }
    const ssh = yield* sshFrom(data)
    if ((tier === "companion" || tier === "root") && !simulated && needsNode) {
      if (Option.isNone(ssh)) {
        return yield* invalid("SSH_HOST", `${tier} tier needs root SSH to the node: set SSH_HOST and SSH_KEY_PATH`)
      }
      if (ssh.value.keyPath === "") {
        return yield* invalid(
          "SSH_KEY_PATH",
          `${tier} tier needs SSH_KEY_PATH: the private key for root SSH to the node`
        )
      }
    }
    if (Option.isSome(yield* raw("SSH_SKIP_HOST_VERIFICATION"))) {
      return yield* invalid(
        "SSH_SKIP_HOST_VERIFICATION",
        "SSH_SKIP_HOST_VERIFICATION is not supported: the SSH host key is always verified (pin it with SSH_HOST_KEY_FINGERPRINT, or let the first connection record it)"
      )
    }
    const queryAuditMaxLimit = yield* integer("QUERY_AUDIT_MAX_LIMIT", 200, 1, 1000)
    const queryAuditDefaultLimit = yield* integer("QUERY_AUDIT_DEFAULT_LIMIT", 50, 1, 1000)
    if (queryAuditDefaultLimit > queryAuditMaxLimit) {
      return yield* invalid(
        "QUERY_AUDIT_DEFAULT_LIMIT",
        `QUERY_AUDIT_DEFAULT_LIMIT must not exceed QUERY_AUDIT_MAX_LIMIT (${queryAuditMaxLimit})`
      )
    }
    const health = {
      loadWarnRatio: yield* decimal("HEALTH_LOAD_WARN_RATIO", 0.8, 0, 1000),
      loadCritRatio: yield* decimal("HEALTH_LOAD_CRIT_RATIO", 1.5, 0, 1000),
      memWarnPct: yield* decimal("HEALTH_MEM_WARN_PCT", 85, 0, 100),
      memCritPct: yield* decimal("HEALTH_MEM_CRIT_PCT", 95, 0, 100),
      fsWarnPct: yield* decimal("HEALTH_FS_WARN_PCT", 80, 0, 100),
      fsCritPct: yield* decimal("HEALTH_FS_CRIT_PCT", 90, 0, 100),
      failedUnitsCrit: Option.getOrElse(yield* list("HEALTH_FAILED_UNITS_CRIT"), () => []),
      pendingUpdatesWarn: yield* integer("HEALTH_PENDING_UPDATES_WARN", 50, 0, 100_000)
    }
    yield* ordered("HEALTH_LOAD_WARN_RATIO", health.loadWarnRatio, "HEALTH_LOAD_CRIT_RATIO", health.loadCritRatio)
    yield* ordered("HEALTH_MEM_WARN_PCT", health.memWarnPct, "HEALTH_MEM_CRIT_PCT", health.memCritPct)
    yield* ordered("HEALTH_FS_WARN_PCT", health.fsWarnPct, "HEALTH_FS_CRIT_PCT", health.fsCritPct)
    const path = (name: string, file: string) => absolute(name, () => join(data, file))
    return {
      tier,
      simulated,
      dataDir: data,
      api,
      ssh,
      ...(simulated ? yield* simState : {}),
      auditLogPath: yield* path("AUDIT_LOG_PATH", "audit.jsonl"),
      backupDir: yield* path("BACKUP_DIR", "backups"),
      censusDir: yield* path("CENSUS_DIR", "census"),
      queryAuditDefaultLimit,
      queryAuditMaxLimit,
      health,
      verifyTimeoutMs: yield* integer("GUEST_VERIFY_TIMEOUT_MS", 60_000, 1000, 600_000),
      verifyIntervalMs: yield* integer("GUEST_VERIFY_INTERVAL_MS", 1000, 100, 60_000),
      census: yield* censusFrom,
      guard: yield* guardFrom,
      files: yield* filesFrom,
      privileges: yield* privilegesFrom
    } satisfies AppConfigShape
  })
