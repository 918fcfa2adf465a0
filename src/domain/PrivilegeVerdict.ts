import { Either, Option, Schema } from "effect"
import type { Tier } from "./Tier.js"
import type { EffectivePermissions, PveMajor } from "./TierPrivileges.js"
import {
  comparePrivileges,
  formatPrivileges,
  pveMajorOf,
  pveumGrant,
  setupTierOf,
  tierRoleName
} from "./TierPrivileges.js"

/** One privilege and the ACL path it was found (or is needed) on. */
export const PrivilegeAt = Schema.Struct({ privilege: Schema.String, path: Schema.String })

/** What `server_info`, the banner and doctor say about the token versus the tier (ADR 0009). */
export const PrivilegeStatus = Schema.Struct({
  status: Schema.Literal("exact", "broader", "unchecked"),
  /** The PVE release the comparison used, e.g. `9.0.10`; null when it could not be read. */
  pveVersion: Schema.NullOr(Schema.String),
  excess: Schema.Array(PrivilegeAt),
  warning: Schema.optionalWith(Schema.String, { exact: true })
})
export type PrivilegeStatus = typeof PrivilegeStatus.Type

/** The token does not fit the tier: too weak, or broader with `MCP_STRICT_PRIVILEGES=1`. The server does not start. */
export class PrivilegeRefused extends Schema.TaggedError<PrivilegeRefused>()("PrivilegeRefused", {
  /** One line: what is wrong, then `fix: …`. */
  message: Schema.String,
  /** The fix alone (doctor prints it in its own column). */
  fix: Schema.String,
  missing: Schema.Array(PrivilegeAt),
  excess: Schema.Array(PrivilegeAt)
}) {}

/** What the token told us about itself: `GET /version` and `GET /access/permissions`, or why they could not be read. */
export type PrivilegeReading =
  | { readonly _tag: "Read"; readonly version: string; readonly permissions: EffectivePermissions }
  | { readonly _tag: "Unreadable"; readonly reason: string }

export interface VerdictOptions {
  readonly strict: boolean
  /** `mcp@pve!mcp-operate`, for the pveum fix; absent on the simulated node. */
  readonly tokenId: Option.Option<string>
}

export const unchecked = (reason: string): PrivilegeStatus => ({
  status: "unchecked",
  pveVersion: null,
  excess: [],
  warning: `token privileges not checked: ${reason}`
})

/** How to give the token exactly the tier's role: setup, or the pveum lines for the configured token. */
export const privilegeFix = (tier: Tier, pve: PveMajor, tokenId: Option.Option<string>): string => {
  const setup = `homelab-mcp setup --tier ${setupTierOf(tier)}`
  return Option.match(tokenId, {
    onNone: () => setup,
    onSome: (id) => `${setup}, or on the node: ${pveumGrant(tier, pve, id).join("; ")}`
  })
}

/** Decides: exact or broader (start, broader warns), too weak or strict-and-broader (refuse), unreadable (unchecked). */
export const privilegeVerdict = (
  tier: Tier,
  reading: PrivilegeReading,
  options: VerdictOptions
): Either.Either<PrivilegeStatus, PrivilegeRefused> => {
  if (reading._tag === "Unreadable") return Either.right(unchecked(reading.reason))
  const pve = pveMajorOf(reading.version)
  if (Option.isNone(pve)) return Either.right(unchecked(`PVE version ${JSON.stringify(reading.version)} not known`))
  const { excess, missing } = comparePrivileges(tier, pve.value, reading.permissions)
  const token = Option.getOrElse(options.tokenId, () => "the API token")
  const where = `tier ${tier} on PVE ${reading.version}`
  const fix = privilegeFix(tier, pve.value, options.tokenId)
  if (missing.length > 0) {
    const problem = `${token} is too weak for ${where}: missing ${formatPrivileges(missing)}`
    return Either.left(new PrivilegeRefused({ message: `${problem}; fix: ${fix}`, fix, missing, excess }))
  }
  if (excess.length === 0) return Either.right({ status: "exact", pveVersion: reading.version, excess })
  const broader = `${token} holds more than ${where} needs (${formatPrivileges(excess)}): anyone with the token can ` +
    `use that outside this server; give it only the role ${tierRoleName(tier)} (fix: ${fix})`
  if (options.strict) {
    return Either.left(new PrivilegeRefused({ message: `MCP_STRICT_PRIVILEGES=1: ${broader}`, fix, missing, excess }))
  }
  return Either.right({ status: "broader", pveVersion: reading.version, excess, warning: broader })
}
