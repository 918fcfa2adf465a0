import { Either } from "effect"
import { ALL_PRIVILEGES, ROLE_PRIVILEGES } from "../SimAccess.js"
import type { PveArgs } from "./PveFormat.js"
import type { AccessCfg, CfgAcl } from "./PveUserCfg.js"
import { splitList } from "./PveUserCfg.js"

/** `pveum role …` and `pveum acl …` of the simulated node, and what the other `pveum` commands share. */

/** The built-in roles setup and tests meet (PVE 9 lists). */
export const BUILTIN: Readonly<Record<string, ReadonlyArray<string>>> = {
  Administrator: ALL_PRIVILEGES,
  NoAccess: [],
  PVEAuditor: ROLE_PRIVILEGES.auditor,
  PVEVMUser: [
    ...["VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.PowerMgmt"],
    ...["VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite"]
  ]
}

export interface Store {
  readonly cfg: AccessCfg
  readonly secrets: ReadonlyMap<string, string>
}

/** What a subcommand did: an error text, or the new store (when changed) and what to print. */
export type Outcome = Either.Either<{ readonly store: Store | undefined; readonly output: unknown }, string>

export const ok = (store?: Store, output?: unknown): Outcome => Either.right({ store, output })
export const err = (message: string): Outcome => Either.left(message)

const roleList = (cfg: AccessCfg) =>
  [
    ...Object.entries(BUILTIN).map(([roleid, privs]) => ({ roleid, privs: [...privs].sort().join(","), special: 1 })),
    ...cfg.roles.map((r) => ({ roleid: r.roleid, privs: [...r.privs].sort().join(","), special: 0 }))
  ].sort((a, b) => (a.roleid < b.roleid ? -1 : 1))

export const roleExists = (cfg: AccessCfg, role: string) =>
  BUILTIN[role] !== undefined || cfg.roles.some((r) => r.roleid === role)

export const userExists = (cfg: AccessCfg, user: string) => cfg.users.some((u) => u.userid === user)

const privsOf = (o: PveArgs): Either.Either<ReadonlyArray<string>, string> => {
  const privs = (o.opts.get("privs") ?? []).flatMap(splitList)
  const bad = privs.find((x) => !ALL_PRIVILEGES.includes(x))
  return bad === undefined ? Either.right(privs) : Either.left(`invalid privilege '${bad}'`)
}

export const role = (s: Store, o: PveArgs, [cmd, id = ""]: ReadonlyArray<string>): Outcome => {
  const { cfg } = s
  const others = cfg.roles.filter((r) => r.roleid !== id)
  if (cmd === "list") return ok(undefined, roleList(cfg))
  if (BUILTIN[id] !== undefined) return err(`auto-generated role '${id}' cannot be modified`)
  const privs = privsOf(o)
  switch (cmd) {
    case "add":
      if (/^PVE/i.test(id)) return err("cannot use role ID starting with the (case-insensitive) 'PVE' namespace")
      if (roleExists(cfg, id)) return err(`create role failed: role '${id}' already exists`)
      if (Either.isLeft(privs)) return err(`create role failed: ${privs.left}`)
      return ok({ ...s, cfg: { ...cfg, roles: [...others, { roleid: id, privs: privs.right }] } })
    case "modify": {
      const old = cfg.roles.find((r) => r.roleid === id)
      if (old === undefined) return err(`update role failed: role '${id}' does not exist`)
      if (Either.isLeft(privs)) return err(`update role failed: ${privs.left}`)
      const next = o.flag("append") ? [...new Set([...old.privs, ...privs.right])] : privs.right
      return ok({ ...s, cfg: { ...cfg, roles: [...others, { roleid: id, privs: next }] } })
    }
    case "delete":
      if (!roleExists(cfg, id)) return err(`delete role failed: role '${id}' does not exist`)
      return ok({ ...s, cfg: { ...cfg, roles: others, acls: cfg.acls.filter((a) => a.roleid !== id) } })
  }
  return err(`unknown command 'pveum role ${cmd ?? ""}'`)
}

export const acl = (s: Store, o: PveArgs, [cmd, path = ""]: ReadonlyArray<string>): Outcome => {
  const { cfg } = s
  const typeOf = (ugid: string) => (ugid.startsWith("@") ? "group" : ugid.includes("!") ? "token" : "user")
  if (cmd === "list") {
    return ok(
      undefined,
      cfg.acls.map((a) => ({
        path: a.path,
        roleid: a.roleid,
        type: typeOf(a.ugid),
        ugid: a.ugid.replace(/^@/, ""),
        propagate: a.propagate ? 1 : 0
      }))
    )
  }
  if (cmd !== "modify" && cmd !== "delete") return err(`unknown command 'pveum acl ${cmd ?? ""}'`)
  const roles = (o.opts.get("roles") ?? []).flatMap(splitList)
  const ugids = [
    ...(o.opts.get("users") ?? []).flatMap(splitList),
    ...(o.opts.get("tokens") ?? []).flatMap(splitList),
    ...(o.opts.get("groups") ?? []).flatMap(splitList).map((g) => `@${g}`)
  ]
  if (!path.startsWith("/") || roles.length === 0) return err("400 Parameter verification failed.\nroles: missing")
  const missingRole = roles.find((r) => !roleExists(cfg, r))
  if (missingRole !== undefined) return err(`role '${missingRole}' does not exist`)
  const unknown = ugids.find((u) =>
    u.includes("!") ? !cfg.tokens.some((t) => t.id === u) : !u.startsWith("@") && !userExists(cfg, u)
  )
  if (unknown !== undefined) return err(`${unknown.includes("!") ? "token" : "user"} '${unknown}' does not exist`)
  const hit = (a: CfgAcl) => a.path === path && ugids.includes(a.ugid) && roles.includes(a.roleid)
  const kept = cfg.acls.filter((a) => !hit(a))
  const propagate = o.get("propagate") !== "0"
  const added = cmd === "modify"
    ? ugids.flatMap((ugid) => roles.map((roleid) => ({ path, ugid, roleid, propagate })))
    : []
  return ok({ ...s, cfg: { ...cfg, acls: [...kept, ...added] } })
}
