import { Effect } from "effect"
import type { AppConfigShape } from "../services/AppConfig.js"
import { toExecOutput } from "./exec/ExecOutput.js"
import { execToolBase } from "./exec/ExecTool.js"
import { agentExec, requireAgent } from "./pve/Agent.js"
import { findGuest } from "./pve/Guests.js"
import { defineMutation } from "./Runner.js"

export const makeQmExec = (config: AppConfigShape) => {
  const { base, guard } = execToolBase(config, (vmid) => `VM ${vmid}`)
  return defineMutation({
    ...base,
    precheck: (i) => guard.precheck(i.command),
    name: "qm_exec",
    title: "Run a command in a VM",
    description: "Run a shell command inside a QEMU VM through its guest agent (agent/exec with sh -c) and return " +
      "exit code, stdout and stderr (secrets redacted). Needs a running VM with qemu-guest-agent. When the time " +
      "limit passes, the result says so with the guest pid: the agent cannot kill the process. Same guardrails as " +
      "pct_exec. Audited.",
    handler: (input) =>
      Effect.gen(function*() {
        yield* findGuest(input.vmid, "qemu")
        yield* requireAgent(input.vmid)
        const r = yield* agentExec(input.vmid, input.command, input.timeoutMs)
        const out = toExecOutput(input.vmid, r, {
          extraKeys: config.guard.redactionExtraKeys,
          heavy: guard.heavy(input.command)
        })
        return r.timedOut
          ? { ...out, pid: r.pid, note: `time limit reached; guest pid ${r.pid} may still be running` }
          : out
      })
  })
}
