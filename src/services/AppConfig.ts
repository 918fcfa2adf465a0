import type { Option, Redacted } from "effect"
import { Context } from "effect"
import type { Tier } from "../domain/Tier.js"

export interface ApiSettings {
  /** Base URL including `/api2/json`. */
  readonly baseUrl: string
  /** `host:port` of the API, the key of the TOFU certificate store. */
  readonly endpoint: string
  readonly tokenId: string
  readonly tokenSecret: Redacted.Redacted<string>
  readonly node: string
  /** Normalised `SHA256:<base64>` pin, when configured. */
  readonly fingerprint: Option.Option<string>
  readonly knownCertsPath: string
  readonly timeoutMs: number
}

export interface SshSettings {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly keyPath: string
  readonly fingerprint: Option.Option<string>
  readonly knownHostsPath: string
  /** Base delay of the reconnect backoff (`SSH_RECONNECT_DELAY_MS`). */
  readonly reconnectDelayMs: number
  /** Client backstop added on top of the node-side timeout (`SSH_COMMAND_TIMEOUT_GRACE_MS`). */
  readonly commandGraceMs: number
}

export interface HealthThresholds {
  readonly loadWarnRatio: number
  readonly loadCritRatio: number
  readonly memWarnPct: number
  readonly memCritPct: number
  readonly fsWarnPct: number
  readonly fsCritPct: number
  /** Failed units that escalate the units check to crit (`HEALTH_FAILED_UNITS_CRIT`). */
  readonly failedUnitsCrit: ReadonlyArray<string>
  readonly pendingUpdatesWarn: number
}

export interface CensusSettings {
  readonly retentionCap: number
  readonly maxItemsPerSection: number
  readonly maxResponseBytes: number
  readonly storageDriftPct: number
  readonly probeTimeoutMs: number
  readonly budgetMs: number
}

/** The server's own guardrails (companion and root). */
export interface GuardSettings {
  /** `COMMAND_DENYLIST`: replaces the default configured denylist when set. */
  readonly commandDenylist: Option.Option<ReadonlyArray<string>>
  readonly pathAllowlist: ReadonlyArray<string>
  readonly pathDenylist: ReadonlyArray<string>
  /** `REDACTION_EXTRA_KEYS`: more secret key fragments for every redacted output. */
  readonly redactionExtraKeys: ReadonlyArray<string>
  readonly tailLinesCap: number
  readonly probeTimeoutMs: number
  readonly snapshotPerGuestCap: number
  readonly snapshotVmstate: boolean
  readonly breaker: { readonly enabled: boolean; readonly limit: number; readonly windowMs: number }
}

/** File tools and the backup store (original-spec §1.2 names and defaults). */
export interface FileSettings {
  /** `READ_FILE_MAX_BYTES` (2 MiB): the most a read returns, and the most a write or edit reads back. */
  readonly readFileMaxBytes: number
  /** `QM_WRITE_MAX_BYTES` (60000): the guest-agent write payload cap. */
  readonly qmWriteMaxBytes: number
  /** `LARGE_FILE_BYTES` (1 MiB): the large-change threshold, and the pre-image size above which the policy applies. */
  readonly largeFileBytes: number
  /** `LARGE_FILE_POLICY`: `diff` keeps large pre-images; `metadata-only` needs `allowUnbacked` to overwrite them. */
  readonly largeFilePolicy: "diff" | "metadata-only"
  /** `PER_FILE_VERSION_CAP` (10): versions kept per target. */
  readonly perFileVersionCap: number
  /** `GLOBAL_SIZE_CAP_BYTES` (100 MiB): total size of the stored blobs. */
  readonly globalSizeCapBytes: number
  /** `DISK_PRESSURE_FAIL_SAFE`: over the cap after eviction, `refuse` the write or `warn` and go on. */
  readonly diskPressureFailSafe: "refuse" | "warn"
  /** `CONTAINER_NEW_FILE_MODE` / `_UID` / `_GID` (0644, 0, 0): a new file's mode and owner. */
  readonly newFileMode: number
  readonly newFileUid: number
  readonly newFileGid: number
  /** `NODE_TEMP_DIR` (/tmp): staging on the node for `pct push`/`pull`. */
  readonly nodeTempDir: string
}

/** Token versus tier at startup (ADR 0009). */
export interface PrivilegeSettings {
  /** Read the token's privileges at startup; only test harnesses that give the token another role turn it off. */
  readonly check: boolean
  /** `MCP_STRICT_PRIVILEGES`: a token broader than the tier refuses to start instead of warning. */
  readonly strict: boolean
}

export interface AppConfigShape {
  readonly tier: Tier
  readonly simulated: boolean
  /** `HOMELAB_MCP_SIM_STATE`: with --simulated, keep the simulated node's state in this file across restarts. */
  readonly simStatePath?: string
  readonly dataDir: string
  /** Empty when the API is not configured (only possible with --simulated). */
  readonly api: Option.Option<ApiSettings>
  readonly ssh: Option.Option<SshSettings>
  readonly auditLogPath: string
  readonly backupDir: string
  readonly censusDir: string
  readonly queryAuditDefaultLimit: number
  readonly queryAuditMaxLimit: number
  readonly health: HealthThresholds
  /** How long lifecycle tools poll for the final guest state after the task ended. */
  readonly verifyTimeoutMs: number
  readonly verifyIntervalMs: number
  readonly census: CensusSettings
  readonly guard: GuardSettings
  readonly files: FileSettings
  readonly privileges: PrivilegeSettings
}

export class AppConfig extends Context.Tag("homelab-mcp/AppConfig")<AppConfig, AppConfigShape>() {}
