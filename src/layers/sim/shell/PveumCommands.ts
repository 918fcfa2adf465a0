import { Effect, Either } from "effect"
import { randomUUID } from "node:crypto"
import { readText, writeText } from "./Files.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, print } from "./Proc.js"
import type { PveArgs } from "./PveFormat.js"
import { pveArgs } from "./PveFormat.js"
import type { Outcome, Store } from "./PveumRoles.js"
import { acl, err, ok, role, userExists } from "./PveumRoles.js"
import { parseTokenCfg, parseUserCfg, writeTokenCfg, writeUserCfg } from "./PveUserCfg.js"
import { padR, unlines } from "./Text.js"

/**
 * `pveum` over the node's `/etc/pve/user.cfg` and `/etc/pve/priv/token.cfg`: users, tokens, roles and ACLs with
 * PVE's option forms, `--output-format json|json-pretty|text`, PVE's error texts and exit 255. The node CLI runs as
 * root@pam, so there are no permission checks; effective permissions are not computed here.
 */

const USER_CFG = "/etc/pve/user.cfg"
const TOKEN_CFG = "/etc/pve/priv/token.cfg"

const user = (s: Store, o: PveArgs, [cmd, id = ""]: ReadonlyArray<string>): Outcome => {
  const { cfg } = s
  switch (cmd) {
    case "list":
      return ok(undefined, cfg.users.map((u) => ({ userid: u.userid, enable: Number(u.fields[0] ?? 1), expire: 0 })))
    case "add": {
      if (userExists(cfg, id)) return err(`create user failed: user '${id}' already exists`)
      const fields = ["1", "0", "", "", "", o.get("comment") ?? "", ""]
      return ok({ ...s, cfg: { ...cfg, users: [...cfg.users, { userid: id, fields }] } })
    }
    case "delete": {
      const keep = (ugid: string) => ugid !== id && !ugid.startsWith(`${id}!`)
      return ok({
        secrets: new Map([...s.secrets].filter(([t]) => keep(t))),
        cfg: {
          ...cfg,
          users: cfg.users.filter((u) => u.userid !== id),
          tokens: cfg.tokens.filter((t) => keep(t.id)),
          acls: cfg.acls.filter((a) => keep(a.ugid))
        }
      })
    }
  }
  return err(`unknown command 'pveum user ${cmd ?? ""}'`)
}

const token = (s: Store, o: PveArgs, [cmd, userid = "", tokenid = ""]: ReadonlyArray<string>): Outcome => {
  const { cfg } = s
  if (!userExists(cfg, userid)) return err(`no such user ('${userid}')`)
  const id = `${userid}!${tokenid}`
  const existing = cfg.tokens.find((t) => t.id === id)
  const others = cfg.tokens.filter((t) => t.id !== id)
  switch (cmd) {
    case "list":
      return ok(
        undefined,
        cfg.tokens.filter((t) => t.id.startsWith(`${userid}!`)).map((t) => ({
          tokenid: t.id.slice(userid.length + 1),
          privsep: t.privsep ? 1 : 0,
          expire: t.expire,
          ...(t.comment === "" ? {} : { comment: t.comment })
        }))
      )
    case "add": {
      if (existing !== undefined) return err("400 Parameter verification failed.\ntokenid: Token already exists.")
      const value = randomUUID()
      const privsep = o.get("privsep") ?? "1"
      const expire = o.get("expire")
      const t = { id, privsep: privsep !== "0", expire: Number(expire ?? 0), comment: o.get("comment") ?? "" }
      const info = { privsep, ...(expire === undefined ? {} : { expire }) }
      return ok(
        { secrets: new Map([...s.secrets, [id, value]]), cfg: { ...cfg, tokens: [...others, t] } },
        { "full-tokenid": id, info, value }
      )
    }
    case "modify": {
      if (existing === undefined) return err(`no such token '${tokenid}' for user '${userid}'`)
      const expire = o.get("expire")
      const privsep = o.get("privsep")
      const t = {
        ...existing,
        ...(expire === undefined ? {} : { expire: Number(expire) }),
        ...(privsep === undefined ? {} : { privsep: privsep !== "0" })
      }
      return ok({ ...s, cfg: { ...cfg, tokens: [...others, t] } }, { privsep: t.privsep ? 1 : 0, expire: t.expire })
    }
    case "remove":
    case "delete":
      if (existing === undefined) return err(`no such token '${tokenid}' for user '${userid}'`)
      return ok({
        secrets: new Map([...s.secrets].filter(([t]) => t !== id)),
        cfg: { ...cfg, tokens: others, acls: cfg.acls.filter((a) => a.ugid !== id) }
      })
  }
  return err(`unknown command 'pveum user token ${cmd ?? ""}'`)
}

const render = (o: PveArgs, output: unknown): string => {
  const format = o.get("output-format") ?? "text"
  if (format === "json") return `${JSON.stringify(output)}\n`
  if (format === "json-pretty") return `${JSON.stringify(output, null, 4)}\n`
  if (!Array.isArray(output)) return `${JSON.stringify(output)}\n`
  const rows = output as ReadonlyArray<Record<string, unknown>>
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const text = (v: unknown) => (v === undefined ? "" : String(v))
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => padR(c, width[i] ?? 0)).join(" ").trimEnd()
  return unlines([line(cols), ...rows.map((r) => line(cols.map((c) => text(r[c]))))])
}

const pveum: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = pveArgs(args, ["privsep", "propagate", "append", "quiet", "noborder", "noheader"])
    const [group = "", ...rest] = o.pos
    const cfgText = yield* readText(p, USER_CFG)
    const secretsText = yield* readText(p, TOKEN_CFG)
    const store: Store = {
      cfg: parseUserCfg(Either.getOrElse(cfgText, () => "")),
      secrets: parseTokenCfg(Either.getOrElse(secretsText, () => ""))
    }
    const outcome = group === "user" && rest[0] === "token"
      ? token(store, o, rest.slice(1))
      : group === "user"
      ? user(store, o, rest)
      : group === "role"
      ? role(store, o, rest)
      : group === "acl"
      ? acl(store, o, rest)
      : err(`unknown command 'pveum ${group}'`)
    if (Either.isLeft(outcome)) return yield* fail(p, outcome.left, 255)
    const { output, store: next } = outcome.right
    if (next !== undefined) {
      yield* writeText(p, USER_CFG, writeUserCfg(next.cfg), false)
      if (next.secrets !== store.secrets) yield* writeText(p, TOKEN_CFG, writeTokenCfg(next.secrets), false)
    }
    return output === undefined ? 0 : yield* print(p, render(o, output))
  })

export const PVEUM_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  pveum: { run: pveum, where: "host" }
}
