import { Effect, Schema } from "effect"
import { PrivilegeStatus } from "../domain/PrivilegeVerdict.js"
import { Tier } from "../domain/Tier.js"
import { ServerInfo } from "../services/ServerInfo.js"
import { readsLocal } from "./Annotations.js"
import { defineTool } from "./Runner.js"
import { NoInput } from "./Tool.js"

const Output = Schema.Struct({
  name: Schema.String,
  version: Schema.String,
  commit: Schema.String,
  runtime: Schema.String,
  tier: Tier,
  simulated: Schema.Boolean,
  node: Schema.String,
  apiEndpoint: Schema.String,
  sshEndpoint: Schema.NullOr(Schema.String),
  tools: Schema.Array(Schema.String),
  dataPaths: Schema.Record({ key: Schema.String, value: Schema.String }),
  warnings: Schema.Array(Schema.String),
  privileges: PrivilegeStatus
})

export const serverInfo = defineTool({
  name: "server_info",
  title: "About this server",
  description: "Version, build commit, runtime, active tier, the node it manages, the tools registered at this " +
    "tier, where it keeps its local data (audit log, backups, pins), and whether its API token holds more than the " +
    "tier needs (privileges.status exact, broader or unchecked). Changes nothing.",
  minTier: "observe",
  annotations: readsLocal,
  input: NoInput,
  output: Output,
  timeout: "5 seconds",
  handler: () => Effect.map(ServerInfo, (info) => ({ ...info }))
})
