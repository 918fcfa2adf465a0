import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Option } from "effect"
import { DEFAULT_LARGE_CHANGE, detectHeavy, isLargeChange } from "../../src/domain/ChangeSize.js"
import { DEFAULT_DENYLIST, evaluateCommand } from "../../src/domain/CommandGuard.js"

const lines = (n: number, tag = "line"): string => Array.from({ length: n }, (_, i) => `${tag} ${i}`).join("\n")

describe("isLargeChange (spec §5.4)", () => {
  it("a new file is always large", () =>
    expect(isLargeChange(Option.none(), "x")).toStrictEqual({ large: true, reason: "new file creation" }))

  it("a deletion is large", () =>
    expect(isLargeChange(Option.some("x"), Option.none())).toStrictEqual({ large: true, reason: "file deletion" }))

  it("content over LARGE_FILE_BYTES (1 MiB) is large; exactly 1 MiB is not by size", () => {
    const mib = DEFAULT_LARGE_CHANGE.largeFileBytes
    expect(isLargeChange(Option.some("a".repeat(mib)), "b".repeat(mib + 1)).large).toBe(true)
    expect(isLargeChange(Option.some("a".repeat(mib)), "a".repeat(mib - 1) + "b")).toStrictEqual({ large: false })
  })

  it("emptying a file is large", () => expect(isLargeChange(Option.some("x"), "").reason).toBe("file emptied"))

  it("a size ratio at or beyond 0.5x / 2x is large once either side has 1 KiB", () => {
    const k = "a".repeat(1024)
    expect(isLargeChange(Option.some(k), k.slice(0, 512)).large).toBe(true)
    expect(isLargeChange(Option.some(k), k + k).large).toBe(true)
    expect(isLargeChange(Option.some(k), k.slice(0, 600)).large).toBe(false)
    expect(isLargeChange(Option.some("abc"), "abcabcabc")).toStrictEqual({ large: false })
  })

  it("more than half of the lines replaced is large (20 lines or more)", () => {
    const before = lines(40)
    const after = before.split("\n").map((l, i) => (i < 25 ? `${l} changed` : l)).join("\n")
    expect(isLargeChange(Option.some(before), after)).toMatchObject({ large: true, reason: "63% of lines changed" })
    const edit = before.replace("line 3", "line three")
    expect(isLargeChange(Option.some(before), edit)).toStrictEqual({ large: false })
    expect(isLargeChange(Option.some("a\nb"), "c\nd")).toStrictEqual({ large: false })
  })

  it("reordering lines is not a line change; binary content skips the line check", () => {
    const before = lines(30)
    expect(isLargeChange(Option.some(before), before.split("\n").reverse().join("\n")).large).toBe(false)
    const bin = new Uint8Array(64).fill(0)
    expect(isLargeChange(Option.some(bin), new Uint8Array(64).fill(1))).toStrictEqual({ large: false })
    expect(isLargeChange(Option.some(new Uint8Array([0xff, 0xfe])), new Uint8Array([0xfe, 0xff]))).toStrictEqual({
      large: false
    })
  })

  it("accepts bytes and strings alike, and custom thresholds", () => {
    const enc = new TextEncoder()
    expect(isLargeChange(Option.some(enc.encode("abc")), enc.encode("abd"))).toStrictEqual({ large: false })
    const strict = { ...DEFAULT_LARGE_CHANGE, largeFileBytes: 2 }
    expect(isLargeChange(Option.some("abc"), "abd", strict).large).toBe(true)
  })

  it("an identical rewrite is never large", () =>
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 500 }), (s) => !isLargeChange(Option.some(s), s).large)))
})

describe("detectHeavy (spec §5.4, §13: annotation only)", () => {
  const heavy: ReadonlyArray<readonly [string, string]> = [
    ["find / -name core", "find: walks the whole filesystem"],
    ["tar czf /root/b.tgz /etc", "tar: archive"],
    ["rsync -a /a/ /b/", "rsync: bulk copy"],
    ["scp x host:/tmp", "scp: network copy"],
    ["wget https://x/iso", "wget: download"],
    ["curl -sO https://x/iso", "curl: download"],
    ["fsck -n /dev/sdb1", "fsck: filesystem check"],
    ["apt-get install -y nginx", "apt-get: package manager"],
    ["apt upgrade", "apt: package manager"],
    ["sudo apt full-upgrade -y", "apt: package manager"],
    ["pip install requests", "pip: package manager"],
    ["docker pull nginx", "docker: container images"],
    ["docker build -t x .", "docker: container images"],
    ["grep -r secret /", "grep: recursive search from /"],
    ["rg password /", "rg: recursive search from /"],
    ["make -j8", "make: build"],
    ["gcc -O2 x.c", "gcc: compile"],
    ["cargo build --release", "cargo: compile"],
    ["vzdump 101 --storage local", "vzdump: guest backup"],
    ["ls && tar cf x.tar /srv", "tar: archive"],
    ["pct exec 101 -- sh -c 'apt update'", "apt: package manager"]
  ]
  for (const [cmd, reason] of heavy) it(`flags ${JSON.stringify(cmd)}`, () => expect(detectHeavy(cmd)).toBe(reason))

  const light = [
    "ls -la",
    "grep curl notes.txt",
    "echo tar",
    "find /var/log -name '*.gz'",
    "grep -r x /etc",
    "apt list --installed",
    "docker ps",
    "cat /etc/hosts",
    "systemctl status nginx"
  ]
  for (const cmd of light) it(`does not flag ${JSON.stringify(cmd)}`, () => expect(detectHeavy(cmd)).toBeUndefined())

  it("heavy never changes the guard verdict (heavy ≠ confirm, later §2.6)", () => {
    for (const [cmd] of heavy) {
      const v = evaluateCommand(cmd, { denylist: DEFAULT_DENYLIST })
      expect(v).toMatchObject({ verdict: "allow", heavy: detectHeavy(cmd) })
    }
  })
})
