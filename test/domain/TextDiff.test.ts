import { describe, expect, it } from "@effect/vitest"
import { isText, unifiedDiff } from "../../src/domain/TextDiff.js"

const lines = (n: number, tag = "line") => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join("")

describe("unifiedDiff", () => {
  it("renders a unified diff with a/ and b/ headers, counting added and removed lines", () => {
    const result = unifiedDiff("a\nb\nc\n", "a\nB\nc\nd\n", { path: "/etc/app.conf", maxLines: 100 })
    expect(result).toEqual({
      diff: "--- a/etc/app.conf\n+++ b/etc/app.conf\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n",
      truncated: false,
      addedLines: 2,
      removedLines: 1
    })
  })

  it("is empty for equal texts, and notes a missing final newline", () => {
    expect(unifiedDiff("same\n", "same\n", { path: "/x", maxLines: 10 })).toEqual({
      diff: "",
      truncated: false,
      addedLines: 0,
      removedLines: 0
    })
    expect(unifiedDiff("x\n", "x", { path: "/x", maxLines: 10 }).diff).toContain("\\ No newline at end of file")
    expect(unifiedDiff("", "new\n", { path: "/x", maxLines: 10 })).toMatchObject({ addedLines: 1, removedLines: 0 })
  })

  it("caps the text at maxLines but counts the whole change", () => {
    const result = unifiedDiff(lines(100, "old"), lines(100, "new"), { path: "/big", maxLines: 20 })
    expect(result.truncated).toBe(true)
    expect(result.diff.split("\n").filter((l) => l !== "")).toHaveLength(20)
    expect([result.addedLines, result.removedLines]).toEqual([100, 100])
  })

  it("falls back to a whole-file replacement when the texts are too different to search", () => {
    const before = Array.from({ length: 3_000 }, (_, i) => `a${i}\n`).join("")
    const after = Array.from({ length: 3_000 }, (_, i) => `b${i}\n`).join("")
    const result = unifiedDiff(before, after, { path: "/huge", maxLines: 5 })
    expect(result).toMatchObject({ truncated: true, addedLines: 3_000, removedLines: 3_000 })
    expect(result.diff).toBe("--- a/huge\n+++ b/huge\n@@ -1,3000 +1,3000 @@\n-a0\n-a1\n")
  })
})

describe("isText", () => {
  it("accepts UTF-8 without NUL; rejects a NUL anywhere (D6) and invalid UTF-8", () => {
    const enc = new TextEncoder()
    expect(isText(enc.encode("café ✓\n"))).toBe(true)
    expect(isText(new Uint8Array())).toBe(true)
    expect(isText(enc.encode("a\u0000b"))).toBe(false)
    expect(isText(new Uint8Array([0x61, 0xff, 0x62]))).toBe(false)
    expect(isText(new Uint8Array([0xe2, 0x82]))).toBe(false)
    const late = new Uint8Array(9000).fill(0x61)
    late[8500] = 0
    expect(isText(late)).toBe(false)
  })
})
