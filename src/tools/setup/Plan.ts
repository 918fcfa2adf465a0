import { Option } from "effect"
import { shJoin, shQuote } from "../../domain/Shell.js"
import type { SelectableTier } from "../../domain/Tier.js"
import { tierPrivileges, tierRoleIsBuiltin, tierRoleName } from "../../domain/TierPrivileges.js"
import type { AclInfo, NodeState } from "./Inspect.js"
import { AUTHORIZED_KEYS, MCP_USER } from "./Inspect.js"
import type { LocalKey } from "./Keys.js"
import { ownKeyLines } from "./Keys.js"

/**
 * The plan: from the node's state and the local state, exactly the changes that make the node match the tier, and
 * nothing else. Pure; a second run against the state the first one left plans nothing.
 */

export const SELECTABLE: ReadonlyArray<SelectableTier> = ["observe", "operate", "companion"]

export const tokenIdOf = (tier: SelectableTier): string => `${MCP_USER}!${tier}`

export type Step =
  /** A `pveum` call on the node; `token: true` prints the new token's secret (JSON `value`). */
  | { readonly _tag: "Pveum"; readonly args: ReadonlyArray<string>; readonly token?: true }
  | { readonly _tag: "InstallKey"; readonly line: string; readonly newline: boolean }
  | { readonly _tag: "RemoveKeys"; readonly lines: ReadonlyArray<string> }
  | { readonly _tag: "WriteLocalKey"; readonly path: string }
  | { readonly _tag: "DeleteLocalKey"; readonly path: string }

export interface PlanInput {
  readonly tier: SelectableTier
  readonly state: NodeState
  /** The existing token's secret is known here (and still accepted), so the token can be kept. */
  readonly secretKnown: boolean
  /** Only when `--token-expire` was given: the wanted expiry (epoch seconds, 0 = never). */
  readonly expire: Option.Option<number>
  /** The key comment `homelab-mcp@<client host>`. */
  readonly comment: string
  readonly localKeyPath: string
  /** The key on disk, if any. */
  readonly localKey: Option.Option<LocalKey>
  /** At companion without a key on disk: the fresh key to write. */
  readonly newKey: Option.Option<LocalKey>
}

const pveum = (...args: ReadonlyArray<string>): Step => ({ _tag: "Pveum", args })
const flagOf = (a: AclInfo) => (a.type === "token" ? "--tokens" : a.type === "group" ? "--groups" : "--users")
const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i])

const roleSteps = (input: PlanInput): ReadonlyArray<Step> => {
  if (tierRoleIsBuiltin(input.tier)) return []
  const role = tierRoleName(input.tier)
  const privs = tierPrivileges(input.tier, input.state.pve)
  const existing = input.state.roles.find((r) => r.roleid === role)
  if (existing === undefined) return [pveum("role", "add", role, "--privs", privs.join(","))]
  return sameSet(existing.privs, privs) ? [] : [pveum("role", "modify", role, "--privs", privs.join(","))]
}

const tokenSteps = (input: PlanInput): { steps: ReadonlyArray<Step>; fresh: boolean } => {
  const { state, tier } = input
  const name = tier as string
  const existing = state.tokens.find((t) => t.tokenid === name)
  const add: Step = {
    _tag: "Pveum",
    args: [
      ...["user", "token", "add", MCP_USER, name, "--privsep", "1"],
      ...Option.match(input.expire, { onNone: () => [], onSome: (e) => ["--expire", String(e)] }),
      ...["--comment", `homelab-mcp ${tier} tier`, "--output-format", "json"]
    ],
    token: true
  }
  if (existing === undefined) return { steps: [add], fresh: true }
  // A token whose secret is lost here, or that is not privilege-separated, is replaced (the secret exists only once).
  if (!input.secretKnown || !existing.privsep) {
    return { steps: [pveum("user", "token", "remove", MCP_USER, name), add], fresh: true }
  }
  const expire = Option.filter(input.expire, (e) => e !== existing.expire)
  return {
    steps: Option.isSome(expire)
      ? [pveum("user", "token", "modify", MCP_USER, name, "--expire", String(expire.value))]
      : [],
    fresh: false
  }
}

