import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import type { JsonSchemaType } from "@modelcontextprotocol/sdk/validation/types.js"
import type { Duration } from "effect"
import { Effect, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Tier } from "../../src/domain/Tier.js"
import type { Plan } from "../../src/layers/AppLayer.js"
import { planFor } from "../../src/layers/AppLayer.js"
import type { SimRole } from "../../src/layers/ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated } from "../../src/layers/ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "../../src/layers/SshTransportSimulated.js"
import type { AppConfigShape } from "../../src/services/AppConfig.js"
import { ToolContext } from "../../src/services/ToolContext.js"
import type { McpTool, ToolResult } from "../../src/tools/Tool.js"

const validator = new AjvJsonSchemaValidator()

export const tempDir = () => mkdtempSync(join(tmpdir(), "homelab-mcp-test-"))

export const testConfig = (tier: Tier, overrides: Partial<AppConfigShape> = {}): AppConfigShape => {
  const dir = tempDir()
  return {
    tier,
    simulated: true,
    dataDir: dir,
    api: Option.none(),
    ssh: Option.none(),
    auditLogPath: join(dir, "audit.jsonl"),
    backupDir: join(dir, "backups"),
    censusDir: join(dir, "census"),
    queryAuditDefaultLimit: 50,
    queryAuditMaxLimit: 200,
    health: {
      loadWarnRatio: 0.8,
      loadCritRatio: 1.5,
      memWarnPct: 85,
      memCritPct: 95,
      fsWarnPct: 80,
      fsCritPct: 90,
      failedUnitsCrit: [],
      pendingUpdatesWarn: 50
    },
    verifyTimeoutMs: 10_000,
    verifyIntervalMs: 500,
    census: {
      retentionCap: 30,
      maxItemsPerSection: 200,
      maxResponseBytes: 524_288,
      storageDriftPct: 10,
      probeTimeoutMs: 10_000,
      budgetMs: 120_000
    },
    guard: {
      commandDenylist: Option.none(),
      pathAllowlist: [],
      pathDenylist: ["/proc", "/sys", "/dev"],
      redactionExtraKeys: [],
      tailLinesCap: 500,
      probeTimeoutMs: 10_000,
      snapshotPerGuestCap: 3,
      snapshotVmstate: false,
      breaker: { enabled: true, limit: 3, windowMs: 600_000 }
    },
    files: {
      readFileMaxBytes: 2_097_152,
      qmWriteMaxBytes: 60_000,
      largeFileBytes: 1_048_576,
      largeFilePolicy: "diff",
      perFileVersionCap: 10,
      globalSizeCapBytes: 104_857_600,
      diskPressureFailSafe: "warn",
      newFileMode: 0o644,
      newFileUid: 0,
      newFileGid: 0,
      nodeTempDir: "/tmp"
    },
    privileges: { check: true, strict: false },
    ...overrides
  }
}

export interface Harness {
  readonly config: AppConfigShape
  readonly plan: Plan
  /** The tier's layer plus the simulated node's control handle (one instance). */
  readonly layer: Layer.Layer<
    Layer.Layer.Success<Plan["layer"]> | Layer.Layer.Success<ReturnType<typeof ProxmoxApiSimulated.layer>>
  >
}

/** The real tier composition over a simulated node whose token role can differ from the tier's (for 403 tests). */
export const harness = (
  tier: Tier,
  options: { readonly role?: SimRole; readonly config?: Partial<AppConfigShape> } = {}
): Harness => {
  // A role chosen on purpose (a 403 test) would fail the startup privilege check; such tests opt back in via config.
  const config = testConfig(tier, {
    ...(options.role === undefined ? {} : { privileges: { check: false, strict: false } }),
    ...options.config
  })
  const sim = ProxmoxApiSimulated.layer({
    role: options.role ?? (tier === "observe" ? "auditor" : "operate")
  })
  const plan = planFor(config, { api: sim, ssh: SshTransportSimulated.pipe(Layer.provide(sim)) })
  // The simulated API never fails to build, so NotConfigured cannot happen here.
  const layer = Layer.merge(plan.layer as Layer.Layer<Layer.Layer.Success<Plan["layer"]>, unknown>, sim).pipe(
    Layer.orDie
  )
  return { config, plan, layer }
}

export interface Elicit {
  readonly canElicit: boolean
  readonly answer?: boolean
}

/** A ToolContext that records progress and answers elicitation as told. */
export const context = (elicit: Elicit = { canElicit: false }) =>
  Effect.gen(function*() {
    const progress = yield* Ref.make<ReadonlyArray<string>>([])
    const questions = yield* Ref.make<ReadonlyArray<string>>([])
    const ctx = ToolContext.of({
      tool: "test",
      progress: (_p, _t, message) => Ref.update(progress, (xs) => [...xs, message]),
      canElicit: elicit.canElicit,
      elicitConfirmation: (q) => Ref.update(questions, (xs) => [...xs, q]).pipe(Effect.as(elicit.answer ?? false))
    })
    return { ctx, progress, questions }
  })

/** Calls a tool of the plan by name, as the bridge would. */
export const call = (plan: Plan, name: string, args: unknown, elicit?: Elicit) =>
  Effect.gen(function*() {
    const tool = (plan.tools as ReadonlyArray<McpTool<unknown>>).find((t) => t.name === name)
    if (tool === undefined) return yield* Effect.dieMessage(`${name} is not registered at ${plan._tag}`)
    const { ctx } = yield* context(elicit)
    const result = (yield* tool.call(args).pipe(Effect.provideService(ToolContext, ctx))) as ToolResult
    if (result._tag === "Success") {
      // What the SDK client does with every result: validate structuredContent against the output schema.
      const check = validator.getValidator(tool.listEntry.outputSchema as JsonSchemaType)(result.structured)
      if (!check.valid) return yield* Effect.dieMessage(`${name} output violates its schema: ${check.errorMessage}`)
    }
    return result
  }) as Effect.Effect<ToolResult>

export const ok = (r: ToolResult) => {
  if (r._tag !== "Success") throw new Error(`expected success, got ${r.text}`)
  return r.structured as Record<string, unknown>
}

export const failed = (r: ToolResult) => {
  if (r._tag !== "Failure") throw new Error(`expected failure, got ${r.text}`)
  return r.error
}

/**
 * Runs a call on the TestClock, advancing time in steps until it finishes (tasks, polling and timeouts all wait on
 * the Clock).
 */
export const drive = <A, E>(eff: Effect.Effect<A, E>, step: Duration.DurationInput = "250 millis", maxSteps = 600) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(eff)
    for (let i = 0; i < maxSteps; i++) {
      yield* TestClock.adjust(step)
      if ((yield* Fiber.poll(fiber))._tag === "Some") break
    }
    return yield* Fiber.join(fiber)
  })
