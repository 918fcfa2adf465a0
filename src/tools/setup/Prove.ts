import { Effect, Option, Schema } from "effect"
import type { SelectableTier } from "../../domain/Tier.js"
import type { EffectivePermissions, ProbeRequest, PveMajor } from "../../domain/TierPrivileges.js"
import { comparePrivileges, formatPrivileges, negativeProbes } from "../../domain/TierPrivileges.js"
import type { ApiCall } from "./Ports.js"
import { SetupApi, SetupConsole, SetupFailed } from "./Ports.js"

/**
 * Proves the token without side effects (security.md §1.6): its effective permissions must be exactly the tier's,
 * and read-only requests that need a privilege the tier must not have must come back 403. Only GETs; never a reboot.
 */

export type Connection = Omit<ApiCall, "path">

export interface ProveInput {
  readonly connection: Connection
  readonly tier: SelectableTier
  readonly pve: PveMajor
  readonly node: string
}

const Permissions = Schema.Struct({
  data: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Number }) })
})
const Guests = Schema.Struct({
  data: Schema.Array(Schema.Struct({ vmid: Schema.Union(Schema.Number, Schema.String) }))
})

export const probePath = (p: ProbeRequest): string => {
  const query = new URLSearchParams(Object.entries(p.params ?? {}).map(([k, v]): [string, string] => [k, String(v)]))
    .toString()
  return query === "" ? p.path : `${p.path}?${query}`
}

/** The requests `prove` sends, for `--dry-run` (the agent probes need a QEMU guest, found at run time). */
export const proofRequests = (tier: SelectableTier, node: string): ReadonlyArray<string> => [
  "GET /access/permissions",
  `GET /nodes/${node}/qemu`,
  ...negativeProbes(tier, { node, qemuVmid: 0 }).map((p) => `GET ${probePath(p).replace("/qemu/0/", "/qemu/<vmid>/")}`)
]

const statusText = (status: number) =>
  status === 401
    ? "401: the node rejected the token (wrong secret, deleted or expired token)"
    : `HTTP ${status}`

export const proveToken = (input: ProveInput): Effect.Effect<void, SetupFailed, SetupApi | SetupConsole> =>
  Effect.gen(function*() {
    const api = yield* SetupApi
    const io = yield* SetupConsole
    const get = (path: string) => api.get({ ...input.connection, path })
    const perms = yield* get("/access/permissions")
    const decoded = Schema.decodeUnknownOption(Permissions)(perms.body)
    if (perms.status !== 200 || Option.isNone(decoded)) {
      return yield* new SetupFailed({
        message: `GET /access/permissions with the new token answered ${
          statusText(perms.status)
        }; the token is not usable`
      })
    }
    const effective: EffectivePermissions = decoded.value.data
    const { excess, missing } = comparePrivileges(input.tier, input.pve, effective)
    if (missing.length > 0 || excess.length > 0) {
      return yield* new SetupFailed({
        message: `the token's effective permissions are not the ${input.tier} tier's: ` +
          [
            missing.length > 0 ? `missing ${formatPrivileges(missing)}` : "",
            excess.length > 0 ? `beyond the tier ${formatPrivileges(excess)}` : ""
          ].filter((s) => s !== "").join("; ") +
          ". Check other ACLs on mcp@pve or its groups (pveum acl list), then re-run setup."
      })
    }
    yield* io.info(`  ok  GET /access/permissions: exactly the ${input.tier} tier's privileges\n`)
    const guests = yield* get(`/nodes/${input.node}/qemu`)
    const vmid = Option.flatMap(
      Schema.decodeUnknownOption(Guests)(guests.body),
      (g) => Option.fromNullable(g.data[0]?.vmid)
    )
    const target = Option.match(vmid, {
      onNone: () => ({ node: input.node }),
      onSome: (v) => ({ node: input.node, qemuVmid: Number(v) })
    })
    for (const probe of negativeProbes(input.tier, target)) {
      const path = probePath(probe)
      const reply = yield* get(path)
      if (reply.status === 404 || reply.status === 501) {
        // PVE answers 501 for a path it does not know: the probe proves nothing either way.
        yield* io.info(`  --  GET ${path}: ${reply.status}, this node does not serve it (not checked)\n`)
        continue
      }
      if (reply.status !== 403) {
        return yield* new SetupFailed({
          message: `GET ${path} answered ${statusText(reply.status)}, but the ${input.tier} token must be refused ` +
            `(403, it needs ${probe.needs}). The token is broader than its tier; fix its ACLs and re-run setup.`
        })
      }
      yield* io.info(`  ok  GET ${path}: 403 (no ${probe.needs})\n`)
    }
  })

/** True when the recorded secret is still accepted (`GET /version`); 401 means it is not. */
export const secretStillValid = (connection: Connection): Effect.Effect<boolean, SetupFailed, SetupApi> =>
  Effect.flatMap(SetupApi, (api) => api.get({ ...connection, path: "/version" })).pipe(
    Effect.map((r) => r.status === 200)
  )
