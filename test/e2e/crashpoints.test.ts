import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { CRASH_STEPS } from "../../src/domain/CrashPoint.js"
import type { CrashNode } from "../support/CrashHarness.js"
import {
  auditRecords,
  callAndMaybeDie,
  connect,
  crashNode,
  localTemps,
  nodeTemps,
  sha256,
  unsettledIntents,
  verifyStores
} from "../support/CrashHarness.js"

/**
 * security.md §5.3: the test build kills itself (SIGKILL) at each named step of a pct_write_file; a fresh server
 * then recovers, and the checker asserts N1–N4 and that no temp file is left.
 */

const OLD = "listen 8080\nworkers 4\n"
const NEW = `${"listen 9090\nworkers 8\n".repeat(200)}`
const PATH = "/etc/app.conf"

/** The checker: target old or new, one outcome per intent, stores verify, revert exact, no temp files. */
const check = async (node: CrashNode, expect_: { target: "old" | "new" | "either"; outcome?: string }) => {
  const s = await connect(node)
  try {
    const audit = await s.call("query_audit", { limit: 200 })
    expect(audit.isError).toBeFalsy()
    const read = await s.call("pct_read_file", { vmid: 100, path: PATH, encoding: "base64" })
    const now = sha256(Buffer.from(String(read.structuredContent?.content), "base64"))
    const allowed = expect_.target === "old" ? [sha256(OLD)] : expect_.target === "new" ? [sha256(NEW)] : [
      sha256(OLD),
      sha256(NEW)
    ]
    expect(allowed).toContain(now)

    const records = auditRecords(node)
    const intents = records.filter((r) => r.kind === "intent")
    expect(unsettledIntents(records)).toEqual([])
    if (expect_.outcome !== undefined) {
      const last = intents.filter((i) => i.tool === "pct_write_file").at(-1)
      const outcome = records.find((r) => r.kind === "outcome" && r.id === last?.id)
      expect(outcome?.outcome).toBe(expect_.outcome)
    }
    expect(nodeTemps(node)).toEqual([])
    expect(localTemps(node)).toEqual([])

    const listed = await s.call("list_backups", { path: PATH, vmid: 100 })
    const versions = listed.structuredContent?.versions as Array<{ backupPath: string; sha256?: string; kind: string }>
    const newest = versions[0]
    expect(newest).toBeDefined()
    const reverted = await s.call("revert_file", { backupPath: newest?.backupPath, overrideCircuitBreaker: true })
    expect(reverted.isError, JSON.stringify(reverted.content)).toBeFalsy()
    const back = await s.call("pct_read_file", { vmid: 100, path: PATH, encoding: "base64" })
    if (newest?.kind === "absent") {
      // the newest pre-image is "did not exist" (the seeding write created the file): the revert deleted it
      expect(back.isError).toBe(true)
      expect(JSON.stringify(back.content)).toContain("FILE_NOT_FOUND")
    } else {
      const restored = sha256(Buffer.from(String(back.structuredContent?.content), "base64"))
      expect(restored).toBe(newest?.sha256)
    }
  } finally {
    await s.close()
  }
  const v = verifyStores(node)
  expect(v.output).not.toMatch(/problem|fail/i)
  expect(v.code).toBe(0)
}

const expected: Record<string, { target: "old" | "new"; outcome?: string }> = {
  "after-lock": { target: "old" },
  "after-read": { target: "old" },
  "after-blob-tmp": { target: "old" },
  "after-blob-fsync": { target: "old" },
  "after-blob-rename": { target: "old" },
  "after-version-record": { target: "old" },
  "after-intent": { target: "old", outcome: "not-applied" },
  "after-remote-tmp": { target: "old", outcome: "not-applied" },
  "after-remote-rename": { target: "new", outcome: "applied-unconfirmed" },
  "after-verify": { target: "new", outcome: "applied-unconfirmed" },
  "after-outcome": { target: "new", outcome: "ok" }
}

describe("crash points of a managed write (security.md §5.3)", () => {
  it("refuses the crash hook in the shipped bundle", async () => {
    const { spawnSync } = await import("node:child_process")
    const r = spawnSync(process.execPath, [join(process.cwd(), "dist", "server.cjs"), "--simulated", "tools"], {
      env: { ...process.env, MCP_TEST_CRASH_AT: "after-intent" },
      encoding: "utf8"
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("test-only hook")
  })

  for (const step of CRASH_STEPS) {
    it(`crash ${step}: target old or new, audit complete, revert exact, no temp files`, async () => {
      const node = crashNode()
      const seeded = await connect(node)
      const first = await seeded.call("pct_write_file", { vmid: 100, path: PATH, content: OLD })
      expect(first.isError, JSON.stringify(first.content)).toBeFalsy()
      await seeded.close()

      const run = await callAndMaybeDie(node, "pct_write_file", { vmid: 100, path: PATH, content: NEW }, {
        MCP_TEST_CRASH_AT: step
      })
      expect(run.died).toBe(true)
      await check(node, expected[step] ?? { target: "old" })
    }, 60_000)
  }

  for (const step of ["after-intent", "after-remote-tmp", "after-remote-rename"] as const) {
    it(`crash ${step} while creating a new file: absent or complete, never partial; revert deletes`, async () => {
      const node = crashNode()
      const run = await callAndMaybeDie(node, "pct_write_file", {
        vmid: 100,
        path: "/etc/brand-new.conf",
        content: NEW
      }, {
        MCP_TEST_CRASH_AT: step
      })
      expect(run.died).toBe(true)
      const s = await connect(node)
      try {
        await s.call("query_audit", { limit: 1 })
        const read = await s.call("pct_read_file", { vmid: 100, path: "/etc/brand-new.conf", encoding: "base64" })
        if (read.isError) expect(JSON.stringify(read.content)).toContain("FILE_NOT_FOUND")
        else expect(sha256(Buffer.from(String(read.structuredContent?.content), "base64"))).toBe(sha256(NEW))
        expect(nodeTemps(node)).toEqual([])
        if (!read.isError) {
          const reverted = await s.call("revert_file", { vmid: 100, path: "/etc/brand-new.conf" })
          expect(reverted.structuredContent?.deleted).toBe(true)
        }
      } finally {
        await s.close()
      }
      expect(verifyStores(node).code).toBe(0)
    }, 60_000)
  }
})
