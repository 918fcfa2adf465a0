import { Effect } from "effect"
import type { PrivilegeSettings } from "../../services/AppConfig.js"
import { flag } from "./Env.js"

/** Token versus tier (ADR 0009): `MCP_STRICT_PRIVILEGES=1` turns a token broader than the tier into a refusal. */
export const privilegesFrom = Effect.gen(function*() {
  return { check: true, strict: yield* flag("MCP_STRICT_PRIVILEGES") } satisfies PrivilegeSettings
})
