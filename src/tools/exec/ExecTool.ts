import type { AppConfigShape } from "../../services/AppConfig.js"
import type { ExecInput } from "./ExecOutput.js"
import { auditExec, ExecInput as Input, ExecOutput } from "./ExecOutput.js"
import { makeCommandGuard } from "./Guard.js"

/**
 * What every exec tool shares: schemas, annotations, time limit, audit, the approval question for availability-class
 * commands, and the command guard (each tool wires `guard.precheck`, so its error type is inferred from its handler). `where` names the guest in the approval question.
 */
export const execToolBase = (config: AppConfigShape, where: (vmid: number) => string) => {
  const guard = makeCommandGuard(config.guard)
  return {
    guard,
    base: {
      minTier: "companion" as const,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
      input: Input,
      output: ExecOutput,
      timeout: "16 minutes" as const,
      audit: { vmid: (i: ExecInput) => i.vmid, result: auditExec },
      confirm: {
        question: (i: ExecInput) => guard.question(where(i.vmid), i.command),
        argument: (i: ExecInput) => i.confirm
      }
    }
  }
}
