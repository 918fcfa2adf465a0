import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { findTornTail } from "../../../src/domain/audit/TornTail.js"
import { chain, edit } from "../../support/AuditFixtures.js"

const THREE = chain([["intent", "a"], ["outcome", "a"], ["intent", "b"]])
const bytes = (text: string) => new TextEncoder().encode(text)
const good = `${THREE.join("\n")}\n`

describe("findTornTail", () => {
  it("finds bytes after the last newline when everything before verifies", () => {
    const torn = findTornTail(bytes(`${good}{"seq":4,"ts":"2026-`))
    expect(Option.map(torn, ({ bytes, goodEnd, line }) => ({ bytes, goodEnd, line }))).toEqual(
      Option.some({ bytes: 20, goodEnd: bytes(good).length, line: 4 })
    )
    expect(Option.map(torn, (t) => t.kept.head.seq)).toEqual(Option.some(3))
  })

  it("finds an unparsable last line even with a newline (zero bytes after a crash)", () => {
    const torn = findTornTail(new Uint8Array([...bytes(good), 0, 0, 0, 0x0a]))
    expect(Option.map(torn, (t) => [t.goodEnd, t.bytes, t.line])).toEqual(Option.some([bytes(good).length, 4, 4]))
  })

  it("treats a whole file of torn bytes as torn from line 1", () => {
    expect(Option.map(findTornTail(bytes(`{"seq":1`)), (t) => [t.goodEnd, t.line])).toEqual(Option.some([0, 1]))
  })

  it("is not a torn tail when there is other damage, or when the last line parses", () => {
    expect(findTornTail(bytes(good))).toEqual(Option.none())
    expect(findTornTail(bytes(""))).toEqual(Option.none())
    const middle = `${[THREE[0], edit(THREE[1] ?? "", { outcome: "error" }), THREE[2]].join("\n")}\n{"seq`
    expect(findTornTail(bytes(middle))).toEqual(Option.none())
    const parsesButBreaks = `${THREE.slice(0, 2).join("\n")}\n${edit(THREE[2] ?? "", { tool: "x" })}\n`
    expect(findTornTail(bytes(parsesButBreaks))).toEqual(Option.none())
  })
})
