import { Either } from "effect"
import { ApiForbidden } from "../../domain/Errors.js"

/**
 * The token roles of the simulated node, with their PVE 9 privilege sets: `auditor` and `operate` are what setup gives
 * observe and operate+ (src/domain/TierPrivileges.ts), `admin` is PVEAdmin (too broad, for tests), `full` is root.
 */
export type SimRole = "auditor" | "operate" | "admin" | "full"

/** Every privilege PVE 9 (pve-access-control 9.0.x) knows: what `Administrator` holds. */
export const ALL_PRIVILEGES: ReadonlyArray<string> = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "Group.Allocate",
  "Mapping.Audit",
  "Mapping.Modify",
  "Mapping.Use",
  "Permissions.Modify",
  "Pool.Allocate",
  "Pool.Audit",
  "Realm.Allocate",
  "Realm.AllocateUser",
  "SDN.Allocate",
  "SDN.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "Sys.Console",
  "Sys.Incoming",
  "Sys.Modify",
  "Sys.PowerMgmt",
  "Sys.Syslog",
  "User.Modify",
  "VM.Allocate",
  "VM.Audit",
  "VM.Backup",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Console",
  "VM.GuestAgent.Audit",
  "VM.GuestAgent.FileRead",
  "VM.GuestAgent.FileSystemMgmt",
  "VM.GuestAgent.FileWrite",
  "VM.GuestAgent.Unrestricted",
  "VM.Migrate",
  "VM.PowerMgmt",
  "VM.Replicate",
  "VM.Snapshot",
  "VM.Snapshot.Rollback"
]

/** PVEAuditor on PVE 9 (pve-access-control 9.0.x). */
const PVE_AUDITOR: ReadonlyArray<string> = [
  "Datastore.Audit",
  "Mapping.Audit",
  "Pool.Audit",
  "SDN.Audit",
  "Sys.Audit",
  "VM.Audit",
  "VM.GuestAgent.Audit"
]

export const ROLE_PRIVILEGES: Readonly<Record<SimRole, ReadonlyArray<string>>> = {
  auditor: PVE_AUDITOR,
  /** HomelabMCP-Operate on PVE 9: PVEAuditor + VM.PowerMgmt. */
  operate: [...PVE_AUDITOR, "VM.PowerMgmt"],
  /** PVEAdmin: everything but the root privileges, `Permissions.Modify` and `Mapping.Modify`. */
  admin: ALL_PRIVILEGES.filter((p) =>
    !["Mapping.Modify", "Permissions.Modify", "Realm.Allocate", "Sys.AccessNetwork", "Sys.Incoming", "Sys.Modify"]
      .includes(p) && p !== "Sys.PowerMgmt"
  ),
  full: ALL_PRIVILEGES
}

/** The API token each role is: it is the user in the UPIDs of the tasks it starts. */
export const ROLE_TOKEN: Readonly<Record<SimRole, string>> = {
  auditor: "mcp-observe@pve!observe",
  operate: "mcp-operate@pve!operate",
  admin: "mcp-admin@pve!admin",
  full: "root@pam!full"
}

/** The role's privileges hold on every path (an ACL on `/` with propagate). */
export const has = (role: SimRole, privilege: string): boolean => ROLE_PRIVILEGES[role].includes(privilege)

/** PVE's permission check: one of `privileges` on `path`, or 403 `Permission check failed (<path>, <a>|<b>)`. */
export const check = (
  role: SimRole,
  path: string,
  ...privileges: ReadonlyArray<string>
): Either.Either<void, ApiForbidden> => {
  if (privileges.some((p) => has(role, p))) return Either.void
  const privilege = privileges.join("|")
  return Either.left(
    new ApiForbidden({ message: `Permission check failed (${path}, ${privilege})`, path, privilege })
  )
}

/** `GET /access/permissions` for the token itself: path → privilege → propagate. */
export const permissions = (role: SimRole, node: string, path?: string): Record<string, Record<string, number>> => {
  const privs = Object.fromEntries(ROLE_PRIVILEGES[role].map((p) => [p, 1]))
  const paths = path === undefined ? ["/", "/nodes", `/nodes/${node}`, "/storage", "/vms"] : [path]
  return Object.fromEntries(paths.map((p) => [p, { ...privs }]))
}
