import type { Tier } from "../domain/Tier.js"
import { tierAllows } from "../domain/Tier.js"
import type { AppConfig, AppConfigShape } from "../services/AppConfig.js"
import type { AuditLog } from "../services/AuditLog.js"
import type { BackupStore } from "../services/BackupStore.js"
import type { CensusStore } from "../services/CensusStore.js"
import type { ProxmoxApi } from "../services/ProxmoxApi.js"
import type { ServerInfo } from "../services/ServerInfo.js"
import type { MutationGate, TierGate } from "../services/TierGate.js"
import type { ToolContext } from "../services/ToolContext.js"
import { describeHomelab } from "./DescribeHomelab.js"
import { guestRestart, guestStart, guestStop } from "./GuestLifecycle.js"
import { healthCheck } from "./HealthCheck.js"
import { listBackups } from "./ListBackups.js"
import { pctList } from "./PctList.js"
import { qmAgentPing } from "./QmAgentPing.js"
import { qmList } from "./QmList.js"
import { makeQueryAudit } from "./QueryAudit.js"
import { serverInfo } from "./ServerInfoTool.js"
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

/** Operate and above add the capability to change the node. */
export type OperateDeps = ObserveDeps | MutationGate

export const observeTools = (config: AppConfigShape): ReadonlyArray<McpTool<ObserveDeps>> => [
  serverInfo,
  describeHomelab,
  healthCheck,
  pctList,
  qmList,
  qmAgentPing,
  makeQueryAudit({ defaultLimit: config.queryAuditDefaultLimit, maxLimit: config.queryAuditMaxLimit }),
  listBackups
]

export const operateTools: ReadonlyArray<McpTool<OperateDeps>> = [guestStart, guestStop, guestRestart]

/** Every tool the server has, for documentation and tests; the tier filter decides what is registered. */
export const allTools = (config: AppConfigShape): ReadonlyArray<McpTool<OperateDeps>> => [
  ...observeTools(config),
  ...operateTools
]

export const registeredAt = <R>(tier: Tier, tools: ReadonlyArray<McpTool<R>>): ReadonlyArray<McpTool<R>> =>
  tools.filter((t) => tierAllows(tier, t.minTier))
