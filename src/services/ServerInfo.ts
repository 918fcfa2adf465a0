import { Context } from "effect"
import type { PrivilegeStatus } from "../domain/PrivilegeVerdict.js"
import type { Tier } from "../domain/Tier.js"

export interface ServerInfoShape {
  readonly name: string
  readonly version: string
  readonly commit: string
  readonly runtime: string
  readonly tier: Tier
  readonly simulated: boolean
  readonly node: string
  readonly apiEndpoint: string
  readonly sshEndpoint: string | null
  readonly tools: ReadonlyArray<string>
  readonly dataPaths: Readonly<Record<string, string>>
  readonly warnings: ReadonlyArray<string>
  /** The API token versus the tier, read at startup (ADR 0009). */
  readonly privileges: PrivilegeStatus
}

/** What the server knows about itself, assembled once at startup. */
export class ServerInfo extends Context.Tag("homelab-mcp/ServerInfo")<ServerInfo, ServerInfoShape>() {}
