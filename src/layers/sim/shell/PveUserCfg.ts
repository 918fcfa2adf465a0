/**
 * The simulated node's access store, in PVE's own files: `/etc/pve/user.cfg` (`user:`, `token:`, `group:`, `role:`,
 * `acl:` lines) and `/etc/pve/priv/token.cfg` (`<user@realm!tokenid> <secret>`). Parsed and written back in PVE's
 * line formats (pve-access-control `parse_user_config` / `write_user_config`), simplified: no pools, no realms.
 */

export interface CfgUser {
  readonly userid: string
  /** The fields after the user id, as stored (`enable:expire:firstname:lastname:email:comment:keys`). */
  readonly fields: ReadonlyArray<string>
}

export interface CfgToken {
  /** `user@realm!tokenid`. */
  readonly id: string
  readonly expire: number
  readonly privsep: boolean
  readonly comment: string
}

export interface CfgAcl {
  readonly path: string
  /** A user id, a token id (`user@realm!id`) or a group (`@name`). */
  readonly ugid: string
  readonly roleid: string
  readonly propagate: boolean
}

export interface AccessCfg {
  readonly users: ReadonlyArray<CfgUser>
  readonly tokens: ReadonlyArray<CfgToken>
  readonly groups: ReadonlyArray<string>
  readonly roles: ReadonlyArray<{ readonly roleid: string; readonly privs: ReadonlyArray<string> }>
  readonly acls: ReadonlyArray<CfgAcl>
}

/** PVE's `split_list`: commas, semicolons and blanks separate. */
export const splitList = (text: string): ReadonlyArray<string> =>
  text.replace(/[,;]/g, " ").trim().split(/\s+/).filter((s) => s !== "")

const fieldsOf = (line: string): Array<string> => {
  const f = line.split(":").map((x) => x.trim())
  while (f.length > 0 && f[f.length - 1] === "") f.pop()
  return f
}

/** Reads user.cfg; lines it does not understand are dropped, as PVE does with a warning. */
export const parseUserCfg = (text: string): AccessCfg => {
  const users: Array<CfgUser> = []
  const tokens: Array<CfgToken> = []
  const groups: Array<string> = []
  const roles: Array<{ roleid: string; privs: ReadonlyArray<string> }> = []
  const acls: Array<CfgAcl> = []
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (line === "") continue
    const [kind = "", ...f] = fieldsOf(line)
    if (kind === "user" && f[0] !== undefined) users.push({ userid: f[0], fields: f.slice(1) })
    else if (kind === "token" && f[0] !== undefined) {
      tokens.push({ id: f[0], expire: Number(f[1] ?? 0) || 0, privsep: f[2] !== "0", comment: f[3] ?? "" })
    } else if (kind === "group") groups.push(line)
    else if (kind === "role" && f[0] !== undefined) roles.push({ roleid: f[0], privs: splitList(f[1] ?? "") })
    else if (kind === "acl" && f[1] !== undefined) {
      for (const ugid of splitList(f[2] ?? "")) {
        for (const roleid of splitList(f[3] ?? "")) {
          acls.push({ path: f[1], ugid, roleid, propagate: f[0] !== "0" })
        }
      }
    }
  }
  return { users, tokens, groups, roles, acls }
}

const byKey = <A>(key: (a: A) => string) => (a: A, b: A) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)

/** Writes user.cfg the way PVE orders it: users (each followed by its tokens), groups, roles, ACLs. */
export const writeUserCfg = (cfg: AccessCfg): string => {
  const out: Array<string> = []
  for (const u of [...cfg.users].sort(byKey((x) => x.userid))) {
    out.push(`user:${[u.userid, ...u.fields].join(":")}:`)
    for (const t of cfg.tokens.filter((x) => x.id.startsWith(`${u.userid}!`)).sort(byKey((x) => x.id))) {
      out.push(`token:${t.id}:${t.expire}:${t.privsep ? 1 : 0}:${t.comment}:`)
    }
  }
  out.push("", ...cfg.groups, "")
  for (const r of [...cfg.roles].sort(byKey((x) => x.roleid))) out.push(`role:${r.roleid}:${r.privs.join(",")}:`)
  out.push("")
  // One line per path, propagate flag and role, naming every user, group and token that holds it.
  const lines = new Map<string, Array<string>>()
  for (const a of cfg.acls) {
    const key = `${a.propagate ? 1 : 0}:${a.path}:${a.roleid}`
    lines.set(key, [...(lines.get(key) ?? []), a.ugid])
  }
  for (const [key, ugids] of [...lines].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [prop, path, role] = key.split(":")
    out.push(`acl:${prop}:${path}:${ugids.join(",")}:${role}:`)
  }
  return `${out.join("\n")}\n`
}

/** token.cfg → id → secret. */
export const parseTokenCfg = (text: string): ReadonlyMap<string, string> =>
  new Map(
    text.split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 2).map(([id = "", s = ""]) =>
      [id, s] as const
    )
  )

export const writeTokenCfg = (secrets: ReadonlyMap<string, string>): string =>
  [...secrets].map(([id, s]) => `${id} ${s}\n`).join("")
