import { Effect } from "effect"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { SshTransport } from "../../services/SshTransport.js"
import { ExecInput, ExecOutput, toExecOutput } from "../exec/ExecOutput.js"
import { auditExec } from "../exec/ExecOutput.js"
import { makeCommandGuard } from "../exec/Guard.js"
import { defineMutation } from "../Runner.js"

const Input = ExecInput.omit("vmid")
const Output = ExecOutput.omit("vmid")

/** `execute` (root tier): a shell command on the Proxmox host itself, behind the same guard as the guest exec tools. */
export const makeExecute = (config: AppConfigShape) => {
  const guard = makeCommandGuard(config.guard)
  return defineMutation({
    name: "execute",
    title: "Run a command on the host",
    description: "Run a shell command on the Proxmox host as root (bash) and return exit code, stdout and stderr " +
      "(secrets redacted, output capped with truncation flags). Destructive commands and changes to privileges or " +
      "cluster files are refused; commands that interrupt availability (reboot, shutdown …) need the user's " +
      "approval. Prefer the file tools for edits: they are backed up and revertible, a command is not. Audited.",
    minTier: "root",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    input: Input,
    output: Output,
    timeout: "16 minutes",
    audit: { result: (o) => auditExec({ ...o, vmid: 0 }) },
    confirm: {
      question: (i) => guard.question("the Proxmox host", i.command),
      argument: (i) => i.confirm
    },
    precheck: (i) => guard.precheck(i.command),
    handler: (input) =>
      Effect.gen(function*() {
        const ssh = yield* SshTransport
        const r = yield* ssh.exec(input.command, { timeoutMs: input.timeoutMs })
        const { vmid: _vmid, ...out } = toExecOutput(0, r, {
          extraKeys: config.guard.redactionExtraKeys,
          heavy: guard.heavy(input.command)
        })
        return out
      })
  })
}
