import { describe, expect, it } from "@effect/vitest"
import { GENESIS_HASH } from "../../src/domain/Audit.js"
import { canonicalJson, hashRecord, joinEntries, verifyLines, verifyText } from "../../src/domain/AuditChain.js"
import { chain, edit, rehash } from "../support/AuditFixtures.js"

type Raw = Record<string, unknown>

const FOUR = chain([["intent", "a"], ["outcome", "a"], ["intent", "b"], ["outcome", "b"]])

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined, "x"], c: undefined, b: null } })).toBe(
      `{"a":{"b":null,"d":[1,null,"x"]},"b":1}`
    )
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }))
  })

  it("hashes the record without its hash field, chained to the previous hash", () => {
    const body = { seq: 1, a: "x" }
    expect(hashRecord({ ...body, hash: "whatever" }, GENESIS_HASH)).toBe(hashRecord(body, GENESIS_HASH))
    expect(hashRecord(body, GENESIS_HASH)).not.toBe(hashRecord(body, "1".repeat(64)))
    expect(hashRecord(body, GENESIS_HASH)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe("verifyLines", () => {
  it("accepts a well-formed chain and reports its head", () => {
    const report = verifyText(`${FOUR.join("\n")}\n`)
    expect(report.problems).toEqual([])
    expect(report.intact).toBe(true)
    expect(report.records.map((r) => r.seq)).toEqual([1, 2, 3, 4])
    expect(report.head.seq).toBe(4)
    expect(verifyLines(["", FOUR[0] ?? "", "", FOUR[1] ?? ""]).lines).toEqual([2, 4])
    expect(verifyText("").head).toEqual({ seq: 0, hash: GENESIS_HASH })
  })

  it("reports an edited middle line at that line", () => {
    const lines = [...FOUR]
    lines[1] = edit(FOUR[1] ?? "", { outcome: "error" })
    const report = verifyLines(lines)
    expect(report.intact).toBe(false)
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatchObject({ line: 2, seq: 2 })
    expect(report.problems[0]?.reason).toMatch(/hash does not match/)
  })

  it("catches an edit whose hash was recomputed through the prevHash link of the next line", () => {
    const lines = [...FOUR]
    const { hash: _h, ...body } = JSON.parse(edit(FOUR[1] ?? "", { outcome: "error" })) as Raw
    lines[1] = JSON.stringify({ ...body, hash: hashRecord(body, body.prevHash as string) })
    expect(verifyLines(lines).problems[0]).toMatchObject({ line: 3, seq: 3 })
  })

  it("reports a deleted line as a seq and prevHash break", () => {
    const lines = FOUR.filter((_, i) => i !== 1)
    const report = verifyLines(lines)
    expect(report.problems[0]?.line).toBe(2)
    expect(report.problems[0]?.reason).toMatch(/seq 3 where 2 was expected/)
    expect(report.problems[0]?.reason).toMatch(/prevHash/)
  })

  it("reports corrupt lines and a torn tail, the first chain break first", () => {
    const report = verifyText(`${FOUR[0]}\nnot json\n${FOUR[1]}\n${(FOUR[2] ?? "").slice(0, 30)}`)
    expect(report.intact).toBe(false)
    expect(report.problems[0]).toMatchObject({ line: 2 })
    expect(report.problems.map((p) => p.line)).toContain(4)
    expect(report.problems.at(-1)?.reason).toMatch(/torn tail/)
    const onlyTorn = verifyText(FOUR.join("\n"))
    expect(onlyTorn.problems).toEqual([{ line: 4, reason: expect.stringMatching(/torn tail/) }])
  })

  it("checks that each outcome follows exactly one earlier intent", () => {
    const orphan = chain([["outcome", "x"]])
    expect(verifyLines(orphan).problems[0]?.reason).toMatch(/without an earlier intent/)
    const twice = chain([["intent", "a"], ["outcome", "a"], ["outcome", "a"]])
    const report = verifyLines(twice)
    expect(report.intact).toBe(true)
    expect(report.problems).toEqual([{ line: 3, seq: 3, reason: expect.stringMatching(/second outcome/) }])
  })

  it("puts the first chain break before earlier pairing problems", () => {
    const lines = rehash(chain([["outcome", "x"], ["intent", "a"], ["intent", "b"]]), 0)
    lines[2] = edit(lines[2] ?? "", { tool: "tampered" })
    const report = verifyLines(lines)
    expect(report.problems.map((p) => p.line)).toEqual([3, 1])
  })
})

describe("joinEntries", () => {
  it("joins intents with their outcome and marks the rest pending", () => {
    const records = verifyLines(chain([["intent", "a"], ["intent", "b"], ["outcome", "a"]])).records
    const entries = joinEntries(records)
    expect(entries.map((e) => [e.id, e.outcome, e.seq])).toEqual([["a", "ok", 1], ["b", "pending", 2]])
    expect(entries[0]?.outcomeTs).toBe(records[2]?.ts)
  })
})
