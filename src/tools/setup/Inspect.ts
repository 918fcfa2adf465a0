import { Effect, Either, Option, Schema } from "effect"
import type { PveMajor } from "../../domain/TierPrivileges.js"
import { pveMajorOf } from "../../domain/TierPrivileges.js"
import type { SetupNodeShape } from "./Ports.js"
import { SetupFailed } from "./Ports.js"

/** Reads what setup needs to know about the node before it plans: version, users, roles, tokens, ACLs, keys. */

export const MCP_USER = "mcp@pve"
export const AUTHORIZED_KEYS = "/root/.ssh/authorized_keys"

export interface RoleInfo {
  readonly roleid: string
  readonly privs: ReadonlyArray<string>
  readonly special: boolean
}

export interface TokenInfo {
  readonly tokenid: string
  readonly privsep: boolean
  readonly expire: number
}

export interface AclInfo {
  readonly path: string
  readonly roleid: string
  readonly type: "user" | "token" | "group"
  readonly ugid: string
  readonly propagate: boolean
}

export interface NodeState {
  readonly version: string
  readonly pve: PveMajor
  /** The PVE node name (`hostname`), what the API calls the node. */
  readonly nodeName: string
  readonly userExists: boolean
  readonly roles: ReadonlyArray<RoleInfo>
  /** The tokens of `mcp@pve` (none when the user does not exist). */
  readonly tokens: ReadonlyArray<TokenInfo>
  readonly acls: ReadonlyArray<AclInfo>
  /** `/root/.ssh/authorized_keys` as it is ("" when missing). */
  readonly authorizedKeys: string
}

/** PVE prints flags as 1/0, "1"/"0" or booleans depending on the path through the formatter. */
const Flag = Schema.Union(Schema.Boolean, Schema.Number, Schema.String)
const truthy = (v: boolean | number | string | undefined) => v === true || v === 1 || v === "1"

const Users = Schema.Array(Schema.Struct({ userid: Schema.String }))
const Roles = Schema.Array(
  Schema.Struct({ roleid: Schema.String, privs: Schema.optional(Schema.String), special: Schema.optional(Flag) })
)
const Tokens = Schema.Array(
  Schema.Struct({
    tokenid: Schema.String,
    privsep: Schema.optional(Flag),
    expire: Schema.optional(Schema.Union(Schema.Number, Schema.String))
  })
)
const Acls = Schema.Array(
  Schema.Struct({
    path: Schema.String,
    roleid: Schema.String,
    type: Schema.Literal("user", "token", "group"),
    ugid: Schema.String,
    propagate: Schema.optional(Flag)
  })
)

/** Runs a read command; a non-zero exit is a failure naming the command and its first error line. */
export const read = (node: SetupNodeShape, command: string) =>
  Effect.flatMap(node.run(command), (r) =>
    r.code === 0
      ? Effect.succeed(r.stdout)
      : Effect.fail(
        new SetupFailed({
          message: `on the node, \`${command}\` failed (exit ${r.code}): ${r.stderr.trim().split("\n")[0] ?? ""}`
        })
      ))

const decode = <A, I>(schema: Schema.Schema<A, I>, command: string, text: string) =>
  Either.mapLeft(
    Schema.decodeUnknownEither(Schema.parseJson(schema))(text),
    () => new SetupFailed({ message: `on the node, \`${command}\` printed something that is not the expected JSON` })
  )

const json = <A, I>(node: SetupNodeShape, command: string, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(read(node, command), (text) => decode(schema, command, text))

/** The read-only commands, in the order they run (printed by `--dry-run`). */
export const READ_COMMANDS: ReadonlyArray<string> = [
  "pveversion",
  "hostname",
  "pveum user list --output-format json",
  "pveum role list --output-format json",
  "pveum acl list --output-format json",
  `pveum user token list ${MCP_USER} --output-format json  (when the user exists)`,
  `cat ${AUTHORIZED_KEYS} 2>/dev/null || true`
]

export const inspectNode = (node: SetupNodeShape): Effect.Effect<NodeState, SetupFailed> =>
  Effect.gen(function*() {
    const version = (yield* read(node, "pveversion")).trim()
    const pve = pveMajorOf(version)
    if (Option.isNone(pve)) {
      return yield* new SetupFailed({
        message: `unsupported Proxmox VE version "${version}": PVE 8 or newer is needed`
      })
    }
    const nodeName = (yield* read(node, "hostname")).trim().split(".")[0] ?? ""
    const users = yield* json(node, "pveum user list --output-format json", Users)
    const roles = yield* json(node, "pveum role list --output-format json", Roles)
    const acls = yield* json(node, "pveum acl list --output-format json", Acls)
    const userExists = users.some((u) => u.userid === MCP_USER)
    const tokens = userExists
      ? yield* json(node, `pveum user token list ${MCP_USER} --output-format json`, Tokens)
      : []
    return {
      version,
      pve: pve.value,
      nodeName,
      userExists,
      roles: roles.map((r) => ({
        roleid: r.roleid,
        privs: (r.privs ?? "").split(/[,;\s]+/).filter((p) => p !== "").sort(),
        special: truthy(r.special)
      })),
      tokens: tokens.map((t) => ({
        tokenid: t.tokenid,
        privsep: t.privsep === undefined || truthy(t.privsep),
        expire: Number(t.expire ?? 0)
      })),
      acls: acls.map((a) => ({ ...a, propagate: a.propagate === undefined || truthy(a.propagate) })),
      authorizedKeys: yield* read(node, `cat ${AUTHORIZED_KEYS} 2>/dev/null || true`)
    }
  })
