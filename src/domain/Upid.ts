import { Option } from "effect"

export interface Upid {
  readonly raw: string
  readonly node: string
  readonly type: string
  readonly id: string
  readonly user: string
  readonly startTime: number
}

/** Parses `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`; the node comes from the UPID itself. */
export const parseUpid = (raw: string): Option.Option<Upid> => {
  const parts = raw.split(":")
  if (parts.length < 8 || parts[0] !== "UPID") return Option.none()
  const [, node = "", , , start = "", type = "", id = "", user = ""] = parts
  const startTime = Number.parseInt(start, 16)
  // The node goes into an API path: it must be a valid PVE node name.
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(node) || type === "" || Number.isNaN(startTime)) {
    return Option.none()
  }
  return Option.some({ raw, node, type, id, user, startTime })
}
