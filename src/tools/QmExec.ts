import { Effect } from "effect"
import type { AppConfigShape } from "../services/AppConfig.js"
import { auditExec, ExecInput, ExecOutput, toExecOutput } from "./exec/ExecOutput.js"
import { makeCommandGuard } from "./exec/Guard.js"
import { agentExec, requireAgent } from "./pve/Agent.js"
import { findGuest } from "./pve/Guests.js"
import { defineMutation } from "./Runner.js"

export const makeQmExec = (config: AppConfigShape) => {
  const guard = makeCommandGuard(config.guard)
  return defineMutation({
    name: "qm_exec",
    title: "Run a command in a VM",
    description: "Run a shell command inside a QEMU VM through its guest agent (agent/exec with sh -c) and return " +
      "exit code, stdout and stderr (secrets redacted). Needs a running VM with qemu-guest-agent. When the time " +
      "limit passes, the result says so with the guest pid: the agent cannot kill the process. Same guardrails as " +
      "pct_exec. Audited.",
    minTier: "companion",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    input: ExecInput,
    output: ExecOutput,
    timeout: "16 minutes",
    audit: { vmid: (i) => i.vmid, result: auditExec },
    precheck: (i) => guard.precheck(i.command),
    confirm: { question: (i) => guard.question(`VM ${i.vmid}`, i.command), argument: (i) => i.confirm },
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
