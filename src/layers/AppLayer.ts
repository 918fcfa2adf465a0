import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer, Option } from "effect"
import { COMMIT, SERVER_NAME, VERSION } from "../domain/BuildInfo.js"
import type { NotConfigured } from "../domain/Errors.js"
import type { PrivilegeRefused } from "../domain/PrivilegeVerdict.js"
import type { Tier } from "../domain/Tier.js"
import { tierAllows } from "../domain/Tier.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { AppConfig } from "../services/AppConfig.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { ServerInfo } from "../services/ServerInfo.js"
import type { SshTransport } from "../services/SshTransport.js"
import { MutationGate, TierGate } from "../services/TierGate.js"
import type { ToolContext } from "../services/ToolContext.js"
import type { CompanionDeps, ObserveDeps, OperateDeps } from "../tools/Registry.js"
import { companionTools, observeTools, operateTools, registeredAt, rootTools } from "../tools/Registry.js"
import type { McpTool } from "../tools/Tool.js"
import { AuditLogJsonl } from "./AuditLogJsonl.js"
import { BackupStoreFs } from "./BackupStoreFs.js"
import { CensusStoreFs } from "./CensusStoreFs.js"
import { startupPrivileges } from "./PrivilegeCheck.js"
import { ProxmoxApiHttp } from "./ProxmoxApiHttp.js"
import { RootApiPvesh } from "./ProxmoxApiPvesh.js"
import type { SimRole } from "./ProxmoxApiSimulated.js"
import { RollbackBreakerMemory } from "./RollbackBreakerMemory.js"
import { WriteRecoveryLive, WriteRecoveryLocal } from "./WriteRecoveryLive.js"

export type StartupError = NotConfigured | PrivilegeRefused

/** The tools of one tier and the layer that provides exactly what they need. */
export interface TierPlan<Tag extends string, R> {
  readonly _tag: Tag
  readonly tools: ReadonlyArray<McpTool<R>>
  readonly layer: Layer.Layer<Exclude<R, ToolContext>, StartupError>
}

export type Plan =
  | TierPlan<"observe", ObserveDeps>
  | TierPlan<"operate", OperateDeps>
  | TierPlan<"companion", CompanionDeps>

/** The simulated node answers with the role a real setup gives each tier's token (root is a companion install). */
const simRole = (tier: Tier): SimRole => (tier === "observe" ? "auditor" : "operate")

const runtimeName =
  () => (process.versions.bun === undefined ? `node ${process.version}` : `bun ${process.versions.bun}`)

export interface NodeLayers {
  readonly api: Layer.Layer<ProxmoxApi, NotConfigured>
  readonly ssh: Layer.Layer<SshTransport, NotConfigured>
}

/**
 * The two channels to the node: the pinned HTTPS API and pinned root SSH, or the simulated node behind both (one
 * shared state, so a start through the API shows in `pct list` over the shell). SSH is only built at companion+.
 */
export const nodeLayers = (config: AppConfigShape): NodeLayers => {
  if (config.simulated) {
    // Loaded only with --simulated: the simulator's code and seed data stay out of a real server's startup.
    // One layer value provides both ports, so the build memoizes it: a single simulated state behind API and SSH.
    const both = Layer.unwrapEffect(
      Effect.promise(() => import("./SimulatedNode.js")).pipe(
        Effect.map((m) => m.simulatedNode(simRole(config.tier), config.simStatePath))
      )
    )
    return { api: both, ssh: both }
  }
  const ConfigLive = Layer.succeed(AppConfig, config)
  // ssh2 is loaded only when the SSH layer is built (companion and root), not at observe or operate.
  const ssh = Layer.unwrapEffect(
    Effect.promise(() => import("./SshTransportLive.js")).pipe(Effect.map((m) => m.SshTransportLive))
  )
  return { api: ProxmoxApiHttp.pipe(Layer.provide(ConfigLive)), ssh: ssh.pipe(Layer.provide(ConfigLive)) }
}

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
  // The token is compared with the tier once, here: too weak (or broader, when strict) fails the build (ADR 0009).
  const Info = Layer.effect(
    ServerInfo,
    Effect.zipWith(ProxmoxApi, startupPrivileges(config), (api, privileges) =>
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
        warnings: config.simulated ? ["simulated node: nothing real is read or changed"] : [],
        privileges
      }))
  ).pipe(Layer.provide(Api))
  return Layer.mergeAll(ConfigLive, Api, Stores, Gate, Info)
}

/** `node` defaults to `nodeLayers(config)`; tests pass a simulated node they keep a handle on. */
export const planFor = (config: AppConfigShape, node = nodeLayers(config)): Plan => {
  if (!tierAllows(config.tier, "operate")) {
    const tools = observeTools(config)
    const layer = Layer.provideMerge(WriteRecoveryLocal, baseLayer(config, tools.map((t) => t.name), node.api))
    return { _tag: "observe", tools, layer }
  }
  const Mutations = Layer.succeed(MutationGate, { tier: config.tier })
  if (!tierAllows(config.tier, "companion")) {
    const tools = registeredAt<OperateDeps>(config.tier, [...observeTools(config), ...operateTools])
    return {
      _tag: "operate",
      tools,
      layer: Layer.merge(
        Layer.provideMerge(WriteRecoveryLocal, baseLayer(config, tools.map((t) => t.name), node.api)),
        Mutations
      )
    }
  }
  const tools = registeredAt<CompanionDeps>(config.tier, [...companionTools(config), ...rootTools(config)])
  const base = Layer.merge(baseLayer(config, tools.map((t) => t.name), node.api), Mutations)
  const ConfigLive = Layer.succeed(AppConfig, config)
  // The node-side file scripts are loaded only at companion and root, like ssh2.
  const Files = Layer.unwrapEffect(
    Effect.promise(() => import("./RemoteFilesSsh.js")).pipe(Effect.map((m) => m.RemoteFilesSsh))
  ).pipe(Layer.provide(Layer.merge(node.ssh, ConfigLive)))
  const Companion = Layer.mergeAll(
    node.ssh,
    RootApiPvesh.pipe(Layer.provide(Layer.merge(node.ssh, node.api))),
    RollbackBreakerMemory.pipe(Layer.provide(ConfigLive)),
    Files
  )
  const WithFiles = Layer.merge(base, Companion)
  return { _tag: "companion", tools, layer: Layer.provideMerge(WriteRecoveryLive, WithFiles) }
}
