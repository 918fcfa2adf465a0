import { Schema } from "effect"
import { VmId } from "../domain/Ids.js"
import { LifecycleOutput, restartGuest, startGuest, stopGuest } from "./pve/Lifecycle.js"
import { defineMutation } from "./Runner.js"

const VmidInput = Schema.Struct({ vmid: VmId })

const audit = {
  vmid: (input: { readonly vmid: number }) => input.vmid
}

export const guestStart = defineMutation({
  name: "guest_start",
  title: "Start a guest",
  description: "Start an LXC container or QEMU VM by vmid. Waits for the Proxmox task, then polls until the guest " +
    "really runs. Starting a running guest does nothing and returns alreadyRunning:true. Audited.",
  minTier: "operate",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: VmidInput,
  output: LifecycleOutput,
  timeout: "3 minutes",
  audit: { ...audit, isLargeChange: () => false },
  handler: ({ vmid }) => startGuest(vmid)
})

const StopInput = Schema.Struct({
  vmid: VmId,
  confirm: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Set true only after the user explicitly approved this hard stop in the conversation. Ignored " +
      "when the client can ask the user directly."
  })
})

export const guestStop = defineMutation({
  name: "guest_stop",
  title: "Stop a guest (hard power-off)",
  description: "Immediately power off an LXC container or QEMU VM, like pulling the plug: unsaved data in the " +
    "guest can be lost. Prefer guest_restart for a graceful reboot. Needs the user's approval. Waits for the task, " +
    "then polls until the guest is stopped. Stopping a stopped guest returns alreadyStopped:true. Audited.",
  minTier: "operate",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  input: StopInput,
  output: LifecycleOutput,
  timeout: "3 minutes",
  audit: { ...audit, isLargeChange: () => true },
  confirm: {
    question: ({ vmid }) => `Hard power-off of guest ${vmid} (like pulling the plug; unsaved data may be lost).`,
    argument: ({ confirm }) => confirm
  },
  handler: ({ vmid }) => stopGuest(vmid)
})

export const guestRestart = defineMutation({
  name: "guest_restart",
  title: "Restart a guest (graceful)",
  description: "Gracefully reboot a running LXC container or QEMU VM (the guest OS shuts down cleanly, then starts). " +
    "A stopped guest is started instead (wasStopped:true). Waits for the task, then polls until the guest runs " +
    "again. Audited.",
  minTier: "operate",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: VmidInput,
  output: LifecycleOutput,
  timeout: "5 minutes",
  audit: { ...audit, isLargeChange: () => true },
  handler: ({ vmid }) => restartGuest(vmid)
})
