import { Effect, Schema } from "effect"
import { VmId } from "../domain/Ids.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import { readsNode } from "./Annotations.js"
import { findGuest } from "./pve/Guests.js"
import { defineTool } from "./Runner.js"

const Input = Schema.Struct({ vmid: VmId })
const Output = Schema.Struct({
  vmid: Schema.Number,
  available: Schema.Boolean,
  error: Schema.optionalWith(Schema.String, { exact: true })
})

export const qmAgentPing = defineTool({
  name: "qm_agent_ping",
  title: "Ping a VM's guest agent",
  description: "Check whether the QEMU guest agent inside a VM answers (needed for in-VM exec and file tools). " +
    "Returns available:false with the reason when the VM is stopped or the agent is not running. Uses the API " +
    "(PVE 9: VM.GuestAgent.Audit).",
  minTier: "observe",
  annotations: readsNode,
  input: Input,
  output: Output,
  timeout: "20 seconds",
  handler: ({ vmid }) =>
    Effect.gen(function*() {
      const api = yield* ProxmoxApi
      yield* findGuest(vmid, "qemu")
      return yield* api.request({ method: "POST", path: `/nodes/${api.node}/qemu/${vmid}/agent/ping` }).pipe(
        Effect.as({ vmid, available: true }),
        Effect.catchTag("ApiError", (e) => Effect.succeed({ vmid, available: false, error: e.message }))
      )
    })
})
