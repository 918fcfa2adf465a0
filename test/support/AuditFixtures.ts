import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { GENESIS_HASH } from "../../src/domain/Audit.js"
import { hashRecord } from "../../src/domain/AuditChain.js"
import type { AuditIntent } from "../../src/services/AuditLog.js"

export const start = (tool = "guest_start", extra: Partial<AuditIntent> = {}): AuditIntent => ({
  tool,
  tier: "operate",
  args: { vmid: 100 },
  vmid: 100,
  ...extra
})

/** A temporary directory and the path of an audit log inside it (not yet created). */
export const tempLog = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "audit-test-" })
  return { fs, dir, path: `${dir}/state/audit.jsonl` }
})

export const lines = (fs: FileSystem.FileSystem, path: string) =>
  fs.readFileString(path).pipe(Effect.map((t) => t.split("\n").filter((l) => l !== "")))

type Raw = Record<string, unknown>

/** A well-formed chain: intent/outcome pairs for the given ids (an id listed once is left pending). */
export const chain = (kinds: ReadonlyArray<readonly ["intent" | "outcome", string]>): Array<string> => {
  let prev = GENESIS_HASH
  const seqOf = new Map<string, number>()
  return kinds.map(([kind, id], i) => {
    const seq = i + 1
    if (kind === "intent") seqOf.set(id, seq)
    const body: Raw = {
      seq,
      ts: new Date(Date.UTC(2026, 5, 10, 0, seq)).toISOString(),
      kind,
      id,
      tool: "guest_start",
      tier: "operate",
      prevHash: prev,
      ...(kind === "intent" ? { vmid: 100, args: { vmid: 100 } } : { intentSeq: seqOf.get(id), outcome: "ok" })
    }
    const hash = hashRecord(body, prev)
    prev = hash
    return JSON.stringify({ ...body, hash })
  })
}

/** Recomputes prevHash and hash from line `from` on, as a forger who rewrites the tail consistently would. */
export const rehash = (input: ReadonlyArray<string>, from: number): Array<string> => {
  let prev = from === 0 ? GENESIS_HASH : (JSON.parse(input[from - 1] ?? "{}") as Raw).hash as string
  return input.map((line, i) => {
    if (i < from) return line
    const { hash: _h, ...body } = JSON.parse(line) as Raw
    const fixed = { ...body, prevHash: prev }
    prev = hashRecord(fixed, prev)
    return JSON.stringify({ ...fixed, hash: prev })
  })
}

export const edit = (line: string, patch: Raw): string => JSON.stringify({ ...(JSON.parse(line) as Raw), ...patch })
