import { Option } from "effect"
import type { Tier } from "./Tier.js"

/**
 * What each tier's API token may hold, per PVE major version (security.md §1.2–§1.6, ADR 0009).
 *
 * Two sets per tier:
 * - the **role** (`tierPrivileges`): what `homelab-mcp setup` grants, the ceiling; anything beyond it is "excess";
 * - the **floor** (`requiredPrivileges`): what the tier's tools cannot work without; anything below it is "missing".
 *
 * observe uses the built-in `PVEAuditor` (PVE keeps it current across versions); operate, companion and root share
 * one custom role, `HomelabMCP-Operate` = PVEAuditor + `VM.PowerMgmt`. Companion and root add root SSH, not token
 * privileges: snapshots and guest-agent calls go through `pvesh` as root (ADR 0004), so the token stays "power only".
 */

export type PveMajor = 8 | 9
export const PVE_MAJORS: ReadonlyArray<PveMajor> = [8, 9]

/** `9.0.3`, `pve-manager/8.1.4/ec5affc9`, `8.2` → the major version; PVE 10+ is assumed to keep the PVE 9 model. */
export const pveMajorOf = (version: string): Option.Option<PveMajor> => {
  const match = /(?:^|pve-manager\/)\s*v?(\d+)\.\d+/.exec(version.trim())
  const major = match?.[1] === undefined ? Number.NaN : Number(match[1])
  if (major === 8) return Option.some(8)
  return major >= 9 ? Option.some(9) : Option.none()
}

/** PVEAuditor on PVE 8 (pve-access-control 8.2.2); PVE 9 adds `VM.GuestAgent.Audit`. */
const AUDITOR_8 = ["Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit"]
const auditor = (pve: PveMajor): ReadonlyArray<string> => pve === 9 ? [...AUDITOR_8, "VM.GuestAgent.Audit"] : AUDITOR_8

/** The role each tier's token gets. Only observe's is built in; the other is created by setup. */
export const tierRoleName = (tier: Tier): string => (tier === "observe" ? "PVEAuditor" : "HomelabMCP-Operate")

/** True when the tier's role ships with PVE (setup must not create or modify it). */
export const tierRoleIsBuiltin = (tier: Tier): boolean => tier === "observe"

/** `setup --tier` cannot select root: a root install is a companion install plus the acknowledgment flag. */
export const setupTierOf = (tier: Tier): Exclude<Tier, "root"> => (tier === "root" ? "companion" : tier)

/** Exactly the privileges of the tier's role on that PVE version, sorted. */
export const tierPrivileges = (tier: Tier, pve: PveMajor): ReadonlyArray<string> =>
  (tier === "observe" ? [...auditor(pve)] : [...auditor(pve), "VM.PowerMgmt"]).sort()

/**
 * The floor: lists and status need `VM.Audit`, node status and tasks `Sys.Audit`, storage `Datastore.Audit`, the
 * lifecycle tools `VM.PowerMgmt`. `VM.GuestAgent.Audit` is allowed but not required (without it the observe agent
 * ping gets 403, as it always does on PVE 8).
 */
export const requiredPrivileges = (tier: Tier): ReadonlyArray<string> =>
  tier === "observe"
    ? ["Datastore.Audit", "Sys.Audit", "VM.Audit"]
    : ["Datastore.Audit", "Sys.Audit", "VM.Audit", "VM.PowerMgmt"]

/** Privileges no tier's token may hold (security.md §1.6): each is a reason to warn, whatever the role. */
export const NEVER_GRANTED: ReadonlyArray<string> = [
  "Permissions.Modify",
  "Sys.Console",
  "Sys.Modify",
  "Sys.PowerMgmt",
  "Sys.Syslog",
  "User.Modify",
  "VM.Allocate",
  "VM.Console",
  "VM.GuestAgent.Unrestricted",
  "VM.Monitor"
]

/** The ACL path below which a privilege is checked: `VM.*` on guests, `Sys.*` on nodes, `Datastore.*` on storage. */
export const privilegeScope = (privilege: string): string =>
  privilege.startsWith("VM.")
    ? "/vms"
    : privilege.startsWith("Sys.")
    ? "/nodes"
    : privilege.startsWith("Datastore.")
    ? "/storage"
    : "/"

export interface PrivilegeAt {
  readonly privilege: string
  readonly path: string
}

/** The `data` of `GET /access/permissions`: path → privilege → propagate flag. */
export type EffectivePermissions = Readonly<Record<string, Readonly<Record<string, number>>>>

export interface PrivilegeComparison {
  /** Floor privileges held on no path that covers their scope. */
  readonly missing: ReadonlyArray<PrivilegeAt>
  /** Privileges outside the tier's role, once each, at the most general path that grants them. */
  readonly excess: ReadonlyArray<PrivilegeAt>
}

