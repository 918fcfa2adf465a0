import { Effect, Either, Option, Redacted, Schema } from "effect"
import type { LocalKey } from "./Keys.js"
import { deleteLocalKey, writeLocalKey } from "./Keys.js"
import type { Step } from "./Plan.js"
import { renderStep } from "./Plan.js"
import type { SetupNodeShape } from "./Ports.js"
import { SetupConsole, SetupFailed } from "./Ports.js"

/** Runs the plan's steps in order; stops at the first failure, naming the step (never printing a secret). */

const TokenCreated = Schema.parseJson(Schema.Struct({ "full-tokenid": Schema.String, value: Schema.String }))

export interface Applied {
  /** The secret of the token created by this run, if one was. */
  readonly secret: Option.Option<Redacted.Redacted<string>>
}

const runStep = (node: SetupNodeShape, step: Step) =>
  Effect.gen(function*() {
    const command = renderStep(step)
    const r = yield* node.run(command)
    if (r.code !== 0) {
      const why = r.stderr.trim().split("\n").filter((l) => l !== "").join(" / ") || `exit ${r.code}`
      return yield* new SetupFailed({
        message: `on the node, \`${step._tag === "Pveum" && step.token ? "pveum user token add …" : command}\` ` +
          `failed (exit ${r.code}): ${why}. Steps before it were applied; re-running setup continues from here.`
      })
    }
    return r.stdout
  })

export const applyPlan = (
  node: SetupNodeShape,
  steps: ReadonlyArray<Step>,
  local: { readonly dataDir: string; readonly newKey: Option.Option<LocalKey> }
): Effect.Effect<Applied, SetupFailed, SetupConsole> =>
  Effect.gen(function*() {
    const io = yield* SetupConsole
    let secret = Option.none<Redacted.Redacted<string>>()
    for (const [i, step] of steps.entries()) {
      const label = step._tag === "Pveum" && step.token ? `${renderStep(step)}  (secret not shown)` : renderStep(step)
      yield* io.info(`  [${i + 1}/${steps.length}] ${label}\n`)
      if (step._tag === "WriteLocalKey") {
        if (Option.isNone(local.newKey)) return yield* new SetupFailed({ message: "no key to write (internal)" })
        yield* writeLocalKey(local.dataDir, local.newKey.value)
        continue
      }
      if (step._tag === "DeleteLocalKey") {
        yield* deleteLocalKey(local.dataDir)
        continue
      }
      const stdout = yield* runStep(node, step)
      if (step._tag === "Pveum" && step.token) {
        const created = Schema.decodeUnknownEither(TokenCreated)(stdout.trim())
        if (Either.isLeft(created)) {
          return yield* new SetupFailed({
            message: "the node created the token but its answer holds no secret; re-run setup to replace the token"
          })
        }
        secret = Option.some(Redacted.make(created.right.value))
      }
    }
    return { secret }
  })
