import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { join } from "node:path"
import { makeBackupStore } from "../../src/layers/BackupStoreFs.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import { BackupStore } from "../../src/services/BackupStore.js"
import type { FaultKind } from "../support/FaultFs.js"
import { FaultControl, layer as faultFs } from "../support/FaultFs.js"
import { call, drive, failed, harness, ok, tempDir } from "../support/TestLayers.js"

/**
 * security.md §5.4 / §4.G1, G3: the backup store's disk fails (ENOSPC, EIO on fsync, EROFS, short writes) at the Nth
 * call, for every N over a whole write. The node must not change and no outcome may say `ok`.
 */

const sha = (s: string) => createHash("sha256").update(s).digest("hex")
const KINDS: ReadonlyArray<FaultKind> = ["ENOSPC", "EIO", "EROFS", "short"]

describe("a failing backup disk never lets a write through", () => {
  for (const kind of KINDS) {
    it.effect(`${kind} at every step of the pre-image: no remote change, no false ok`, () => {
      const h = harness("companion")
      const faulty = Layer.effect(BackupStore, makeBackupStore(join(tempDir(), "backups"))).pipe(
        Layer.provideMerge(faultFs)
      )
      return Effect.gen(function*() {
        const faults = yield* FaultControl
        const audit = yield* AuditLog
        const at = { vmid: 100, path: "/root/faults.conf" }
        ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "stable\n" })))
        let n = 1
        for (; n < 200; n++) {
          yield* faults.arm(kind, n)
          const r = yield* drive(call(h.plan, "pct_write_file", { ...at, content: `attempt ${n}\n` }))
          const status = yield* faults.status
          if (!status.fired) {
            // past the last disk call of a write: it went through normally
            expect(r._tag).toBe("Success")
            break
          }
          if (r._tag === "Success") {
            // a fault on a call whose failure the store recovers from (e.g. an orphan sweep) must still keep the
            // pre-image: the new version lists as revertible
            const listed = ok(yield* drive(call(h.plan, "list_backups", at)))
            const newest = (listed.versions as Array<{ revertible: boolean; sha256?: string }>)[0]
            expect(newest?.revertible, `${kind} at call ${n}`).toBe(true)
            // put the file back to the stable content for the next attempt
            yield* faults.arm(kind, 0)
            ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "stable\n" })))
            continue
          }
          expect(failed(r).code, `${kind} at call ${n}`).toBe("BACKUP_UNAVAILABLE")
          yield* faults.arm(kind, 0)
          const read = ok(yield* drive(call(h.plan, "pct_read_file", at)))
          expect(read.sha256, `${kind} at call ${n}: the node changed`).toBe(sha("stable\n"))
          const last = (yield* audit.query({ tool: "pct_write_file", limit: 1 })).entries[0]
          expect(last?.outcome, `${kind} at call ${n}`).toBe("refused")
        }
        expect(n, "the loop reached a fault-free write").toBeLessThan(200)
        expect(n, "faults were injected at least once").toBeGreaterThan(1)
      }).pipe(Effect.provide(Layer.merge(h.layer, faulty)))
    }, 60_000)
  }
})
