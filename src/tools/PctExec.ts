import { Effect } from "effect"
import { GuestNotReady } from "../domain/Errors.js"
import { pctExec } from "../domain/Shell.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { SshTransport } from "../services/SshTransport.js"
import { toExecOutput } from "./exec/ExecOutput.js"
import { execToolBase } from "./exec/ExecTool.js"
import { findGuest } from "./pve/Guests.js"
import { defineMutation } from "./Runner.js"

export const makePctExec = (config: AppConfigShape) => {
  const { base, guard } = execToolBase(config, (vmid) => `container ${vmid}`)
  return defineMutation({
    ...base,
    precheck: (i) => guard.precheck(i.command),
    name: "pct_exec",
    title: "Run a command in a container",
    description: "Run a shell command inside an LXC container (pct exec, sh -c) and return exit code, stdout and " +
      "stderr (secrets redacted, output capped with truncation flags). Destructive commands are refused; commands " +
      "that interrupt availability (reboot, shutdown …) need the user's approval. The container must be running. " +
      "Audited.",
    handler: (input) =>
      Effect.gen(function*() {
        const guest = yield* findGuest(input.vmid, "lxc")
        if (guest.status !== "running") {
          return yield* new GuestNotReady({
            vmid: input.vmid,
            message: `container ${input.vmid} (${guest.name ?? ""}) is ${guest.status}; start it with guest_start first`
          })
        }
        const ssh = yield* SshTransport
        const r = yield* ssh.exec(pctExec(input.vmid, input.command), { timeoutMs: input.timeoutMs })
        return toExecOutput(input.vmid, r, {
          extraKeys: config.guard.redactionExtraKeys,
          heavy: guard.heavy(input.command)
        })
      })
  })
}
