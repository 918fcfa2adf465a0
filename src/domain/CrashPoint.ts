declare const __HOMELAB_MCP_TEST_HOOKS__: boolean | undefined

/**
 * Named persistence points of the write protocol (security.md §5.3). A test build started with
 * `MCP_TEST_CRASH_AT=<step>` kills itself with SIGKILL when it reaches that step, so the crash-point tests can check
 * that a crash at every step loses nothing. Production builds refuse the variable at startup.
 */
export const CRASH_STEPS = [
  "after-lock",
  "after-read",
  "after-blob-tmp",
  "after-blob-fsync",
  "after-blob-rename",
  "after-version-record",
  "after-intent",
  "after-remote-tmp",
  "after-remote-rename",
  "after-verify",
  "after-outcome"
] as const
export type CrashStep = (typeof CRASH_STEPS)[number]

/** `true` in the test bundle and when running from source (tests); `false` in the shipped bundle. */
export const TEST_HOOKS_ALLOWED = typeof __HOMELAB_MCP_TEST_HOOKS__ === "boolean" ? __HOMELAB_MCP_TEST_HOOKS__ : true

export const CRASH_ENV = "MCP_TEST_CRASH_AT"

/** The armed step from the environment; a check of the value happens once at startup (`crashSetting`). */
const armed = (): string | undefined => process.env[CRASH_ENV]

/**
 * Why the environment's crash setting cannot be used, or `undefined` when it is absent or valid. Production builds
 * refuse it outright: a shipped server never kills itself on request.
 */
export const crashSettingProblem = (value: string | undefined = armed()): string | undefined => {
  if (value === undefined || value === "") return undefined
  if (!TEST_HOOKS_ALLOWED) return `${CRASH_ENV} is a test-only hook and this is a production build; unset it`
  return (CRASH_STEPS as ReadonlyArray<string>).includes(value)
    ? undefined
    : `${CRASH_ENV}=${JSON.stringify(value)} must be one of ${CRASH_STEPS.join(", ")}`
}

/** Kills the process with SIGKILL when the armed step is `step` (test builds only); otherwise does nothing. */
export const crashAt = (step: CrashStep): void => {
  if (TEST_HOOKS_ALLOWED && armed() === step) process.kill(process.pid, "SIGKILL")
}

/** Whether the test hook is armed at `step` (test builds only). */
export const crashArmed = (step: CrashStep): boolean => TEST_HOOKS_ALLOWED && armed() === step
