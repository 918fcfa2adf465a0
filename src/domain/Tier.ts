import { Schema } from "effect"

export const TIERS = ["observe", "operate", "companion", "root"] as const

export const Tier = Schema.Literal(...TIERS)
export type Tier = typeof Tier.Type

/** `MCP_TIER` accepts only the three tiers below root; root needs the acknowledgment flag. */
export const SelectableTier = Schema.Literal("observe", "operate", "companion")
export type SelectableTier = typeof SelectableTier.Type

export const ROOT_ACKNOWLEDGMENT = "I-understand-Claude-gets-root-and-can-break-this-node"

export const tierRank = (tier: Tier): number => TIERS.indexOf(tier)

/** True when a tool whose floor is `min` may run at the `active` tier. */
export const tierAllows = (active: Tier, min: Tier): boolean => tierRank(active) >= tierRank(min)
