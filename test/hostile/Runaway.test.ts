import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { rmSync } from "node:fs"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { hostileSsh } from "../support/HostileHarness.js"
import type { ExecHandler } from "../support/HostileSshNode.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

/** security.md §4.E: slow, hanging and runaway commands. */

const { liveNode, run, tmp } = hostileSsh("hostile-runaway-")
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** `echo` answers at once; `bg` is a shell that exited while a background child keeps stdout open. */
const node: ExecHandler = (script, ch) => {
  if (script === "echo hi") {
    ch.write("hi\n")
    ch.exit(0)
    return ch.end()
  }
  // `sleep 1000 &`, `setsid sleep 1000 &`, `nohup x &`: exit status sent, channel never closed.
  ch.write("started\n")
  ch.exit(0)
}

const sshLines = Effect.flatMap(
  SimNode,
  (sim) => Effect.map(sim.requests, (r) => r.filter((l) => l.startsWith("SSH ")))
)

describe("§4.E E2/E3: a background child holds the channel open", () => {
  for (const command of ["sleep 1000 &", "setsid sleep 1000 &", "nohup x & disown"]) {
    it.live(`${command}: ends at the client deadline, closes only that channel, keeps the connection`, () =>
      run(Effect.gen(function*() {
        const { node: n, ssh } = yield* liveNode(node)
        const started = Date.now()
        const r = yield* Effect.either(ssh.exec(command, { timeoutMs: 1000 }))
        const elapsed = Date.now() - started
        // Never a hang: the backstop (timeout + grace) ends the wait.
        expect(elapsed).toBeLessThan(4000)
        if (r._tag === "Left") expect(r.left._tag).toBe("SshTimeout")
        expect(n.stats.openChannels).toBe(0)
        expect((yield* ssh.exec("echo hi", { timeoutMs: 1000 })).stdout).toBe("hi\n")
        expect(n.stats.connections).toBe(1)
      })))
  }
})

describe("§4.E E9: no TTY is ever allocated", () => {
  it.live("exec never sends a pty-req, so interactive tools see no terminal", () =>
    run(Effect.gen(function*() {
      const { node: n, ssh } = yield* liveNode(node)
      for (const c of ["docker exec -it web sh", "top", "echo hi"]) {
        yield* Effect.either(ssh.exec(c, { timeoutMs: 1000 }))
      }
      expect(n.stats.ptyRequests).toBe(0)
      expect(n.stats.commands).toHaveLength(3)
    })))
})

describe("§4.E E6: out-of-range timeouts", () => {
  it.effect("timeoutMs 0, -1, 10^12, NaN, 1.5 and a string are rejected before anything reaches the node", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      for (const timeoutMs of [0, -1, 999, 1e12, Number.NaN, 1500.5, Infinity, "30000"]) {
        for (const tool of ["pct_exec", "qm_exec"]) {
          const e = failed(
            yield* call(h.plan, tool, { vmid: tool === "pct_exec" ? 100 : 200, command: "ls", timeoutMs })
          )
          expect(e.code, `${tool} ${String(timeoutMs)}`).toBe("INVALID_ARGUMENTS")
        }
      }
      expect(yield* sshLines).toEqual([])
      // The bounds themselves are accepted.
      expect(ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "true", timeoutMs: 1000 }))).exitCode)
        .toBe(0)
      expect(ok(yield* drive(call(h.plan, "pct_exec", { vmid: 100, command: "true", timeoutMs: 900_000 }))).exitCode)
        .toBe(0)
    }).pipe(Effect.provide(h.layer))
  })
})

describe("§4.E E7: many concurrent pct_exec calls", () => {
  it.effect("12 concurrent pct_exec calls all complete with their own output", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const results = yield* drive(
        Effect.all(
          Array.from({ length: 12 }, (_, i) => call(h.plan, "pct_exec", { vmid: 100, command: `echo run-${i}` })),
          { concurrency: "unbounded" }
        )
      )
      expect(results.map((r) => ok(r).stdout)).toStrictEqual(Array.from({ length: 12 }, (_, i) => `run-${i}\n`))
      expect((yield* sshLines).filter((l) => l.includes("pct exec 100"))).toHaveLength(12)
    }).pipe(Effect.provide(h.layer))
  })
})

describe("§4.E E8: qm_exec when the guest agent hangs", () => {
  it.effect("an agent that never answers ends at the client backstop as a typed failure, not a hang", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "SSH qm guest exec", action: "hang" })
      const r = yield* drive(call(h.plan, "qm_exec", { vmid: 200, command: "ls", timeoutMs: 2000 }))
      const e = failed(r)
      expect(e.code).toMatch(/TIMEOUT/)
    }).pipe(Effect.provide(h.layer))
  })
})
