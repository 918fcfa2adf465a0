import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

/** security.md §4.B through the real file tools (host at root, container at companion). */

const root = () => harness("root")
const sh = (h: ReturnType<typeof root>, command: string) => drive(call(h.plan, "execute", { command }))

describe("§4.B path attacks on the file tools", () => {
  it.effect("B1, B8, B9, B10: relative, tilde, empty, NUL, too long, control and bidi characters are rejected", () => {
    const h = root()
    return Effect.gen(function*() {
      const bad = [
        "etc/passwd",
        "~/x",
        "",
        "/etc/passwd\u0000.txt",
        `/${"a".repeat(4097)}`,
        `/root/${"b".repeat(256)}`,
        "/root/\u202eevil",
        "/root/zero\u200bwidth",
        "/etc/../etc/passwd"
      ]
      for (const path of bad) {
        for (const tool of ["read_file", "write_file"]) {
          const e = failed(yield* drive(call(h.plan, tool, { path, content: "x" })))
          expect(e.code, `${tool} ${JSON.stringify(path.slice(0, 40))}`).toBe("INVALID_ARGUMENTS")
        }
      }
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B2, B13: `a..b` is a legal name; glob characters are literal; `//` and `/./` normalise", () => {
    const h = root()
    return Effect.gen(function*() {
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/a..b", content: "dots\n" })))
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/[ab]*.conf", content: "glob\n" })))
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/a.conf", content: "untouched\n" })))
      expect(ok(yield* drive(call(h.plan, "read_file", { path: "/root/a.conf" }))).content).toBe("untouched\n")
      expect(ok(yield* drive(call(h.plan, "read_file", { path: "/root/[ab]*.conf" }))).content).toBe("glob\n")
      expect(ok(yield* drive(call(h.plan, "read_file", { path: "//root/./a..b" }))).content).toBe("dots\n")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B3: the allowlist compares components, not prefixes", () => {
    const h = harness("root", {
      config: { guard: { ...root().config.guard, pathAllowlist: ["/srv/app", "/root"] } }
    })
    return Effect.gen(function*() {
      for (const path of ["/srv/app_evil/x", "/srv/apple"]) {
        expect(failed(yield* drive(call(h.plan, "write_file", { path, content: "x" }))).code).toBe("INVALID_ARGUMENTS")
      }
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/x.conf", content: "ok\n" })))
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B4, B15: a host symlink into the protected set is refused, even with followSymlinks", () => {
    const h = root()
    return Effect.gen(function*() {
      ok(yield* sh(h, "ln -s /etc/pve/user.cfg /root/link"))
      for (const followSymlinks of [false, true]) {
        const e = failed(yield* drive(call(h.plan, "write_file", { path: "/root/link", content: "x", followSymlinks })))
        expect(e.code).toBe("REFUSED")
      }
      expect(failed(yield* drive(call(h.plan, "write_file", { path: "/etc/pve/priv/token.cfg", content: "x" }))).code)
        .toBe("REFUSED")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B4: writing through a symlink needs followSymlinks; then the target changes and the link stays", () => {
    const h = root()
    return Effect.gen(function*() {
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/real.conf", content: "v1\n" })))
      ok(yield* sh(h, "ln -s /root/real.conf /root/alias.conf"))
      expect(failed(yield* drive(call(h.plan, "write_file", { path: "/root/alias.conf", content: "v2\n" }))).code)
        .toBe("NOT_A_REGULAR_FILE")
      const w = ok(
        yield* drive(call(h.plan, "write_file", { path: "/root/alias.conf", content: "v2\n", followSymlinks: true }))
      )
      expect(w.resolvedPath).toBe("/root/real.conf")
      expect(ok(yield* drive(call(h.plan, "read_file", { path: "/root/real.conf" }))).content).toBe("v2\n")
      const listing = ok(yield* drive(call(h.plan, "list_directory", { path: "/root" })))
      const alias = (listing.entries as Array<{ name: string; type: string }>).find((e) => e.name === "alias.conf")
      expect(alias?.type).toBe("symlink")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B5, B6, B7: guest symlinks resolve inside the guest; devices and denied resolved paths are refused", () => {
    const h = harness("companion", {
      config: { guard: { ...root().config.guard, pathDenylist: ["/proc", "/sys", "/dev", "/etc/secret"] } }
    })
    return Effect.gen(function*() {
      ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "ln -s /etc/hostname /etc/app-link" })))
      const w = ok(
        yield* drive(call(h.plan, "pct_write_file", {
          vmid: 100,
          path: "/etc/app-link",
          content: "renamed\n",
          followSymlinks: true
        }))
      )
      expect(w.resolvedPath).toBe("/etc/hostname")
      const listed = ok(yield* drive(call(h.plan, "list_backups", { vmid: 100, path: "/etc/hostname" })))
      expect((listed.versions as Array<unknown>).length).toBe(1)

      const command = "mkdir -p /etc/secret && echo hunter2 > /etc/secret/pw && ln -s /etc/secret/pw /root/pw-link"
      ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command })))
      const e = failed(yield* drive(call(h.plan, "pct_read_file", { vmid: 100, path: "/root/pw-link" })))
      expect(e.code).toBe("INVALID_ARGUMENTS")
      expect(e.message).toContain("/etc/secret")
      expect(e.message).not.toContain("hunter2")
      const w2 = failed(
        yield* drive(
          call(h.plan, "pct_write_file", { vmid: 100, path: "/root/pw-link", content: "x", followSymlinks: true })
        )
      )
      expect(w2.code).toBe("INVALID_ARGUMENTS")
      for (const path of ["/proc/1/root/etc/shadow", "/dev/zero", "/sys/kernel/notes"]) {
        expect(failed(yield* drive(call(h.plan, "pct_read_file", { vmid: 100, path }))).code).toBe("INVALID_ARGUMENTS")
      }
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B14: a directory is refused for reads and writes", () => {
    const h = root()
    return Effect.gen(function*() {
      expect(failed(yield* drive(call(h.plan, "write_file", { path: "/etc", content: "x" }))).code).toBe(
        "NOT_A_REGULAR_FILE"
      )
      expect(failed(yield* drive(call(h.plan, "read_file", { path: "/etc" }))).code).toBe("NOT_A_REGULAR_FILE")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("B16: a backupPath outside the store, or forged with .., is not found", () => {
    const h = root()
    return Effect.gen(function*() {
      const w = ok(yield* drive(call(h.plan, "write_file", { path: "/root/b16.conf", content: "x\n" })))
      const good = String(w.backupPath)
      for (
        const backupPath of ["/etc/passwd", `${good}/../../../../etc/passwd`, good.replace("/targets/", "/blobs/")]
      ) {
        expect(failed(yield* drive(call(h.plan, "revert_file", { backupPath }))).code, backupPath).toBe(
          "BACKUP_NOT_FOUND"
        )
      }
    }).pipe(Effect.provide(h.layer))
  })
})

describe("§4.F F2/F3 and §4.D D6 on the file tools", () => {
  it.effect("F3: the connection drops during a container write: the file is unchanged, nothing is left, the outcome is not ok", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const at = { vmid: 100, path: "/root/f3.conf" }
      ok(yield* drive(call(h.plan, "pct_write_file", { ...at, content: "before\n" })))
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "pct push", action: "drop", times: 1 })
      const r = yield* drive(call(h.plan, "pct_write_file", { ...at, content: "after\n" }))
      expect(r._tag).toBe("Failure")
      yield* sim.clearFaults
      expect(ok(yield* drive(call(h.plan, "pct_read_file", at))).content).toBe("before\n")
      const temps = ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "ls -a /root /tmp" })))
      expect(String(temps.stdout)).not.toContain(".mcp-")
      const entry = (yield* (yield* AuditLog).query({ tool: "pct_write_file", limit: 1 })).entries[0]
      expect(entry?.outcome).not.toBe("ok")
      expect(entry?.outcome).not.toBe("pending")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("D6: 2 MiB + 1 byte needs a window; a NUL after the first 8 KiB still makes the file binary", () => {
    const h = harness("root")
    return Effect.gen(function*() {
      const big = Buffer.alloc(2 * 1024 * 1024 + 1, 0x61)
      ok(
        yield* drive(
          call(h.plan, "write_file", { path: "/root/big.txt", content: big.toString("base64"), encoding: "base64" })
        )
      )
      const e = failed(yield* drive(call(h.plan, "read_file", { path: "/root/big.txt" })))
      expect(e.code).toBe("FILE_TOO_LARGE")
      expect(e.message).toContain("offset/maxBytes")
      const w = ok(
        yield* drive(call(h.plan, "read_file", { path: "/root/big.txt", offset: 2 * 1024 * 1024, maxBytes: 10 }))
      )
      expect(w).toMatchObject({ content: "a", bytes: 1, truncated: false })
      const binary = Buffer.alloc(9000, 0x62)
      binary[8193] = 0
      ok(yield* drive(call(h.plan, "write_file", { path: "/root/late-nul", content: "text\n" })))
      const r = ok(
        yield* drive(
          call(h.plan, "write_file", { path: "/root/late-nul", content: binary.toString("base64"), encoding: "base64" })
        )
      )
      expect(r.diff).toBeNull()
    }).pipe(Effect.provide(h.layer))
  })
})
