import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { AuditLog } from "../../src/services/AuditLog.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

const ROOT_ACK_TIER = "root" as const
const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex")
const lastAudit = (tool: string) =>
  Effect.flatMap(AuditLog, (a) => Effect.map(a.query({ tool, limit: 1 }), (r) => r.entries[0]))

type Addr = { readonly tool: string; readonly vmid?: number }
const SURFACES: ReadonlyArray<readonly [string, Addr, "companion" | "root"]> = [
  ["container", { tool: "pct_", vmid: 100 }, "companion"],
  ["VM", { tool: "qm_", vmid: 200 }, "companion"],
  ["host", { tool: "" }, ROOT_ACK_TIER]
]

describe.each(SURFACES)("file tools on the %s surface", (_name, addr, tier) => {
  const at = (path: string) => (addr.vmid === undefined ? { path } : { vmid: addr.vmid, path })

  it.effect("write → list_backups → diff_config → revert_file → read back, byte-identical", () => {
    const h = harness(tier)
    return Effect.gen(function*() {
      const path = "/root/mcp-parity.conf"
      const first = ok(yield* drive(call(h.plan, `${addr.tool}write_file`, { ...at(path), content: "one\ntwo\n" })))
      expect(first).toMatchObject({ changed: true, newFile: true, revertible: true, isLargeChange: true })
      const second = ok(yield* drive(call(h.plan, `${addr.tool}write_file`, { ...at(path), content: "one\nTWO\n" })))
      expect(second).toMatchObject({ changed: true, newFile: false, sha256Before: sha("one\ntwo\n") })
      expect(String(second.diff)).toContain("-two")
      expect(String(second.diff)).toContain("+TWO")
      if (addr.tool === "qm_") expect(second.atomic).toBe(false)
      else expect(second.atomic).toBe(true)

      const listed = ok(yield* drive(call(h.plan, "list_backups", at(path))))
      const versions = listed.versions as Array<{ backupPath: string; revertible: boolean; kind: string }>
      expect(versions.map((v) => v.kind)).toEqual(["full", "absent"])
      expect(versions.every((v) => v.revertible)).toBe(true)

      const preview = ok(yield* drive(call(h.plan, "diff_config", { backupPath: versions[0]?.backupPath })))
      expect(preview).toMatchObject({ revertible: true, backupSha256: sha("one\ntwo\n") })
      expect(String(preview.diff)).toContain("+two")

      const reverted = ok(yield* drive(call(h.plan, "revert_file", { backupPath: versions[0]?.backupPath })))
      expect(reverted).toMatchObject({ sha256After: sha("one\ntwo\n"), revertible: true })
      const read = ok(yield* drive(call(h.plan, `${addr.tool}read_file`, at(path))))
      expect(read).toMatchObject({ content: "one\ntwo\n", sha256: sha("one\ntwo\n") })

      // the revert itself was backed up: the content it replaced is a new version
      const after = ok(yield* drive(call(h.plan, "list_backups", at(path))))
      expect((after.versions as Array<unknown>).length).toBe(3)
      expect(yield* lastAudit("revert_file")).toMatchObject({ outcome: "ok" })

      // reverting the creation deletes the file
      ok(yield* drive(call(h.plan, "revert_file", { backupPath: versions[1]?.backupPath })))
      expect(failed(yield* drive(call(h.plan, `${addr.tool}read_file`, at(path)))).code).toBe("FILE_NOT_FOUND")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("dryRun writes, backs up and audits nothing", () => {
    const h = harness(tier)
    return Effect.gen(function*() {
      const r = ok(
        yield* drive(call(h.plan, `${addr.tool}write_file`, { ...at("/root/dry.txt"), content: "x\n", dryRun: true }))
      )
      expect(r).toMatchObject({ dryRun: true, newFile: true, auditId: null, backupPath: null })
      expect(failed(yield* drive(call(h.plan, `${addr.tool}read_file`, at("/root/dry.txt")))).code).toBe(
        "FILE_NOT_FOUND"
      )
      expect(yield* lastAudit(`${addr.tool}write_file`)).toBeUndefined()
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("expectedSha256 mismatch refuses (audited) and leaves the file", () => {
    const h = harness(tier)
    return Effect.gen(function*() {
      ok(yield* drive(call(h.plan, `${addr.tool}write_file`, { ...at("/root/cas.txt"), content: "a\n" })))
      const e = failed(
        yield* drive(
          call(h.plan, `${addr.tool}write_file`, { ...at("/root/cas.txt"), content: "b\n", expectedSha256: sha("zzz") })
        )
      )
      expect(e.code).toBe("CONTENT_CHANGED")
      expect(yield* lastAudit(`${addr.tool}write_file`)).toMatchObject({ outcome: "refused" })
      expect(ok(yield* drive(call(h.plan, `${addr.tool}read_file`, at("/root/cas.txt"))))).toMatchObject({
        content: "a\n"
      })
      const good = ok(
        yield* drive(
          call(h.plan, `${addr.tool}write_file`, { ...at("/root/cas.txt"), content: "b\n", expectedSha256: sha("a\n") })
        )
      )
      expect(good.changed).toBe(true)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("edit: exact find-and-replace, typed failures", () => {
    const h = harness(tier)
    return Effect.gen(function*() {
      const path = "/root/edit.conf"
      const edit = (o: Record<string, unknown>) => drive(call(h.plan, `${addr.tool}edit_file`, { ...at(path), ...o }))
      expect(failed(yield* edit({ oldString: "a", newString: "b" })).code).toBe("FILE_NOT_FOUND")
      ok(yield* drive(call(h.plan, `${addr.tool}write_file`, { ...at(path), content: "port=1\nport=1\nname=x\n" })))
      expect(failed(yield* edit({ oldString: "nothere", newString: "b" })).message).toContain("not found")
      expect(failed(yield* edit({ oldString: "port=1", newString: "port=2" })).message).toContain("2 times")
      expect(failed(yield* edit({ oldString: "name=x", newString: "name=x" })).message).toContain("unchanged")
      const r = ok(yield* edit({ oldString: "port=1", newString: "port=2", replaceAll: true }))
      expect(r).toMatchObject({ changed: true, addedLines: 2, removedLines: 2 })
      expect(ok(yield* drive(call(h.plan, `${addr.tool}read_file`, at(path)))).content).toBe("port=2\nport=2\nname=x\n")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("binary content round-trips through base64 exactly", () => {
    const h = harness(tier)
    return Effect.gen(function*() {
      const bytes = Uint8Array.from([0, 255, 254, 10, 13, 0, 128, 65])
      const b64 = Buffer.from(bytes).toString("base64")
      ok(
        yield* drive(
          call(h.plan, `${addr.tool}write_file`, { ...at("/root/blob.bin"), content: b64, encoding: "base64" })
        )
      )
      const r = ok(yield* drive(call(h.plan, `${addr.tool}read_file`, { ...at("/root/blob.bin"), encoding: "base64" })))
      expect(r).toMatchObject({ content: b64, sha256: sha(bytes), sizeBytes: 8 })
    }).pipe(Effect.provide(h.layer))
  })
})

describe("file tool guardrails", () => {
  it.effect("root: protected paths are refused by write and edit, audited, nothing reaches the node", () => {
    const h = harness("root")
    return Effect.gen(function*() {
      for (const path of ["/etc/pve/user.cfg", "/etc/pve/priv/token.cfg", "/root/.ssh/authorized_keys"]) {
        const e = failed(yield* drive(call(h.plan, "write_file", { path, content: "x" })))
        expect(e.code, path).toBe("REFUSED")
      }
      expect(yield* lastAudit("write_file")).toMatchObject({ outcome: "refused" })
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("companion: host targets of diff_config and revert_file need root (REQ-X1)", () => {
    const root = harness("root")
    const companion = harness("companion", { config: { backupDir: root.config.backupDir } })
    return Effect.gen(function*() {
      const w = ok(yield* drive(call(root.plan, "write_file", { path: "/root/host.txt", content: "x\n" })))
      expect(w.backupPath).toBeTypeOf("string")
      const e1 = failed(
        yield* drive(call(companion.plan, "revert_file", { path: "/root/host.txt" })).pipe(
          Effect.provide(companion.layer)
        )
      )
      expect(e1.code).toBe("REFUSED")
      expect(e1.message).toContain("root tier")
      const e2 = failed(
        yield* drive(call(companion.plan, "diff_config", { backupPath: String(w.backupPath) })).pipe(
          Effect.provide(companion.layer)
        )
      )
      expect(e2.code).toBe("REFUSED")
    }).pipe(Effect.provide(root.layer))
  })

  it.effect("qm write over the agent cap is refused before anything is sent", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const e = failed(
        yield* drive(call(h.plan, "qm_write_file", { vmid: 200, path: "/root/big", content: "x".repeat(70_000) }))
      )
      expect(e.code).toBe("FILE_TOO_LARGE")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a stopped container is not ready", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const e = failed(yield* drive(call(h.plan, "pct_write_file", { vmid: 102, path: "/root/x", content: "x" })))
      expect(e.code).toBe("GUEST_NOT_READY")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("the rollback breaker trips on repeated reverts of one file; an override passes and is noted", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const at = { vmid: 100, path: "/root/loop.txt" }
      for (let i = 0; i < 5; i++) ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: `${i}\n` })))
      for (let i = 0; i < 3; i++) ok(yield* drive(call(h.plan, "revert_file", at)))
      expect(failed(yield* drive(call(h.plan, "revert_file", at))).code).toBe("CIRCUIT_OPEN")
      const r = ok(yield* drive(call(h.plan, "revert_file", { ...at, overrideCircuitBreaker: true })))
      expect(String(r.note)).toContain("circuitBreakerOverridden")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a pre-image the policy will not keep needs allowUnbacked, and the audit says so", () => {
    const h = harness("companion", {
      config: {
        files: {
          ...harness("companion").config.files,
          largeFileBytes: 16,
          largeFilePolicy: "metadata-only"
        }
      }
    })
    return Effect.gen(function*() {
      const at = { vmid: 100, path: "/root/large.txt" }
      ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "0123456789abcdefXYZ\n" })))
      const e = failed(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "small\n" })))
      expect(e.code).toBe("BACKUP_UNAVAILABLE")
      const r = ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "small\n", allowUnbacked: true })))
      expect(r).toMatchObject({ changed: true, revertible: false })
      expect(String(r.unbacked)).toContain("LARGE_FILE_POLICY")
      const entry = yield* lastAudit("pct_write_file")
      expect(entry?.note).toContain("UNBACKED")
      expect(entry?.write).toMatchObject({ unbacked: true })
    }).pipe(Effect.provide(h.layer))
  })
})

describe("two writers on one file (security.md G4)", () => {
  it.effect("the per-target lock serialises them; compare-and-swap makes the loser fail, both are audited", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const at = { vmid: 100, path: "/root/race.conf" }
      ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "base\n" })))
      const expectedSha256 = sha("base\n")
      const [a, b] = yield* drive(
        Effect.all([
          call(h.plan, "pct_write_file", { ...at, content: "from A\n", expectedSha256 }),
          call(h.plan, "pct_write_file", { ...at, content: "from B\n", expectedSha256 })
        ], { concurrency: 2 })
      )
      const results = [a, b].map((r) => r._tag)
      expect(results.sort()).toEqual(["Failure", "Success"])
      const loser = [a, b].find((r) => r._tag === "Failure")
      expect(loser === undefined ? "" : failed(loser).code).toBe("CONTENT_CHANGED")
      const winner = [a, b].find((r) => r._tag === "Success")
      const content = ok(yield* drive(call(h.plan, "pct_read_file", at))).content
      expect(["from A\n", "from B\n"]).toContain(content)
      expect(sha(String(content))).toBe(winner === undefined ? "" : ok(winner).sha256After)
      const audit = yield* AuditLog
      const entries = (yield* audit.query({ tool: "pct_write_file", limit: 10 })).entries
      expect(entries.map((e) => e.outcome).slice(0, 2).sort()).toEqual(["ok", "refused"])
    }).pipe(Effect.provide(h.layer))
  })
})

describe("honest revertibility in diff_config", () => {
  it.effect("a version whose stored pre-image is gone is shown as not revertible, with the reason", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const at = { vmid: 100, path: "/root/damaged.conf" }
      ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "first\n" })))
      const w = ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "second\n" })))
      rmSync(join(h.config.backupDir, "blobs", sha("first\n")))
      const d = ok(yield* drive(call(h.plan, "diff_config", { backupPath: String(w.backupPath) })))
      expect(d).toMatchObject({ revertible: false, diff: null })
      expect(String(d.revertReason)).toContain("missing")
      expect(failed(yield* drive(call(h.plan, "revert_file", { backupPath: String(w.backupPath) }))).code).toBe(
        "BACKUP_DAMAGED"
      )
    }).pipe(Effect.provide(h.layer))
  })
})
