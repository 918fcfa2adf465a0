/**
 * A separate process appending to an audit log, for the multi-process test:
 * `node --import tsx test/support/auditAppender.ts <log> <n>` prints `ready`, waits until `<log>.go` exists, then
 * writes n intent/outcome pairs and exits 0 (1 with the error on stderr).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Duration, Effect, Schedule } from "effect"
import { existsSync } from "node:fs"
import { makeAuditLogJsonl } from "../../src/layers/AuditLogJsonl.js"

const [path = "", count = "0"] = process.argv.slice(2)

const program = Effect.gen(function*() {
  const log = yield* makeAuditLogJsonl(path)
  process.stdout.write("ready\n")
  yield* Effect.sync(() => existsSync(`${path}.go`)).pipe(
    Effect.repeat({ until: (go) => go, schedule: Schedule.spaced(Duration.millis(2)) })
  )
  for (let i = 0; i < Number(count); i++) {
    const handle = yield* log.intent({ tool: "guest_start", tier: "operate", args: { i }, note: `pid ${process.pid}` })
    yield* log.outcome(handle, { outcome: "ok", durationMs: 0 })
  }
})

Effect.runPromise(program.pipe(Effect.provide(NodeFileSystem.layer))).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(String(e))
    process.exit(1)
  }
)