const keySteps = (input: PlanInput): ReadonlyArray<Step> => {
  const text = input.state.authorizedKeys
  if (input.tier !== "companion") {
    const lines = ownKeyLines(text, { comment: input.comment, blob: Option.map(input.localKey, (k) => k.blob) })
    return [
      ...(lines.length > 0 ? [{ _tag: "RemoveKeys", lines } as const] : []),
      ...(Option.isSome(input.localKey) ? [{ _tag: "DeleteLocalKey", path: input.localKeyPath } as const] : [])
    ]
  }
  const key = Option.orElse(input.localKey, () => input.newKey)
  if (Option.isNone(key)) return []
  const ours = ownKeyLines(text, { comment: input.comment, blob: Option.some(key.value.blob) })
  const installed = ours.some((l) => l.includes(` ${key.value.blob}`))
  const stale = ours.filter((l) => !l.includes(` ${key.value.blob}`))
  return [
    ...(Option.isNone(input.localKey) ? [{ _tag: "WriteLocalKey", path: input.localKeyPath } as const] : []),
    ...(stale.length > 0 ? [{ _tag: "RemoveKeys", lines: stale } as const] : []),
    ...(installed ? [] : [
      {
        _tag: "InstallKey",
        line: key.value.publicLine,
        newline: text !== "" && !text.endsWith("\n")
      } as const
    ])
  ]
}

/** The steps, in the order they run: role, user, stale grants, tokens, grants, keys. */
export const planSetup = (input: PlanInput): ReadonlyArray<Step> => {
  const { state, tier } = input
  const role = tierRoleName(tier)
  const tokenId = tokenIdOf(tier)
  const token = tokenSteps(input)
  const ours = state.acls.filter((a) => a.ugid === MCP_USER || (a.ugid === tokenId && !token.fresh))
  const wanted = (a: AclInfo) => a.path === "/" && a.roleid === role
  const granted = (ugid: string) => ours.some((a) => a.ugid === ugid && wanted(a) && a.propagate)
  return [
    ...roleSteps(input),
    ...(state.userExists ? [] : [pveum("user", "add", MCP_USER, "--comment", "homelab-mcp")]),
    ...ours.filter((a) => !wanted(a)).map((a) =>
      pveum("acl", "delete", a.path, flagOf(a), a.ugid, "--roles", a.roleid)
    ),
    ...state.tokens.filter((t) => t.tokenid !== tier && (SELECTABLE as ReadonlyArray<string>).includes(t.tokenid))
      .map((t) => pveum("user", "token", "remove", MCP_USER, t.tokenid)),
    ...token.steps,
    ...(granted(MCP_USER) ? [] : [pveum("acl", "modify", "/", "--users", MCP_USER, "--roles", role)]),
    ...(granted(tokenId) ? [] : [pveum("acl", "modify", "/", "--tokens", tokenId, "--roles", role)]),
    ...keySteps(input)
  ]
}

const TMP = `${AUTHORIZED_KEYS}.homelab-mcp.tmp`

/** The shell command a node step runs (a local step is described instead). */
export const renderStep = (step: Step): string => {
  switch (step._tag) {
    case "Pveum":
      return shJoin(["pveum", ...step.args])
    case "InstallKey":
      return `mkdir -p /root/.ssh && chmod 700 /root/.ssh && printf ${step.newline ? "'\\n%s\\n'" : "'%s\\n'"} ` +
        `${shQuote(step.line)} >> ${AUTHORIZED_KEYS}`
    case "RemoveKeys":
      // Rewrites through the link (on PVE authorized_keys points into /etc/pve/priv); grep's 1 = nothing left.
      // LC_ALL=C -a: a line with non-UTF-8 bytes is still a line (GNU grep would drop it as "binary"). The temp
      // file is created first, so a failed create can never pass for grep's "nothing left" (exit 1).
      return `t=${TMP}; : > "$t" || exit 1; LC_ALL=C grep -a -vxF ${
        step.lines.map((l) => `-e ${shQuote(l)}`).join(" ")
      } ${AUTHORIZED_KEYS} >> "$t"; rc=$?; if [ "$rc" -le 1 ]; then cat "$t" > ${AUTHORIZED_KEYS}; fi; ` +
        `rm -f "$t"; [ "$rc" -le 1 ]`
    case "WriteLocalKey":
      return `(local) write a new ed25519 key to ${step.path} (0600) and ${step.path}.pub`
    case "DeleteLocalKey":
      return `(local) delete ${step.path} and ${step.path}.pub`
  }
}
