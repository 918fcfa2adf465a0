import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { execFileSync } from "node:child_process"
import { hasNul, pctExec, shJoin, shQuote, timeoutWrap } from "../../src/domain/Shell.js"

const META = [
  "'",
  "\"",
  "\\",
  "$",
  "$(",
  ")",
  "`",
  "\n",
  "\r",
  "\t",
  " ",
  ";",
  "|",
  "&",
  "*",
  "?",
  "[",
  "]",
  "~",
  "=",
  "{",
  "}",
  "!",
  "#",
  "<",
  ">",
  "-",
  "%",
  "'\\''",
  "\\'",
  "é",
  "💥",
  "\u202e",
  "a",
  "Z",
  "0"
]

/** Strings rich in shell metacharacters, plus arbitrary Unicode (whole code points), never NUL. */
const shellText = fc.string({
  unit: fc.oneof(fc.constantFrom(...META), fc.fullUnicode().filter((c) => c !== "\0")),
  maxLength: 40
})

const sh = (script: string): string =>
  execFileSync("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] }).toString("utf8")

describe("Shell quoting", () => {
  it("quotes POSIX-style and leaves plainly safe words bare", () => {
    expect(shQuote("it's")).toBe("'it'\\''s'")
    expect(shQuote("")).toBe("''")
    expect(shQuote("/nodes/pve/qemu")).toBe("/nodes/pve/qemu")
    expect(shQuote("A=b")).toBe("'A=b'")
    expect(shQuote("~root")).toBe("'~root'")
    expect(shJoin(["tail", "-n", "50", "--", "/var/log/a b"])).toBe("tail -n 50 -- '/var/log/a b'")
  })

  it("builds the wrappers", () => {
    expect(timeoutWrap(30, "echo 'hi'", "bash")).toBe(
      "timeout --signal=TERM --kill-after=5 30 bash -c 'echo '\\''hi'\\'''"
    )
    expect(pctExec(101, "cat /etc/os-release")).toBe("pct exec 101 --keep-env 0 -- sh -c 'cat /etc/os-release'")
    expect(pctExec(101, "ls", "bash")).toBe("pct exec 101 --keep-env 0 -- bash -c ls")
    expect(() => pctExec(Number.NaN, "x")).toThrow(RangeError)
    expect(() => timeoutWrap(0, "x", "sh")).toThrow(RangeError)
    expect(hasNul("a\0b")).toBe(true)
    expect(hasNul("ab")).toBe(false)
  })

  it("one layer: sh -c \"printf %s <quoted>\" returns exactly the input", () => {
    fc.assert(
      fc.property(shellText, (s) => {
        expect(sh(`printf %s ${shQuote(s)}`)).toBe(s)
      }),
      { numRuns: 200 }
    )
  })

  it("two nested layers: sh -c 'sh -c <quoted printf>' returns exactly the input", () => {
    fc.assert(
      fc.property(shellText, (s) => {
        expect(sh(`sh -c ${shQuote(`printf %s ${shQuote(s)}`)}`)).toBe(s)
      }),
      { numRuns: 200 }
    )
  })

  it("the full pipeline: node sh → timeout bash -c → pct exec -- sh -c → printf", () => {
    // A stand-in `pct` that drops `exec <vmid> --keep-env 0 --` and runs the rest, as pct does inside the guest.
    const fakePct = "pct() { shift 5; \"$@\"; }; "
    fc.assert(
      fc.property(shellText, (s) => {
        expect(sh(timeoutWrap(5, fakePct + pctExec(101, `printf %s ${shQuote(s)}`), "bash"))).toBe(s)
      }),
      { numRuns: 100 }
    )
  })
})
