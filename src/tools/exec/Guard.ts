import { Effect, Option } from "effect"
import { detectHeavy } from "../../domain/ChangeSize.js"
import { DEFAULT_DENYLIST, evaluateCommand } from "../../domain/CommandGuard.js"
import { GuardRefused } from "../../domain/Errors.js"
import type { GuardSettings } from "../../services/AppConfig.js"

/** The command guard with the configured denylist (COMMAND_DENYLIST replaces the default list). */
export const makeCommandGuard = (guard: GuardSettings) => {
  const denylist = Option.getOrElse(guard.commandDenylist, () => DEFAULT_DENYLIST)
  const verdict = (command: string) => evaluateCommand(command, { denylist })
  return {
    /** Refuses denied commands before anything reaches the node. */
    precheck: (command: string) => {
      const v = verdict(command)
      return v.verdict === "deny"
        ? Effect.fail(new GuardRefused({ message: `Refused: ${v.reason}`, rule: v.rule }))
        : Effect.void
    },
    /** The approval question for availability-class commands, shown with the exact command. */
    question: (where: string, command: string): string | undefined => {
      const v = verdict(command)
      return v.verdict === "confirm" ? `Run on ${where}: ${command}\n(${v.reason})` : undefined
    },
    heavy: (command: string): string | undefined => detectHeavy(command)
  }
}
