import { Cause, Duration, Effect } from "effect"

/** One doctor check's verdict. Exit 0 only when none is `fail`. */
export type CheckStatus = "ok" | "warn" | "fail"

export interface CheckResult {
  readonly name: string
  readonly status: CheckStatus
  readonly detail: string
  readonly fix?: string
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail })
export const warn = (name: string, detail: string, fix?: string): CheckResult =>
  fix === undefined ? { name, status: "warn", detail } : { name, status: "warn", detail, fix }
export const fail = (name: string, detail: string, fix?: string): CheckResult =>
  fix === undefined ? { name, status: "fail", detail } : { name, status: "fail", detail, fix }

/** Local checks (files) get this long; checks that reach the node get `NODE_CHECK_TIMEOUT` (a 401 alone takes 3 s). */
export const LOCAL_CHECK_TIMEOUT = Duration.seconds(2)
export const NODE_CHECK_TIMEOUT = Duration.seconds(5)

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim()

/**
 * Runs a group of checks under one deadline. A timeout, a failure that escaped, or a defect becomes `fail` lines for
 * every name of the group, so the doctor always prints one line per check and never crashes.
 */
export const bounded = <E, R>(
  names: ReadonlyArray<string>,
  timeout: Duration.DurationInput,
  checks: Effect.Effect<ReadonlyArray<CheckResult>, E, R>
): Effect.Effect<ReadonlyArray<CheckResult>, never, R> =>
  checks.pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)}` }),
    Effect.catchAllCause((cause) => {
      const reason = Cause.isFailType(cause) && typeof cause.error === "string"
        ? cause.error
        : oneLine(Cause.pretty(cause).split("\n")[0] ?? "unexpected failure")
      return Effect.succeed(names.map((name) => fail(name, reason)))
    })
  )

/** `ok    api           PVE 9.0.10 …  fix: …` */
export const formatLine = (c: CheckResult): string =>
  `${c.status.padEnd(4)}  ${c.name.padEnd(12)}  ${oneLine(c.detail)}${
    c.fix === undefined ? "" : `  fix: ${oneLine(c.fix)}`
  }`

export interface DoctorReport {
  readonly ok: boolean
  readonly checks: ReadonlyArray<CheckResult>
}

export const report = (checks: ReadonlyArray<CheckResult>): DoctorReport => ({
  ok: checks.every((c) => c.status !== "fail"),
  checks
})

export const summary = (r: DoctorReport): string => {
  const count = (s: CheckStatus) => r.checks.filter((c) => c.status === s).length
  return `doctor: ${r.checks.length} checks, ${count("ok")} ok, ${count("warn")} warn, ${count("fail")} fail`
}
