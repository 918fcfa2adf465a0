import { Context } from "effect"
import type { ProxmoxApiShape } from "./ProxmoxApi.js"

/**
 * The PVE API as root, reached with `pvesh` over the pinned SSH channel (companion and root tiers only). Snapshot and
 * guest-agent calls need privileges no tier token should carry; at companion the server's guardrails bound them.
 */
export class RootApi extends Context.Tag("homelab-mcp/RootApi")<RootApi, ProxmoxApiShape>() {}
