import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { DEFAULT_PATH_DENYLIST, isProtectedPath, validatePath } from "../../src/domain/PathGuard.js"

const rules = { deny: DEFAULT_PATH_DENYLIST }
const ok = (path: string, expected: string, r: Parameters<typeof validatePath>[1] = rules) =>
  expect(validatePath(path, r)).toStrictEqual(Either.right(expected))
const refused = (path: string, reason: RegExp, r: Parameters<typeof validatePath>[1] = rules) => {
  const result = validatePath(path, r)
  expect(Either.isLeft(result)).toBe(true)
  if (Either.isLeft(result)) expect(result.left).toMatch(reason)
}

describe("validatePath (spec §5.3, security.md §4.B)", () => {
  it("B1 refuses relative, tilde and empty paths", () => {
    refused("etc/passwd", /absolute/)
    refused("~/x", /absolute/)
    refused("", /empty/)
    refused("./etc/passwd", /absolute/)
  })

  it("B2 normalises `//`, `.` and trailing slashes; `a..b` is a legal name", () => {
    ok("/a/./b", "/a/b")
    ok("//etc//passwd", "/etc/passwd")
    ok("/etc/", "/etc")
    ok("/", "/")
    ok("/srv/a..b", "/srv/a..b")
    ok("/srv/..hidden/x", "/srv/..hidden/x")
  })

  it("B2 refuses `..` components instead of resolving them (a symlink makes textual resolution wrong)", () => {
    refused("/etc/../etc/passwd", /'\.\.'/)
    refused("/srv/app/..", /'\.\.'/)
    refused("/srv/．．/etc/shadow", /'\.\.'/)
  })

  it("B3 prefixes match on component boundaries", () => {
    const r = { allow: ["/srv/app"], deny: DEFAULT_PATH_DENYLIST }
    ok("/srv/app", "/srv/app", r)
    ok("/srv/app/x", "/srv/app/x", r)
    ok("/srv/app/", "/srv/app", r)
    refused("/srv/app_evil/x", /outside the allowed/, r)
    refused("/srv/apple", /outside the allowed/, r)
    ok("/process", "/process")
    ok("/devices/x", "/devices/x")
    ok("/system", "/system")
  })

  it("B7 the default denylist covers /proc, /sys and /dev and everything below them", () => {
    for (const p of ["/proc", "/proc/self/environ", "/proc/1/root/etc/shadow", "/sys/kernel", "/dev/sda", "/dev/"]) {
      refused(p, /denied prefix/)
    }
    refused("//proc//1", /denied prefix \/proc/)
    refused("/proc/./1", /denied prefix/)
  })

  it("deny wins over allow, and a configured deny list replaces the default", () => {
    refused("/srv/app/secret", /denied prefix \/srv\/app\/secret/, { allow: ["/srv"], deny: ["/srv/app/secret/"] })
    ok("/proc/1", "/proc/1", { deny: [] })
    refused("/anything", /outside/, { allow: ["/srv"], deny: [] })
  })

  it("B8 and B10 refuse NUL, C0/C1 controls, DEL, bidi and zero-width characters", () => {
    for (
      const p of ["/etc/passwd\u0000.txt", "/etc/a\nb", "/etc/a\tb", "/etc/a\rb", "/x\u007f", "/x\u0085", "/x\u202e"]
    ) {
      refused(p, /NUL|control/)
    }
    refused("/etc/pa\u200bsswd", /control/)
    refused("/etc/\ufeffx", /control/)
  })

  it("B9 refuses over-long paths, components and nesting", () => {
    refused(`/${"a".repeat(4096)}`, /longer than 4096 bytes/)
    refused(`/${"é".repeat(2048)}`, /longer than 4096 bytes/)
    ok(`/${"a".repeat(255)}`, `/${"a".repeat(255)}`)
    refused(`/${"a".repeat(256)}`, /component is longer than 255/)
    refused("/a".repeat(2000), /more than 256 components/)
  })

  it("B10 compares bytes: NFC and NFD stay distinct, lookalikes of denied prefixes are refused", () => {
    const nfc = "/srv/caf\u00e9.conf"
    const nfd = "/srv/cafe\u0301.conf"
    ok(nfc, nfc)
    ok(nfd, nfd)
    refused("/ｐｒｏｃ/1/environ", /denied prefix \/proc/)
    refused("／etc／passwd", /absolute/)
    ok("/etc/pv\u0435", "/etc/pv\u0435") // Cyrillic е: a different, harmless directory
  })

  it("B13 glob characters are literal names", () => {
    ok("/etc/*.conf", "/etc/*.conf")
    ok("/etc/[ab]", "/etc/[ab]")
  })

  it("every accepted path is absolute, normalised and idempotent", () =>
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b.c", "", ".", "x..y", "日本", "-n", "*"), { maxLength: 8 }),
        (parts) => {
          const r = validatePath(`/${parts.join("/")}`, { deny: [] })
          if (Either.isRight(r)) {
            expect(r.right.startsWith("/")).toBe(true)
            expect(r.right).not.toMatch(/\/\/|\/\.(\/|$)|.\/$/)
            expect(validatePath(r.right, { deny: [] })).toStrictEqual(r)
          }
        }
      )
    ))
})

describe("isProtectedPath (write-side protected set)", () => {
  const protectedPaths = [
    "/etc/pve/priv",
    "/etc/pve/priv/authkey.key",
    "/etc/pve/priv/token.cfg",
    "/etc/pve/priv/storage/nas.pw",
    "/etc/pve/priv/authorized_keys",
    "/etc/pve/user.cfg",
    "/etc/pve/domains.cfg",
    "/etc/pve/corosync.conf",
    "/etc/pve/authkey.pub",
    "/etc/pve/nodes/pve1/pve-ssl.key",
    "/etc/corosync/authkey",
    "/etc/corosync",
    "/var/lib/pve-cluster/config.db",
    "/root/.ssh/authorized_keys",
    "/home/bob/.ssh/authorized_keys2",
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/50-mcp.conf",
    "/etc/sudoers.d/x",
    "/etc/shadow",
    "//etc//pve/./priv/x",
    "/etc/pve/x/../user.cfg",
    "/etc/pve/ｕｓｅｒ.cfg"
  ]
  for (const p of protectedPaths) it(`protects ${JSON.stringify(p)}`, () => expect(isProtectedPath(p)).toBe(true))

  const ordinary = [
    "/etc/pve/storage.cfg",
    "/etc/pve/lxc/101.conf",
    "/etc/pve/nodes/pve1/qemu-server/100.conf",
    "/etc/pve/private",
    "/etc/pve/user.cfg.bak",
    "/etc/corosync-notes",
    "/etc/ssh/ssh_config",
    "/root/.ssh/known_hosts",
    "/etc/hosts",
    "/etc/passwd"
  ]
  for (const p of ordinary) it(`leaves ${JSON.stringify(p)} writable`, () => expect(isProtectedPath(p)).toBe(false))
})