/**
 * Whether a privilege held on `path` reaches `scope`. `/` counts only when it propagates (value 1): a `/` ACL with
 * `--propagate 0`, or a `NoAccess` on `/vms`, leaves the scope without it, and PVE lists `/vms`, `/nodes` and
 * `/storage` themselves whenever they do hold it.
 */
const covers = (path: string, scope: string, value: number | undefined): boolean =>
  (path === "/" && value === 1) || path === scope || path.startsWith(`${scope}/`) ||
  (scope === "/vms" && path.startsWith("/pool/"))

/** Compares a token's effective permissions with the tier: missing below the floor, excess above the role. */
export const comparePrivileges = (
  tier: Tier,
  pve: PveMajor,
  effective: EffectivePermissions
): PrivilegeComparison => {
  const paths = Object.keys(effective).sort((a, b) => a.length - b.length || a.localeCompare(b))
  const held = (path: string): ReadonlyArray<string> => Object.keys(effective[path] ?? {})
  /** A scope PVE lists itself decides alone (so `NoAccess` there wins over `/`); otherwise what reaches it. */
  const reaches = (privilege: string): boolean => {
    const scope = privilegeScope(privilege)
    const own = effective[scope]
    if (own !== undefined) return privilege in own
    return paths.some((path) => held(path).includes(privilege) && covers(path, scope, effective[path]?.[privilege]))
  }
  const missing = requiredPrivileges(tier)
    .filter((privilege) => !reaches(privilege))
    .map((privilege) => ({ privilege, path: privilegeScope(privilege) }))
  const allowed = new Set(tierPrivileges(tier, pve))
  const excess = new Map<string, string>()
  for (const path of paths) {
    for (const privilege of held(path)) {
      if (!allowed.has(privilege) && !excess.has(privilege)) excess.set(privilege, path)
    }
  }
  return {
    missing,
    // Code-point order, like `tierPrivileges` (`VM.Config.CPU` before `VM.Config.Cloudinit`).
    excess: [...excess].sort(([a], [b]) => (a < b ? -1 : 1)).map(([privilege, path]) => ({ privilege, path }))
  }
}

/** `VM.PowerMgmt@/vms, Sys.Audit@/nodes` for one-line messages. */
export const formatPrivileges = (list: ReadonlyArray<PrivilegeAt>): string =>
  list.map((p) => `${p.privilege}@${p.path}`).join(", ")

/** The `pveum` lines that give a token the tier's role (privilege-separated: the user and the token need the ACL). */
export const pveumGrant = (tier: Tier, pve: PveMajor, tokenId: string): ReadonlyArray<string> => {
  const role = tierRoleName(tier)
  const user = tokenId.split("!")[0] ?? tokenId
  return [
    ...(tierRoleIsBuiltin(tier) ? [] : [`pveum role add ${role} --privs "${tierPrivileges(tier, pve).join(",")}"`]),
    `pveum acl modify / --users '${user}' --roles ${role}`,
    `pveum acl modify / --tokens '${tokenId}' --roles ${role}`
  ]
}

/** A read-only request that must come back 403 for the tier's token; harmless if it wrongly succeeds. */
export interface ProbeRequest {
  readonly method: "GET"
  readonly path: string
  readonly params?: Readonly<Record<string, string | number>>
  /** The privilege PVE checks (PVE 9 name; PVE 8 checks `VM.Monitor` for the agent probes). */
  readonly needs: string
}

/**
 * The 403 probes of security.md §1.6, in order. Never a reboot, never a POST: every probe is a GET. The agent probes
 * are included only with the vmid of a QEMU guest. The tier's token never holds any of these privileges.
 */
export const negativeProbes = (
  _tier: Tier,
  target: { readonly node: string; readonly qemuVmid?: number }
): ReadonlyArray<ProbeRequest> => {
  const node = `/nodes/${target.node}`
  const agent = target.qemuVmid === undefined ? undefined : `${node}/qemu/${target.qemuVmid}/agent`
  return [
    { method: "GET", path: `${node}/syslog`, params: { limit: 1 }, needs: "Sys.Syslog" },
    { method: "GET", path: `${node}/journal`, params: { lastentries: 1 }, needs: "Sys.Syslog" },
    { method: "GET", path: `${node}/apt/update`, needs: "Sys.Modify" },
    { method: "GET", path: `${node}/apt/changelog`, params: { name: "pve-manager" }, needs: "Sys.Modify" },
    ...(agent === undefined ? [] : [
      { method: "GET", path: `${agent}/exec-status`, params: { pid: 1 }, needs: "VM.GuestAgent.Unrestricted" },
      { method: "GET", path: `${agent}/file-read`, params: { file: "/etc/hostname" }, needs: "VM.GuestAgent.FileRead" }
    ] as const)
  ]
}
