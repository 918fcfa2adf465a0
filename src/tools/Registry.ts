import type { Tier } from "../domain/Tier.js"
import { tierAllows } from "../domain/Tier.js"
import type { AppConfig, AppConfigShape } from "../services/AppConfig.js"
import type { AuditLog } from "../services/AuditLog.js"
import type { BackupStore } from "../services/BackupStore.js"
import type { CensusStore } from "../services/CensusStore.js"
import type { ProxmoxApi } from "../services/ProxmoxApi.js"
import type { RemoteFiles } from "../services/RemoteFiles.js"
import type { RollbackBreaker } from "../services/RollbackBreaker.js"
import type { RootApi } from "../services/RootApi.js"
import type { ServerInfo } from "../services/ServerInfo.js"
import type { SshTransport } from "../services/SshTransport.js"
import type { MutationGate, TierGate } from "../services/TierGate.js"
import type { ToolContext } from "../services/ToolContext.js"
import type { WriteRecovery } from "../services/WriteRecovery.js"
import { makeDescribeGuest } from "./DescribeGuest.js"
import { makeDescribeHomelabCompanion, makeDescribeHomelabObserve } from "./DescribeHomelab.js"
import { makeGuestEditFile, makeHostEditFile } from "./files/EditFile.js"
import { makeGuestReadFile, makeHostReadFile } from "./files/ReadFile.js"
import { diffConfig, revertFile } from "./files/Revert.js"
import { makeGuestWriteFile, makeHostWriteFile } from "./files/WriteFile.js"
import { guestRestart, guestStart, guestStop } from "./GuestLifecycle.js"
import { healthCheck, makeHealthCheckCompanion } from "./HealthCheck.js"
import { listBackups } from "./ListBackups.js"
import { makePctExec } from "./PctExec.js"
import { pctList } from "./PctList.js"
import { qmAgentPing } from "./QmAgentPing.js"
import { makeQmExec } from "./QmExec.js"
import { qmList } from "./QmList.js"
import { makeQueryAudit } from "./QueryAudit.js"
import { makeExecute } from "./root/Execute.js"
import { makeListDirectory } from "./root/ListDirectory.js"
import { serverInfo } from "./ServerInfoTool.js"
import { snapshotDelete, snapshotRollback } from "./SnapshotRollback.js"
import { makeSnapshotCreate, snapshotList } from "./SnapshotTools.js"
import { makeTailLog } from "./TailLog.js"
import type { McpTool } from "./Tool.js"

/** What every tier's layer provides (ToolContext comes from the bridge, per call). */
export type ObserveDeps =
  | AppConfig
  | ProxmoxApi
  | AuditLog
  | BackupStore
  | CensusStore
  | ServerInfo
  | TierGate
  | ToolContext
  | WriteRecovery

/** Operate and above add the capability to change the node. */
export type OperateDeps = ObserveDeps | MutationGate

/** Companion and root add root SSH, root's API through pvesh, file access on the node, and the rollback breaker. */
export type CompanionDeps = OperateDeps | SshTransport | RootApi | RemoteFiles | RollbackBreaker

export const observeTools = (config: AppConfigShape): ReadonlyArray<McpTool<ObserveDeps>> => [
  serverInfo,
  makeDescribeHomelabObserve(config),
  healthCheck,
  pctList,
  qmList,
  qmAgentPing,
  makeQueryAudit({ defaultLimit: config.queryAuditDefaultLimit, maxLimit: config.queryAuditMaxLimit }),
  listBackups
]

export const operateTools: ReadonlyArray<McpTool<OperateDeps>> = [guestStart, guestStop, guestRestart]

/** Companion tools; the census and health check replace their API-only observe versions. */
export const companionTools = (config: AppConfigShape): ReadonlyArray<McpTool<CompanionDeps>> => [
  ...observeTools(config).filter((t) => t.name !== "describe_homelab" && t.name !== "health_check"),
  makeDescribeHomelabCompanion(config),
  makeHealthCheckCompanion(config),
  ...operateTools,
  makeDescribeGuest(config),
  makePctExec(config),
  makeQmExec(config),
  makeTailLog(config),
  snapshotList,
  makeSnapshotCreate(config),
  snapshotRollback,
  snapshotDelete,
  makeGuestReadFile("pct", config),
  makeGuestWriteFile("pct", config),
  makeGuestEditFile("pct", config),
  makeGuestReadFile("qm", config),
  makeGuestWriteFile("qm", config),
  makeGuestEditFile("qm", config),
  diffConfig,
  revertFile
]

/** Root adds the host itself: files, directories and commands (the same layers as companion). */
export const rootTools = (config: AppConfigShape): ReadonlyArray<McpTool<CompanionDeps>> => [
  makeHostReadFile(config),
  makeHostWriteFile(config),
  makeHostEditFile(config),
  makeListDirectory(config),
  makeExecute(config)
]

/** Every tool the server has, for documentation and tests; the tier filter decides what is registered. */
export const allTools = (config: AppConfigShape): ReadonlyArray<McpTool<CompanionDeps>> => [
  ...companionTools(config),
  ...rootTools(config)
]

export const registeredAt = <R>(tier: Tier, tools: ReadonlyArray<McpTool<R>>): ReadonlyArray<McpTool<R>> =>
  tools.filter((t) => tierAllows(tier, t.minTier))
