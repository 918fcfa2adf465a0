import { Effect, Either, Schema } from "effect"
import { GuestNotReady, InvalidArguments, NodeCommandFailed } from "../domain/Errors.js"
import { VmId } from "../domain/Ids.js"
import { validatePath } from "../domain/PathGuard.js"
import { pctExec, shJoin, shQuote } from "../domain/Shell.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import { SshTransport } from "../services/SshTransport.js"
import { readsNode } from "./Annotations.js"
import { cleanOutput } from "./exec/ExecOutput.js"
import { findGuest } from "./pve/Guests.js"
import { defineTool } from "./Runner.js"

const Target = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("host") }),
  Schema.Struct({ kind: Schema.Literal("pct"), vmid: VmId })
).annotations({ description: "Where to read: the Proxmox host (default) or a container." })

const SINCE = /^(\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?|\d+\s*(min|hour|day)s?\s*ago)$/

const Output = Schema.Struct({
  target: Target,
  mode: Schema.Literal("unit", "path"),
  source: Schema.String,
  lines: Schema.Number,
  content: Schema.String,
  redactions: Schema.Number,
  truncated: Schema.Boolean
})

const runningContainer = (vmid: number) =>
  Effect.flatMap(findGuest(vmid, "lxc"), (g) =>
    g.status === "running"
      ? Effect.void
      : Effect.fail(new GuestNotReady({ vmid, message: `container ${vmid} (${g.name ?? ""}) is ${g.status}` })))

/** `realpath -e` on the node (or in the container): the file the path really names. */
const resolveOnNode = (
  target: { readonly kind: "host" } | { readonly kind: "pct"; readonly vmid: number },
  path: string,
  timeoutMs: number
) =>
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const script = shJoin(["realpath", "-e", "--", path])
    const r = yield* ssh.exec(target.kind === "pct" ? pctExec(target.vmid, script) : script, { timeoutMs })
    const resolved = r.stdout.trim()
    if (r.exitCode !== 0 || resolved === "") {
      return yield* new NodeCommandFailed({ message: `tail_log: ${path} does not exist`, exitCode: r.exitCode })
    }
    return resolved
  })

const invalid = (issue: string) =>
  new InvalidArguments({ message: `invalid arguments for tail_log:\n${issue}`, issues: [issue] })

export const makeTailLog = (config: AppConfigShape) => {
  const cap = config.guard.tailLinesCap
  return defineTool({
    name: "tail_log",
    title: "Tail a journal or log file",
    description: "Read the last lines of a systemd unit's journal (unit) or of a log file (path) on the Proxmox host " +
      "or inside a container. Give exactly one of unit or path; since works with unit only. The content is always " +
      "redacted (passwords, tokens, keys) and stripped of control characters. Read-only.",
    minTier: "companion",
    annotations: readsNode,
    input: Schema.Struct({
      target: Schema.optionalWith(Target, { exact: true, default: () => ({ kind: "host" as const }) }),
      unit: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9@:._\\-]{1,256}$/)), { exact: true })
        .annotations({ description: "systemd unit, e.g. pveproxy.service" }),
      path: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(4096)), { exact: true })
        .annotations({ description: "Absolute path of a log file" }),
      lines: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.between(1, cap)), {
        exact: true,
        default: () => Math.min(100, cap)
      }).annotations({ description: `How many lines (1 to ${cap}, default ${Math.min(100, cap)}).` }),
      since: Schema.optionalWith(Schema.String.pipe(Schema.pattern(SINCE)), { exact: true })
        .annotations({ description: "Unit mode only: 2026-11-24, 2026-11-24 10:00, or '2 hours ago'." })
    }),
    output: Output,
    timeout: "30 seconds",
    handler: (input) =>
      Effect.gen(function*() {
        if ((input.unit === undefined) === (input.path === undefined)) {
          return yield* invalid("- unit, path: give exactly one of them")
        }
        if (input.target.kind === "pct") yield* runningContainer(input.target.vmid)
        if (input.since !== undefined && input.path !== undefined) {
          return yield* invalid("- since: only works with unit, not with path")
        }
        let script: string
        let source: string
        if (input.unit !== undefined) {
          source = input.unit
          script = shJoin([
            "journalctl",
            "-u",
            input.unit,
            "-n",
            String(input.lines),
            "--no-pager",
            ...(input.since === undefined ? [] : ["--since", input.since.trim()])
          ])
        } else {
          const rules = { allow: config.guard.pathAllowlist, deny: config.guard.pathDenylist }
          const checked = validatePath(input.path ?? "", rules)
          if (Either.isLeft(checked)) return yield* invalid(`- path: ${checked.left}`)
          // The path is checked again after the node resolves it: a symlink must not lead past the path rules,
          // and only regular files are read (a link to /dev/zero would never end).
          const resolved = yield* resolveOnNode(input.target, checked.right, config.guard.probeTimeoutMs)
          const real = validatePath(resolved, rules)
          if (Either.isLeft(real)) return yield* invalid(`- path: resolves to ${resolved}: ${real.left}`)
          source = checked.right === real.right ? real.right : `${checked.right} -> ${real.right}`
          script = `test -f ${shQuote(real.right)} && ${shJoin(["tail", "-n", String(input.lines), "--", real.right])}`
        }
        const ssh = yield* SshTransport
        const command = input.target.kind === "pct" ? pctExec(input.target.vmid, script) : script
        const r = yield* ssh.exec(command, { timeoutMs: config.guard.probeTimeoutMs, maxOutputBytes: 2 * 1024 * 1024 })
        if (r.exitCode !== 0) {
          const why = cleanOutput(r.stderr, config.guard.redactionExtraKeys).text.trim().slice(0, 500)
          return yield* new NodeCommandFailed({
            message: `tail_log failed (exit ${r.exitCode}): ${why}`,
            exitCode: r.exitCode
          })
        }
        const content = cleanOutput(r.stdout, config.guard.redactionExtraKeys)
        return {
          target: input.target,
          mode: input.unit !== undefined ? "unit" as const : "path" as const,
          source,
          lines: content.text === "" ? 0 : content.text.replace(/\n$/, "").split("\n").length,
          content: content.text,
          redactions: content.count,
          truncated: r.stdoutTruncated
        }
      })
  })
}
