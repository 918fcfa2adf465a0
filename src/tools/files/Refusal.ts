import { Effect } from "effect"
import type { BackupTarget } from "../../domain/Backup.js"
import { viewError } from "../../domain/ErrorCodes.js"
import type { GuardRefused, ToolFailure } from "../../domain/Errors.js"
import type { Tier } from "../../domain/Tier.js"
import type { AuditIntent, AuditLogShape } from "../../services/AuditLog.js"
import { AuditLog } from "../../services/AuditLog.js"
import { MutationGate } from "../../services/TierGate.js"

/**
 * A write that was refused before anything reached the node (protected path, compare-and-swap mismatch, no
 * pre-image possible, another writer holding the target) is still audited: an intent and a `refused` outcome.
 * If the audit log itself cannot be written, that failure is what the caller sees.
 */
export const auditRefusal = <X extends ToolFailure>(audit: AuditLogShape, fields: AuditIntent, e: X) =>
  audit.intent(fields).pipe(
    Effect.flatMap((h) =>
      audit.outcome(h, { outcome: "refused", error: { code: viewError(e).code, message: e.message }, durationMs: 0 })
    ),
    Effect.uninterruptible,
    Effect.zipRight(Effect.fail(e))
  )

/** The audit fields of a file tool's call on `target`. */
export const fileFields = (tool: string, tier: Tier, target: BackupTarget, args: unknown): AuditIntent => ({
  tool,
  tier,
  args,
  path: target.path,
  ...(target.kind === "host" ? {} : { vmid: target.vmid ?? 0 }),
  ...(tier === "root" ? { rootTier: true } : {})
})

/** A guard refusal (protected path) before the write core ran: audited like every other refusal. */
export const auditGuard = (tool: string, target: BackupTarget, args: unknown) =>
<A, E, R>(
  self: Effect.Effect<A, E | GuardRefused, R>
) =>
  Effect.catchIf(
    self,
    (e): e is GuardRefused => (e as { _tag?: string })._tag === "GuardRefused",
    (e) =>
      Effect.gen(function*() {
        const { tier } = yield* MutationGate
        const audit = yield* AuditLog
        return yield* auditRefusal(audit, fileFields(tool, tier, target, args), e)
      })
  )
