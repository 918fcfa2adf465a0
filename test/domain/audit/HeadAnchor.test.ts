import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { checkAnchor, encodeAnchor, parseAnchor } from "../../../src/domain/audit/HeadAnchor.js"
import { verifyLines } from "../../../src/domain/AuditChain.js"
import { chain, rehash } from "../../support/AuditFixtures.js"

const FOUR = chain([["intent", "a"], ["outcome", "a"], ["intent", "b"], ["outcome", "b"]])
const hashOf = (line: string | undefined) => (JSON.parse(line ?? "{}") as { hash: string }).hash
const at = (seq: number, lines: ReadonlyArray<string> = FOUR) =>
  Option.some(Either.right({ seq, hash: hashOf(lines[seq - 1]) }))

describe("HeadAnchor", () => {
  it("round-trips and rejects malformed anchors", () => {
    const anchor = { seq: 4, hash: hashOf(FOUR[3]) }
    expect(parseAnchor(encodeAnchor(anchor))).toEqual(Either.right(anchor))
    expect(Either.isLeft(parseAnchor("{\"seq\":4"))).toBe(true)
    expect(Either.isLeft(parseAnchor("{\"seq\":-1,\"hash\":\"x\"}"))).toBe(true)
  })

  it("accepts an anchor at the head or behind it (a crash before the anchor's rename)", () => {
    const report = verifyLines(FOUR)
    expect(checkAnchor(at(4), report)).toEqual({ errors: [], warnings: [] })
    expect(checkAnchor(at(3), report)).toEqual({ errors: [], warnings: [] })
    expect(checkAnchor(Option.none(), verifyLines([]))).toEqual({ errors: [], warnings: [] })
  })

  it("reports records removed from the end, and a log rewritten consistently", () => {
    const cut = checkAnchor(at(4), verifyLines(FOUR.slice(0, 2)))
    expect(cut.errors).toEqual([{
      line: 0,
      seq: 4,
      reason: expect.stringMatching(/ends at seq 2.*removed from the end/)
    }])
    const forged = rehash([...FOUR.slice(0, 2), FOUR[2]?.replace("guest_start", "guest_stop") ?? ""], 2)
    const rewritten = checkAnchor(at(3), verifyLines(forged))
    expect(verifyLines(forged).intact).toBe(true)
    expect(rewritten.errors).toEqual([{ line: 3, seq: 3, reason: expect.stringMatching(/rewritten/) }])
  })

  it("warns (without failing) when the anchor is missing, and fails when it is unreadable", () => {
    const missing = checkAnchor(Option.none(), verifyLines(FOUR))
    expect(missing.errors).toEqual([])
    expect(missing.warnings[0]?.reason).toMatch(/^warning: head anchor missing/)
    const corrupt = checkAnchor(Option.some(Either.left("not valid JSON")), verifyLines(FOUR))
    expect(corrupt.errors[0]?.reason).toMatch(/head anchor unreadable/)
  })
})
