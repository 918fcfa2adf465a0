import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck } from "effect"
import { execFileSync } from "node:child_process"
import { shJoin } from "../../src/domain/Shell.js"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { AuditLog } from "../../src/services/AuditLog.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

/** security.md §4.C: shell injection through parameters. (C3, the full quoting pipeline, is test/domain/Shell.test.ts.) */

const sshLines = Effect.flatMap(
  SimNode,
  (sim) => Effect.map(sim.requests, (r) => r.filter((l) => l.startsWith("SSH ")))
)

/** Runs a built command line through a real `sh` with the program replaced by an argv printer. */
const argvOf = (program: string, line: string): ReadonlyArray<string> =>
  execFileSync("sh", ["-c", `${program}() { for a in "$@"; do printf '%s\\0' "$a"; done; }; ${line}`])
    .toString()
    .split("\0")
    .slice(0, -1)

describe("§4.C injection through parameters", () => {
  it.effect("C1: only integer vmids 100..999999999; strings, floats and hex are refused before any I/O", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const bad: ReadonlyArray<unknown> = [
        "101; reboot",
        "101 ",
        " 101",
        "0101",
        99,
        1_000_000_000,
        -1,
        101.5,
        "1e2",
        "0x65",
        Number.MAX_SAFE_INTEGER + 2
      ]
      for (const vmid of bad) {
        const e = failed(yield* call(h.plan, "pct_exec", { vmid, command: "true" }))
        expect(e.code, String(vmid)).toBe("INVALID_ARGUMENTS")
      }
      expect(yield* sshLines).toEqual([])
      // JSON 1e2 is the number 100: accepted, and the decoded value is what runs and is audited.
      ok(yield* drive(call(h.plan, "pct_exec", { vmid: JSON.parse("1e2") as number, command: "true" })))
      const audit = yield* AuditLog
      expect((yield* audit.query({ tool: "pct_exec", limit: 1 })).entries[0]?.vmid).toBe(100)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("C2: snapshot names outside mcp-<configid> are refused by the schema", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      for (
        const name of [
          "mcp-x; reboot",
          "mcp-x$(reboot)",
          "mcp-$(id)",
          "mcp-x y",
          "mcp-",
          `mcp-${"a".repeat(37)}`,
          "MCP-X"
        ]
      ) {
        expect(failed(yield* call(h.plan, "snapshot_delete", { vmid: 100, name })).code, name).toBe("INVALID_ARGUMENTS")
      }
      expect(yield* sshLines).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })

  it("C4/C7: agent argv and free text (notes) reach the node as exact single arguments", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.string({ unit: "binary", maxLength: 80 }).filter((s) => !s.includes("\0")),
        (text) => {
          const qm = argvOf("qm", shJoin(["qm", "guest", "exec", "200", "--timeout", "30", "--", "sh", "-c", text]))
          expect(qm).toEqual(["guest", "exec", "200", "--timeout", "30", "--", "sh", "-c", text])
          const pvesh = argvOf(
            "pvesh",
            shJoin(["pvesh", "create", "/nodes/pve/lxc/100/snapshot", "--description", text])
          )
          expect(pvesh).toEqual(["create", "/nodes/pve/lxc/100/snapshot", "--description", text])
        }
      ),
      { numRuns: 150 }
    )
  })

  it.effect("C7: a note with a newline and a command substitution is stored as text, nothing runs", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const note = "foo\nuseradd x $(reboot) `id`"
      ok(yield* drive(call(h.plan, "snapshot_create", { vmid: 100, note })))
      const list = ok(yield* call(h.plan, "snapshot_list", { vmid: 100 })) as {
        snapshots: Array<{ description: string }>
      }
      expect(list.snapshots.some((s) => s.description === note.trim())).toBe(true)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("C8/C9/C10: no environment parameters, no prototype tricks, confirm only as boolean true", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const env = failed(yield* call(h.plan, "pct_exec", { vmid: 100, command: "true", env: { LD_PRELOAD: "/x.so" } }))
      expect(env.message).toMatch(/env: (unknown argument|is unexpected)/)
      const proto = JSON.parse(`{"vmid":100,"command":"reboot","__proto__":{"confirm":true}}`) as unknown
      expect(failed(yield* call(h.plan, "pct_exec", proto)).code).toBe("INVALID_ARGUMENTS")
      const ctor = { vmid: 100, command: "reboot", constructor: { prototype: { confirm: true } } }
      expect(failed(yield* call(h.plan, "pct_exec", ctor)).code).toBe("INVALID_ARGUMENTS")
      for (const confirm of ["true", 1, [true]]) {
        expect(failed(yield* call(h.plan, "pct_exec", { vmid: 100, command: "reboot", confirm })).code).toBe(
          "INVALID_ARGUMENTS"
        )
      }
      expect(failed(yield* call(h.plan, "pct_exec", { vmid: 100, command: "reboot", confirm: false })).code)
        .toBe("CONFIRMATION_REQUIRED")
      expect(yield* sshLines).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })
})
