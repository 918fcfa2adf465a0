import { Either } from "effect"
import type { ApiFailure } from "../../domain/Errors.js"
import { ApiError, ApiNotFound } from "../../domain/Errors.js"
import type { GuestType } from "../../domain/Ids.js"
import type { ApiParams, HttpMethod } from "../../services/ProxmoxApi.js"
import type { SimRole } from "./SimAccess.js"
import type { SimGuest, SimState } from "./SimState.js"

/** What a route handler sees, and what it answers: pure functions of the node's state at one instant. */

export interface SimRequest {
  readonly method: HttpMethod
  /** Normalised path relative to `/api2/json`, for messages. */
  readonly path: string
  /** Path segments, URI-decoded. */
  readonly segments: ReadonlyArray<string>
  readonly params: ApiParams
  readonly role: SimRole
  readonly nowMs: number
  /** The state with every task that ended by `nowMs` applied. */
  readonly state: SimState
}

export interface Answer {
  readonly data: unknown
  /** The new state, when the request changed something. */
  readonly state?: SimState
}

export type Reply = Either.Either<Answer, ApiFailure>

export const ok = (data: unknown): Reply => Either.right({ data })

/** A Perl `die` in a PVE handler: HTTP 500 with the message. */
export const pveError = (message: string, status = 500): Either.Either<never, ApiError> =>
  Either.left(new ApiError({ message, status }))

/** `raise_param_exc`: HTTP 400 "Parameter verification failed." with the field's error. */
export const paramError = (field: string, error: string): Either.Either<never, ApiError> =>
  pveError(`Parameter verification failed. (${field}: ${error})`, 400)

/** No handler for the method and path: PVE's 501. */
export const notImplemented = (req: Pick<SimRequest, "method" | "path">): Reply =>
  Either.left(new ApiNotFound({ message: `Method '${req.method} ${req.path}' not implemented`, path: req.path }))

export const configPath = (node: string, type: GuestType, vmid: number) =>
  `nodes/${node}/${type === "lxc" ? "lxc" : "qemu-server"}/${vmid}.conf`

/** The guest behind a typed path; an absent vmid and one of the other type fail alike, as on PVE. */
export const requireGuest = (state: SimState, type: GuestType, vmid: number): Either.Either<SimGuest, ApiError> => {
  const guest = state.guests.find((g) => g.vmid === vmid && g.type === type)
  return guest === undefined
    ? pveError(`Configuration file '${configPath(state.node.name, type, vmid)}' does not exist`)
    : Either.right(guest)
}

/** PVE's `pve-vmid` format. */
export const parseVmid = (raw: string | undefined): Either.Either<number, ApiError> =>
  raw !== undefined && /^[1-9][0-9]{2,8}$/.test(raw)
    ? Either.right(Number(raw))
    : paramError("vmid", "invalid format - value does not look like a valid VM ID")

export const uptimeOf = (g: SimGuest, nowMs: number) =>
  g.status === "running" ? Math.max(0, Math.floor((nowMs - g.startedAtMs) / 1000)) : 0
