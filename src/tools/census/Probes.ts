import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import type { SshFailure } from "../../domain/Errors.js"
import { stripControl } from "../../domain/Redact.js"
import { shQuote } from "../../domain/Shell.js"
import { SshTransport } from "../../services/SshTransport.js"

export interface Probe {
  readonly name: string
  readonly script: string
}

export interface ProbeResult {
  readonly out: string
  /** `null` when the probe produced no end marker (the batch was cut short). */
  readonly rc: number | null
}

/**
 * Runs many fixed probes in ONE SSH round trip. Each probe runs under its own node-side `timeout`, and its output
 * is framed by markers carrying a per-call random nonce, so node text cannot forge a frame.
 */
export const runProbes = (
  probes: ReadonlyArray<Probe>,
  options: { readonly probeTimeoutMs: number; readonly wrap?: (script: string) => string }
): Effect.Effect<ReadonlyMap<string, ProbeResult>, SshFailure, SshTransport> =>
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const nonce = randomBytes(8).toString("hex")
    const secs = Math.max(1, Math.ceil(options.probeTimeoutMs / 1000))
    const body = probes.map((p) =>
      `printf '\\n@@${nonce} begin %s\\n' ${shQuote(p.name)}; timeout ${secs} sh -c ${shQuote(p.script)} 2>&1; ` +
      `printf '\\n@@${nonce} end %s %s\\n' ${shQuote(p.name)} "$?"`
    ).join("\n")
    const script = options.wrap === undefined ? body : options.wrap(body)
    const r = yield* ssh.exec(script, {
      timeoutMs: options.probeTimeoutMs * Math.max(1, Math.min(probes.length, 6)),
      maxOutputBytes: 4 * 1024 * 1024
    })
    return parseFrames(r.stdout, nonce)
  })

export const parseFrames = (stdout: string, nonce: string): ReadonlyMap<string, ProbeResult> => {
  const results = new Map<string, ProbeResult>()
  const begin = `@@${nonce} begin `
  const end = `@@${nonce} end `
  let current: { name: string; lines: Array<string> } | undefined
  for (const line of stdout.split("\n")) {
    if (line.startsWith(begin)) {
      current = { name: line.slice(begin.length), lines: [] }
    } else if (line.startsWith(end) && current !== undefined) {
      const rest = line.slice(end.length)
      const rc = Number(rest.slice(rest.lastIndexOf(" ") + 1))
      results.set(current.name, {
        out: current.lines.join("\n").replace(/\n$/, ""),
        rc: Number.isInteger(rc) ? rc : null
      })
      current = undefined
    } else if (current !== undefined) {
      current.lines.push(line)
    }
  }
  if (current !== undefined) results.set(current.name, { out: stripControl(current.lines.join("\n")), rc: null })
  return results
}

/** A probe's output when it exited 0, else undefined. */
export const okOut = (results: ReadonlyMap<string, ProbeResult>, name: string): string | undefined => {
  const r = results.get(name)
  return r !== undefined && r.rc === 0 ? r.out : undefined
}
