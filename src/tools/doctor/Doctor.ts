import { Effect, Either, Option } from "effect"
import type { ConfigInvalid } from "../../domain/ConfigError.js"
import type { NodeLayers } from "../../layers/AppLayer.js"
import { nodeLayers } from "../../layers/AppLayer.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import type { CheckResult, DoctorReport } from "./Check.js"
import { fail, formatLine, ok, report, summary } from "./Check.js"
import { localChecks, runtimeCheck } from "./LocalChecks.js"
import { nodeChecks } from "./NodeChecks.js"

export interface DoctorOptions {
  /** `loadConfig(...)` in the product; tests pass a config of their own. */
  readonly config: Effect.Effect<AppConfigShape, ConfigInvalid>
  /** The channels to the node; defaults to the tier's real (or simulated) ones. Tests pass a simulated node. */
  readonly node?: (config: AppConfigShape) => NodeLayers
  readonly versions?: { readonly node: string; readonly bun?: string | undefined }
}

const configOk = (config: AppConfigShape): CheckResult =>
  ok(
    "config",
    `tier ${config.tier}, ${
      Option.match(config.api, {
        onNone: () => "simulated node",
        onSome: (a) => `node ${a.node} at ${a.endpoint}, token ${a.tokenId}`
      })
    }, data in ${config.dataDir}`
  )

/**
 * `homelab-mcp doctor` (issue 6 §3): runtime, config, API and its pin, token privileges versus the tier, SSH and its
 * pin (companion and root), data directory, audit chain and backup store. Read-only towards the node; every check
 * is bounded and the independent ones run at once. An invalid config is one `fail` line, never a crash.
 */
export const runDoctor = (options: DoctorOptions): Effect.Effect<DoctorReport> =>
  Effect.gen(function*() {
    const runtime = runtimeCheck(options.versions ?? process.versions)
    const loaded = yield* Effect.either(options.config)
    if (Either.isLeft(loaded)) {
      const e = loaded.left
      return report([
        runtime,
        fail("config", e.message, `set ${e.variable} as described in homelab-mcp --help, or re-run homelab-mcp setup`)
      ])
    }
    const config = loaded.right
    const node = (options.node ?? nodeLayers)(config)
    const [remote, local] = yield* Effect.all([nodeChecks(config, node), localChecks(config)], {
      concurrency: "unbounded"
    })
    return report([runtime, configOk(config), ...remote, ...local])
  })

/** Prints the report (lines and a summary, or one JSON document) on stdout; exit 0 only when nothing failed. */
export const doctorCommand = (options: DoctorOptions & { readonly json: boolean }): Effect.Effect<number> =>
  Effect.gen(function*() {
    const result = yield* runDoctor(options)
    const text = options.json
      ? JSON.stringify(result)
      : [...result.checks.map(formatLine), summary(result)].join("\n")
    yield* Effect.sync(() => process.stdout.write(`${text}\n`))
    return result.ok ? 0 : 1
  })
