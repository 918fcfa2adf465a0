import { Schema } from "effect"
import { VmId } from "../../domain/Ids.js"
import { redactText, stripControl } from "../../domain/Redact.js"
import { opt } from "../../domain/SchemaUtil.js"

export const MAX_COMMAND_CHARS = 16_384
export const DEFAULT_TIMEOUT_MS = 30_000
export const MAX_TIMEOUT_MS = 900_000

export const ExecInput = Schema.Struct({
  vmid: VmId,
  command: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_COMMAND_CHARS)).annotations({
    description: "Shell command line, run with sh -c inside the guest."
  }),
  timeoutMs: Schema.optionalWith(
    Schema.Number.pipe(Schema.int(), Schema.between(1000, MAX_TIMEOUT_MS)),
    { exact: true, default: () => DEFAULT_TIMEOUT_MS }
  ).annotations({ description: `Time limit in ms (1000 to ${MAX_TIMEOUT_MS}, default ${DEFAULT_TIMEOUT_MS}).` }),
  confirm: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }).annotations({
    description: "Set true only after the user explicitly approved this command in the conversation. Ignored when " +
      "the client can ask the user directly."
  })
})
export type ExecInput = typeof ExecInput.Type

export const ExecOutput = Schema.Struct({
  vmid: Schema.Number,
  exitCode: Schema.NullOr(Schema.Number),
  signal: opt(Schema.String),
  timedOut: Schema.Boolean,
  stdout: Schema.String,
  stderr: Schema.String,
  stdoutTruncated: Schema.Boolean,
  stderrTruncated: Schema.Boolean,
  durationMs: Schema.Number,
  /** Secrets replaced by [REDACTED] in stdout and stderr. */
  redactions: Schema.Number,
  /** Set when the command looks heavy (long-running, I/O- or network-bound); an annotation, never a gate. */
  heavy: opt(Schema.String),
  /** VM only: the guest pid, given when the agent's time ran out (the process may still be running). */
  pid: opt(Schema.Number),
  note: opt(Schema.String)
})
export type ExecOutput = typeof ExecOutput.Type

/** Node text reaches the model only redacted and without control or bidi characters. */
export const cleanOutput = (text: string, extraKeys: ReadonlyArray<string>) => {
  const { count, text: redacted } = redactText(stripControl(text), extraKeys)
  return { text: redacted, count }
}

/** What of an exec result goes into the audit outcome: never the output itself. */
export const auditExec = (o: ExecOutput) => ({
  exitCode: o.exitCode,
  timedOut: o.timedOut,
  durationMs: o.durationMs,
  ...(o.signal === undefined ? {} : { signal: o.signal }),
  ...(o.heavy === undefined ? {} : { heavy: o.heavy })
})

export interface RawExec {
  readonly exitCode: number | null
  readonly signal?: string
  readonly timedOut: boolean
  readonly stdout: string
  readonly stderr: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  readonly durationMs: number
}

/** One shape for container and VM exec results: cleaned, redacted, with the heavy annotation. */
export const toExecOutput = (
  vmid: number,
  r: RawExec,
  extra: { readonly extraKeys: ReadonlyArray<string>; readonly heavy: string | undefined }
): ExecOutput => {
  const stdout = cleanOutput(r.stdout, extra.extraKeys)
  const stderr = cleanOutput(r.stderr, extra.extraKeys)
  return {
    vmid,
    exitCode: r.exitCode,
    ...(r.signal === undefined ? {} : { signal: r.signal }),
    timedOut: r.timedOut,
    stdout: stdout.text,
    stderr: stderr.text,
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    durationMs: r.durationMs,
    redactions: stdout.count + stderr.count,
    ...(extra.heavy === undefined ? {} : { heavy: extra.heavy })
  }
}
