import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { SystemError } from "@effect/platform/Error"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, TestClock } from "effect"
import { makeAuditLogJsonl } from "../../src/layers/AuditLogJsonl.js"
import { lines, start, tempLog } from "../support/AuditFixtures.js"

/** Fails every `write` (or `sync`) on files it opens, like ENOSPC (or EIO) would. */
const faulty = (fs: FileSystem.FileSystem, op: "write" | "sync"): FileSystem.FileSystem => {
  const error = new SystemError({
    reason: "Unknown",
    module: "FileSystem",
    method: op,
    description: op === "write" ? "ENOSPC: no space left on device" : "EIO: i/o error"
  })
  return {
    ...fs,
    open: (path, options) =>
      Effect.map(fs.open(path, options), (file) => ({
        [FileSystem.FileTypeId]: FileSystem.FileTypeId,
        fd: file.fd,
        stat: file.stat,
        seek: file.seek,
        sync: op === "sync" ? Effect.zipRight(file.sync, Effect.fail(error)) : file.sync,
        read: file.read,
        readAlloc: file.readAlloc,
        truncate: file.truncate,
        write: (b: Uint8Array) => op === "write" ? Effect.fail(error) : file.write(b),
        writeAll: file.writeAll
      }))
  }
}

describe("AuditLogJsonl", () => {
  it.scoped("is lazy: building it creates nothing, and a missing file reads as empty", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      expect(yield* log.verify).toEqual({ path, records: 0, ok: true, problems: [] })
      const result = yield* log.query({ limit: 10 })
      expect(result.entries).toEqual([])
      expect(result.summary.total).toBe(0)
      expect(yield* fs.exists(`${dir}/state`)).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("writes an intent and an outcome that verify, with private modes", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      const handle = yield* log.intent(start())
      expect(handle).toMatchObject({ seq: 1, tool: "guest_start", tier: "operate" })
      yield* log.outcome(handle, { outcome: "ok", result: { status: "running" }, durationMs: 12 })
      const raw = yield* lines(fs, path)
      expect(raw).toHaveLength(2)
      expect(JSON.parse(raw[1] ?? "")).toMatchObject({ kind: "outcome", id: handle.id, intentSeq: 1, seq: 2 })
      expect(yield* log.verify).toMatchObject({ ok: true, records: 2, problems: [] })
      expect((yield* fs.stat(path)).mode & 0o777).toBe(0o600)
      expect((yield* fs.stat(`${dir}/state`)).mode & 0o777).toBe(0o700)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("continues the chain after a restart (a new instance over the same file)", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLog
      const first = yield* makeAuditLogJsonl(path)
      yield* first.intent(start())
      yield* first.intent(start())
      const second = yield* makeAuditLogJsonl(path)
      expect((yield* second.intent(start())).seq).toBe(3)
      expect((yield* first.intent(start())).seq).toBe(4)
      expect(yield* second.verify).toMatchObject({ ok: true, records: 4 })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("finds a tampered middle line and a deleted line", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      for (let i = 0; i < 2; i++) {
        const h = yield* log.intent(start())
        yield* log.outcome(h, { outcome: "ok", durationMs: 1 })
      }
      const good = yield* lines(fs, path)
      const tampered = [...good]
      tampered[1] = JSON.stringify({ ...(JSON.parse(good[1] ?? "") as object), outcome: "error" })
      yield* fs.writeFileString(path, `${tampered.join("\n")}\n`)
      const edited = yield* log.verify
      expect(edited.ok).toBe(false)
      expect(edited.problems[0]).toMatchObject({ line: 2, seq: 2 })
      yield* fs.writeFileString(path, `${good.filter((_, i) => i !== 1).join("\n")}\n`)
      const deleted = yield* log.verify
      expect(deleted.problems[0]?.line).toBe(2)
      expect(deleted.problems[0]?.reason).toMatch(/seq 3 where 2 was expected.*prevHash/)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("refuses to append after a break in the middle (even with a torn tail too), and appends nothing", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      for (let i = 0; i < 3; i++) yield* log.intent(start())
      const good = yield* lines(fs, path)
      const broken = `${[good[0], good[2]].join("\n")}\n{"seq":4,"ts":"2026-`
      yield* fs.writeFileString(path, broken)
      for (const instance of [log, yield* makeAuditLogJsonl(path)]) {
        const result = yield* Effect.either(instance.intent(start()))
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left._tag).toBe("AuditUnavailable")
          expect(result.left.message).toContain(path)
          expect(result.left.message).toMatch(/damaged \(line 2: seq 3 where 2.*homelab-mcp verify/)
        }
      }
      expect(yield* fs.readFileString(path)).toBe(broken)
      expect((yield* fs.readDirectory(`${dir}/state`)).filter((f) => f.includes(".torn-"))).toEqual([])
      const query = yield* log.query({ limit: 10 })
      expect(query.summary.total).toBe(2)
      expect(query.skippedLines).toBe(1)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("fails closed with AuditUnavailable when the path cannot be written", () =>
    Effect.gen(function*() {
      const { dir, fs } = yield* tempLog
      yield* fs.writeFileString(`${dir}/plain-file`, "x")
      const path = `${dir}/plain-file/audit.jsonl`
      const result = yield* Effect.either((yield* makeAuditLogJsonl(path)).intent(start()))
      expect(Either.isLeft(result) && result.left._tag === "AuditUnavailable").toBe(true)
      if (Either.isLeft(result)) expect(result.left.message).toContain(path)
      const directory = yield* Effect.either((yield* makeAuditLogJsonl(dir)).intent(start()))
      expect(Either.isLeft(directory) && directory.left.message).toMatch(/EISDIR/)
      if (yield* fs.exists("/dev/full")) {
        // Never read (it would not end) and never written: refused as not a regular file.
        const device = yield* makeAuditLogJsonl("/dev/full")
        expect(Either.isLeft(yield* Effect.either(device.intent(start())))).toBe(true)
        expect(Either.isLeft(yield* Effect.either(device.query({ limit: 1 })))).toBe(true)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("a failed write does not advance the chain; a failed fsync leaves an honest pending intent", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const noSpace = yield* makeAuditLogJsonl(path).pipe(
        Effect.provide(Layer.succeed(FileSystem.FileSystem, faulty(fs, "write")))
      )
      const failed = yield* Effect.either(noSpace.intent(start()))
      expect(Either.isLeft(failed) && failed.left.message).toMatch(/write failed.*ENOSPC/)
      const log = yield* makeAuditLogJsonl(path)
      expect((yield* log.intent(start())).seq).toBe(1)
      const badSync = yield* makeAuditLogJsonl(path).pipe(
        Effect.provide(Layer.succeed(FileSystem.FileSystem, faulty(fs, "sync")))
      )
      expect(Either.isLeft(yield* Effect.either(badSync.intent(start())))).toBe(true)
      expect((yield* log.intent(start())).seq).toBe(3)
      expect(yield* log.verify).toMatchObject({ ok: true, records: 3 })
      const pending = yield* log.query({ outcome: "pending", limit: 10 })
      expect(pending.summary.total).toBe(3)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("redacts secrets in args, notes, errors and results before they reach the file", () =>
    Effect.gen(function*() {
      const { fs, path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      const h = yield* log.intent(start("pct_exec", {
        args: {
          vmid: 100,
          password: "hunter2-pw",
          opts: { apiToken: "tok-XYZ-123" },
          cmd: "curl -H 'Authorization: Bearer abc def'"
        },
        note: "DB_PASSWORD=swordfish"
      }))
      yield* log.outcome(h, {
        outcome: "error",
        error: { code: "TaskFailed", message: "login failed for postgres://app:pa55w0rd@db/x" },
        result: { secret: "s-777" },
        durationMs: 5
      })
      const raw = yield* fs.readFileString(path)
      for (const s of ["hunter2-pw", "tok-XYZ-123", "abc def", "swordfish", "pa55w0rd", "s-777"]) {
        expect(raw).not.toContain(s)
      }
      expect(raw).toContain("[REDACTED]")
      expect(yield* log.verify).toMatchObject({ ok: true })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("keeps a valid chain under 20 concurrent intents", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      const handles = yield* Effect.all(Array.from({ length: 20 }, () => log.intent(start())), { concurrency: 20 })
      expect(handles.map((h) => h.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      expect(yield* log.verify).toMatchObject({ ok: true, records: 20 })
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("filters, searches, summarises and limits queries", () =>
    Effect.gen(function*() {
      const { path } = yield* tempLog
      const log = yield* makeAuditLogJsonl(path)
      const at = (iso: string) => TestClock.setTime(Date.parse(iso))
      yield* at("2026-06-09T23:30:00Z")
      const a = yield* log.intent(start("guest_start", { args: { vmid: 100, target: "nginx" } }))
      yield* log.outcome(a, { outcome: "ok", durationMs: 1 })
      yield* at("2026-06-10T00:00:00Z")
      const b = yield* log.intent(
        start("pct_write_file", { vmid: 101, path: "/etc/hosts", note: "Hello World", isLargeChange: true })
      )
      yield* log.outcome(b, { outcome: "error", error: { code: "TaskFailed", message: "Boom" }, durationMs: 2 })
      yield* at("2026-06-10T23:59:59.500Z")
      yield* log.intent(start("guest_stop"))
      yield* at("2026-06-11T00:00:00Z")
      yield* log.intent(start("guest_start", { vmid: 102 }))

      const q = (query: Parameters<typeof log.query>[0]) => log.query(query)
      const ids = (r: { entries: ReadonlyArray<{ seq: number }> }) => r.entries.map((e) => e.seq)
      // A date-only bound covers its whole UTC day: the tool turns "2026-06-10" into these two instants.
      const day = yield* q({ since: new Date("2026-06-10"), until: new Date("2026-06-10T23:59:59.999Z"), limit: 10 })
      expect(ids(day)).toEqual([5, 3])
      expect(day.summary).toEqual({
        total: 2,
        byTool: { pct_write_file: 1, guest_stop: 1 },
        byVmid: { "100": 1, "101": 1 },
        byOutcome: { error: 1, pending: 1 },
        firstTs: "2026-06-10T00:00:00.000Z",
        lastTs: "2026-06-10T23:59:59.500Z"
      })
      expect(ids(yield* q({ tool: "guest_start", limit: 10 }))).toEqual([6, 1])
      expect(ids(yield* q({ vmid: 100, limit: 10 }))).toEqual([5, 1])
      expect(ids(yield* q({ pathContains: "hosts", limit: 10 }))).toEqual([3])
      expect(ids(yield* q({ largeOnly: true, limit: 10 }))).toEqual([3])
      expect(ids(yield* q({ outcome: "pending", limit: 10 }))).toEqual([6, 5])
      expect(ids(yield* q({ text: "world", limit: 10 }))).toEqual([3])
      expect(ids(yield* q({ text: "BOOM", limit: 10 }))).toEqual([3])
      expect(ids(yield* q({ text: "NGINX", limit: 10 }))).toEqual([1])
      expect(ids(yield* q({ tool: "guest_start", vmid: 102, limit: 10 }))).toEqual([6])
      const limited = yield* q({ limit: 2 })
      expect(ids(limited)).toEqual([6, 5])
      expect(limited.truncated).toBe(true)
      expect(limited.summary.total).toBe(4)
      expect(limited.summary.firstTs).toBe("2026-06-09T23:30:00.000Z")
      expect((yield* q({ limit: 4 })).truncated).toBe(false)
      const joined = (yield* q({ tool: "pct_write_file", limit: 1 })).entries[0]
      expect(joined).toMatchObject({ outcome: "error", outcomeTs: "2026-06-10T00:00:00.000Z", durationMs: 2 })
      expect(Option.fromNullable(joined?.error?.code)).toEqual(Option.some("TaskFailed"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
