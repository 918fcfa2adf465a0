import { describe, expect, it } from "@effect/vitest"
import type { RetentionInput, RetentionVersion } from "../../src/domain/Retention.js"
import { planRetention } from "../../src/domain/Retention.js"

const v = (key: string, seq: number, blob?: string): RetentionVersion => ({
  id: `${key}/${seq}`,
  key,
  seq,
  ...(blob === undefined ? {} : { blob })
})

const base = (over: Partial<RetentionInput>): RetentionInput => ({
  versions: [],
  blobSizes: new Map(),
  protectedIds: new Set(),
  lockedKeys: new Set(),
  incoming: { key: "new", newBytes: 0 },
  perTargetCap: 10,
  globalCapBytes: 1_000,
  ...over
})

const ids = (plan: ReturnType<typeof planRetention>) => plan.evict.map((e) => e.id).sort()

describe("planRetention", () => {
  it("keeps at most the cap per target (one less for the incoming target), oldest seq first, a version as one unit", () => {
    const versions = [1, 2, 3, 4, 5].map((s) => v("a", s, `b${s}`))
    const sizes = new Map(versions.map((x) => [x.blob ?? "", 10]))
    const plan = planRetention(base({ versions, blobSizes: sizes, perTargetCap: 3, protectedIds: new Set(["a/5"]) }))
    expect(ids(plan)).toEqual(["a/1", "a/2"])
    expect([...plan.deleteBlobs].sort()).toEqual(["b1", "b2"])
    expect(plan.bytesAfter).toBe(30)
    const incoming = planRetention(
      base({ versions, blobSizes: sizes, perTargetCap: 3, incoming: { key: "a", newBytes: 10 } })
    )
    expect(ids(incoming)).toEqual(["a/1", "a/2", "a/3"])
  })

  it("never evicts the newest revertible version, even when it is the oldest; the cap still holds", () => {
    const versions = [1, 2, 3, 4].map((s) => v("a", s, `b${s}`))
    const plan = planRetention(base({ versions, perTargetCap: 2, protectedIds: new Set(["a/1"]) }))
    expect(ids(plan)).toEqual(["a/2", "a/3"])
  })

  it("keeps a blob another kept version (or the incoming one) uses, and deletes orphans unless told not to", () => {
    const versions = [v("a", 1, "shared"), v("a", 2, "own"), v("b", 1, "shared")]
    const blobSizes = new Map([["shared", 50], ["own", 50], ["orphan", 70]])
    const plan = planRetention(base({ versions, blobSizes, perTargetCap: 1, protectedIds: new Set(["a/2", "b/1"]) }))
    expect(ids(plan)).toEqual(["a/1"])
    expect(plan.deleteBlobs).toEqual(["orphan"])
    expect(plan.bytesAfter).toBe(100)
    const kept = planRetention(base({ versions, blobSizes, perTargetCap: 1, keepOrphans: true }))
    expect(kept.deleteBlobs).toEqual([])
    const incoming = planRetention(
      base({
        versions: [v("a", 1, "x")],
        blobSizes: new Map([["x", 5]]),
        incoming: { key: "a", blob: "x", newBytes: 0 }
      })
    )
    expect(incoming.deleteBlobs).toEqual([])
  })

  it("evicts for the global cap deepest first, counting the incoming bytes; skips protected and locked targets", () => {
    const versions = [v("a", 1, "a1"), v("a", 2, "a2"), v("a", 3, "a3"), v("b", 1, "b1"), v("b", 2, "b2")]
    const blobSizes = new Map(versions.map((x) => [x.blob ?? "", 100]))
    const protectedIds = new Set(["a/3", "b/2"])
    const plan = planRetention(
      base({ versions, blobSizes, protectedIds, globalCapBytes: 500, incoming: { key: "c", newBytes: 100 } })
    )
    expect(ids(plan)).toEqual(["a/1"])
    expect(plan.overCap).toBe(false)
    const tight = planRetention(
      base({ versions, blobSizes, protectedIds, globalCapBytes: 250, incoming: { key: "c", newBytes: 100 } })
    )
    expect(ids(tight)).toEqual(["a/1", "a/2", "b/1"])
    expect([tight.bytesAfter, tight.overCap]).toEqual([200, true])
    const locked = planRetention(base({
      versions,
      blobSizes,
      protectedIds,
      lockedKeys: new Set(["a"]),
      globalCapBytes: 250,
      incoming: { key: "c", newBytes: 100 }
    }))
    expect(ids(locked)).toEqual(["b/1"])
  })

  it("does not order by time: a target's versions go by seq, whatever their timestamps say (K2)", () => {
    // Versions carry no timestamps at all: the plan only sees seq and depth.
    const versions = [v("a", 7, "a7"), v("a", 8, "a8"), v("b", 1, "b1"), v("b", 2, "b2"), v("b", 3, "b3")]
    const blobSizes = new Map(versions.map((x) => [x.blob ?? "", 10]))
    const plan = planRetention(base({ versions, blobSizes, globalCapBytes: 40, protectedIds: new Set(["a/8", "b/3"]) }))
    expect(ids(plan)).toEqual(["b/1"])
  })
})
