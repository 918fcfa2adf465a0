import { expect, it } from "vitest"
import {
  auditRecords,
  callAndMaybeDie,
  connect,
  crashNode,
  localTemps,
  nodeTemps,
  sha256,
  unsettledIntents,
  verifyStores
} from "../support/CrashHarness.js"

/**
 * security.md §5.4 kill loop: random writes, reverts and execs against one persistent simulated node, each server
 * SIGKILLed after a random delay; after every restart the invariants must hold. The seed is printed so a failure
 * replays: HOMELAB_MCP_KILL_LOOP_SEED=<seed> HOMELAB_MCP_KILL_LOOP=<iterations> npx vitest run test/e2e/killloop.
 */

const ITERATIONS = Number(process.env.HOMELAB_MCP_KILL_LOOP ?? 12)
const SEED = Number(process.env.HOMELAB_MCP_KILL_LOOP_SEED ?? Date.now() % 1_000_000)

const mulberry32 = (seed: number) => () => {
  let t = (seed += 0x6d2b79f5)
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

const PATHS = ["/etc/loop-a.conf", "/etc/loop-b.conf", "/srv/loop-c.bin"]

it(`kill loop: ${ITERATIONS} iterations, seed ${SEED}`, async () => {
  console.log(`kill loop seed ${SEED} (${ITERATIONS} iterations)`)
  const random = mulberry32(SEED)
  const node = crashNode()
  const written = new Set<string>()
  for (let i = 0; i < ITERATIONS; i++) {
    const path = PATHS[Math.floor(random() * PATHS.length)] ?? "/etc/loop-a.conf"
    const roll = random()
    const content = `iteration ${i} ${"x".repeat(Math.floor(random() * 200_000))}\n`
    written.add(sha256(content))
    const [tool, args] = roll < 0.6
      ? ["pct_write_file", { vmid: 100, path, content }] as const
      : roll < 0.85
      ? ["revert_file", { vmid: 100, path, overrideCircuitBreaker: true }] as const
      : ["pct_exec", { vmid: 100, command: "echo hello" }] as const
    await callAndMaybeDie(node, tool, args, {}, Math.floor(random() * 300))

    const s = await connect(node)
    try {
      await s.call("query_audit", { limit: 1 })
      for (const p of PATHS) {
        const r = await s.call("pct_read_file", { vmid: 100, path: p, encoding: "base64" })
        if (r.isError) {
          expect(JSON.stringify(r.content), `iteration ${i}, seed ${SEED}`).toContain("FILE_NOT_FOUND")
        } else {
          const h = sha256(Buffer.from(String(r.structuredContent?.content), "base64"))
          expect(written.has(h), `iteration ${i}, seed ${SEED}: ${p} holds content nobody wrote`).toBe(true)
        }
      }
    } finally {
      await s.close()
    }
    expect(unsettledIntents(auditRecords(node)), `iteration ${i}, seed ${SEED}`).toEqual([])
    expect(nodeTemps(node), `iteration ${i}, seed ${SEED}`).toEqual([])
    expect(localTemps(node), `iteration ${i}, seed ${SEED}`).toEqual([])
    const v = verifyStores(node)
    expect(v.code, `iteration ${i}, seed ${SEED}: ${v.output}`).toBe(0)
  }
}, 600_000)
