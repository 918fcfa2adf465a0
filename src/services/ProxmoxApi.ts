import type { Effect } from "effect"
import { Context } from "effect"
import type { ApiFailure } from "../domain/Errors.js"

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE"

/** Parameters; an array is sent as the key repeated (PVE's list parameters, e.g. agent/exec `command`). */
export type ApiParams = Readonly<Record<string, string | number | boolean | ReadonlyArray<string> | undefined>>

export interface ApiRequest {
  readonly method: HttpMethod
  /** Path relative to `/api2/json`, starting with `/`, with raw (unencoded) segments: the transport encodes them. */
  readonly path: string
  /** Query string for GET/DELETE, form body for POST/PUT. */
  readonly params?: ApiParams
}

/**
 * The PVE REST API port. `request` returns the unwrapped `data` member of PVE's `{ data }` envelope.
 * Reads may be retried by the implementation; mutations never are.
 */
export interface ProxmoxApiShape {
  /** The configured PVE node name (`PVE_API_NODE`). */
  readonly node: string
  /** Where the API lives, for banners and errors (`host:port`, or `simulated`). */
  readonly endpoint: string
  readonly request: (req: ApiRequest) => Effect.Effect<unknown, ApiFailure>
}

export class ProxmoxApi extends Context.Tag("homelab-mcp/ProxmoxApi")<ProxmoxApi, ProxmoxApiShape>() {}
