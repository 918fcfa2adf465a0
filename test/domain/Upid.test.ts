import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { parseUpid } from "../../src/domain/Upid.js"

describe("parseUpid", () => {
  it("takes the node, type, id and user from a PVE task id", () => {
    const upid = parseUpid("UPID:pve:000283DA:000F42A0:6B05B685:vzstart:102:mcp@pve!operate:")
    expect(Option.getOrThrow(upid)).toMatchObject({ node: "pve", type: "vzstart", id: "102", user: "mcp@pve!operate" })
  })

  it("refuses anything that is not a UPID, and a node that is not a valid node name", () => {
    for (
      const bad of ["", "OK", "UPID:pve", "UPID:../../x:1:2:6B05B685:vzstart:102:u:", "UPID:pve x:1:2:6B05B685:a:1:u:"]
    ) {
      expect(Option.isNone(parseUpid(bad)), bad).toBe(true)
    }
  })
})
