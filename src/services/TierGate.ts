import { Context } from "effect"
import type { Tier } from "../domain/Tier.js"

/** The tier chosen at startup. Every tier's layer provides it. */
export class TierGate extends Context.Tag("homelab-mcp/TierGate")<TierGate, {
  readonly tier: Tier
  readonly allows: (min: Tier) => boolean
}>() {}

/**
 * Capability token for tools that change the node. Only the layers of `operate` and above provide it, so a
 * mutating tool placed in the observe tool list does not compile.
 */
export class MutationGate extends Context.Tag("homelab-mcp/MutationGate")<MutationGate, {
  readonly tier: Tier
}>() {}
