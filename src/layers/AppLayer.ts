import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer, Option } from "effect"
import { COMMIT, SERVER_NAME, VERSION } from "../domain/BuildInfo.js"
import type { NotConfigured } from "../domain/Errors.js"
import type { Tier } from "../domain/Tier.js"
import { tierAllows } from "../domain/Tier.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { ServerInfo } from "../services/ServerInfo.js"
import { MutationGate, TierGate } from "../services/TierGate.js"
import type { ToolContext } from "../services/ToolContext.js"
import type { ObserveDeps, OperateDeps } from "../tools/Registry.js"
import { observeTools, operateTools, registeredAt } from "../tools/Registry.js"
import type { McpTool } from "../tools/Tool.js"
import { AuditLogJsonl } from "./AuditLogJsonl.js"
import { BackupStoreFs } from "./BackupStoreFs.js"
import { CensusStoreFs } from "./CensusStoreFs.js"
import { ProxmoxApiHttp } from "./ProxmoxApiHttp.js"
import type { SimRole } from "./ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated } from "./ProxmoxApiSimulated.js"

export type StartupError = NotConfigured

/** The tools of one tier and the layer that provides exactly what they need. */
export interface TierPlan<Tag extends string, R> {
  readonly _tag: Tag
  readonly tools: ReadonlyArray<McpTool<R>>
  readonly layer: Layer.Layer<Exclude<R, ToolContext>, StartupError>
}

export type Plan = TierPlan<"observe", ObserveDeps> | TierPlan<"operate", OperateDeps>

/** The simulated node answers with the role a real setup gives each tier's token. */
const simRole = (tier: Tier): SimRole => (tier === "observe" ? "auditor" : tier === "root" ? "full" : "operate")

const runtimeName =
  () => (process.versions.bun === undefined ? `node ${process.version}` : `bun ${process.versions.bun}`)

/** The API layer for the configuration: the pinned HTTPS client, or the simulated node. */
export const apiLayer = (config: AppConfigShape): Layer.Layer<ProxmoxApi, NotConfigured> =>
  config.simulated
    ? ProxmoxApiSimulated.layer({ role: simRole(config.tier) })
    : ProxmoxApiHttp.pipe(Layer.provide(Layer.succeed(AppConfig, config)))

const baseLayer = (
  config: AppConfigShape,
  tools: ReadonlyArray<string>,
  Api: Layer.Layer<ProxmoxApi, NotConfigured>
) => {
  const ConfigLive = Layer.succeed(AppConfig, config)
  const Stores = Layer.mergeAll(AuditLogJsonl, BackupStoreFs, CensusStoreFs).pipe(
    Layer.provide(Layer.merge(ConfigLive, NodeFileSystem.layer))
  )
  const Gate = Layer.succeed(TierGate, { tier: config.tier, allows: (min: Tier) => tierAllows(config.tier, min) })
  const Info = Layer.effect(
    ServerInfo,
    Effect.map(ProxmoxApi, (api) =>
      ServerInfo.of({
        name: SERVER_NAME,
        version: VERSION,
        commit: COMMIT,
        runtime: runtimeName(),
        tier: config.tier,
        simulated: config.simulated,
        node: api.node,
        apiEndpoint: api.endpoint,
        sshEndpoint: Option.match(config.ssh, { onNone: () => null, onSome: (s) => `${s.host}:${s.port}` }),
        tools,
        dataPaths: {
          dataDir: config.dataDir,
          auditLog: config.auditLogPath,
          backupDir: config.backupDir,
          censusDir: config.censusDir,
          ...Option.match(config.api, { onNone: () => ({}), onSome: (a) => ({ knownCerts: a.knownCertsPath }) }),
          ...Option.match(config.ssh, { onNone: () => ({}), onSome: (s) => ({ knownHosts: s.knownHostsPath }) })
        },
        warnings: config.simulated ? ["simulated node: nothing real is read or changed"] : []
      }))
  ).pipe(Layer.provide(Api))
  return Layer.mergeAll(ConfigLive, Api, Stores, Gate, Info)
}

/** `api` defaults to `apiLayer(config)`; tests pass a simulated node they keep a handle on. */
export const planFor = (config: AppConfigShape, api = apiLayer(config)): Plan => {
  if (!tierAllows(config.tier, "operate")) {
    const tools = observeTools(config)
    return { _tag: "observe", tools, layer: baseLayer(config, tools.map((t) => t.name), api) }
  }
  const tools = registeredAt<OperateDeps>(config.tier, [...observeTools(config), ...operateTools])
  const Mutations = Layer.succeed(MutationGate, { tier: config.tier })
  return { _tag: "operate", tools, layer: Layer.merge(baseLayer(config, tools.map((t) => t.name), api), Mutations) }
}
