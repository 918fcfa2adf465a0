import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { call, failed, harness, ok } from "../support/TestLayers.js"

describe("describe_homelab over the API", () => {
  it.effect("reports node, storage, network and guests, and exec-bound sections as unavailable with why", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const census = ok(yield* call(h.plan, "describe_homelab", {})) as {
        sections: Record<
          "node" | "storage" | "network" | "containers" | "vms" | "services" | "tailscale",
          Record<string, unknown> & Array<Record<string, unknown>>
        >
        errors: Array<unknown>
        host: string
        snapshotPath?: string
      }
      const s = census.sections
      expect(s.node).toMatchObject({ name: "pve", version: "9.0.10" })
      expect(s.storage.map((x) => x.name)).toEqual(["local", "local-lvm"])
      expect((s.network.bridges as Array<{ name: string }>).map((b) => b.name)).toContain("vmbr0")
      expect(s.containers.map((g) => g.vmid)).toEqual([100, 101, 102])
      expect(s.vms.map((g) => g.vmid)).toEqual([200, 201])
      expect(s.services).toMatchObject({ unavailableAtTier: "companion" })
      expect(String(s.tailscale.reason)).toMatch(/SSH/)
      expect(census.errors).toEqual([])
      expect(census.host).not.toBe("")
      expect(census.snapshotPath !== undefined && existsSync(census.snapshotPath)).toBe(true)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("rejects an empty section list instead of returning an empty census", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const error = failed(yield* call(h.plan, "describe_homelab", { sections: [] }))
      expect(error.code).toBe("INVALID_ARGUMENTS")
      expect(error.message).toMatch(/sections/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("at full depth includes each guest's config with secrets redacted", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const census = ok(
        yield* call(h.plan, "describe_homelab", { sections: ["containers"], depth: "full", saveSnapshot: false })
      )
      const cts =
        (census.sections as { containers: Array<{ vmid: number; config?: Record<string, unknown> }> }).containers
      expect(cts.find((c) => c.vmid === 100)?.config?.hostname).toBe("adguard-dns")
      expect(census.snapshotPath).toBeUndefined()
      expect(JSON.stringify(census)).not.toMatch(/Sup3rS3cret/)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("isolates a failing section as an error and still answers the rest", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({
        match: "GET /nodes/pve/storage",
        action: "status",
        status: 500,
        message: "storage down"
      })
      const census = ok(yield* call(h.plan, "describe_homelab", { saveSnapshot: false })) as {
        sections: Record<string, unknown>
        errors: Array<{ section: string; probe: string; error: string }>
      }
      expect(census.errors).toEqual([{ section: "storage", probe: "storageStatus", error: "storage down" }])
      expect(census.sections.storage).toBeUndefined()
      expect(census.sections.node).toBeDefined()
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("fails closed as a whole on a pin mismatch or a rejected token, never as a section error", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "GET /nodes/pve/status", action: "pinMismatch" })
      expect(failed(yield* call(h.plan, "describe_homelab", { saveSnapshot: false })).code).toBe("PIN_MISMATCH")
      expect(failed(yield* call(h.plan, "health_check", {})).code).toBe("PIN_MISMATCH")
      yield* sim.clearFaults
      yield* sim.injectFault({ match: "*", action: "status", status: 401, message: "invalid token value!" })
      expect(failed(yield* call(h.plan, "health_check", { sections: ["storage"] })).code).toBe("UNAUTHORIZED")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("reports drift against the previous stored census, only for compared sections", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      const first = ok(yield* call(h.plan, "describe_homelab", { compareToPrevious: true })) as {
        drift: { comparedTo: string | null }
      }
      expect(first.drift.comparedTo).toBeNull()
      yield* sim.setGuestStatus(102, "running")
      const second = ok(
        yield* call(h.plan, "describe_homelab", { sections: ["containers", "node"], compareToPrevious: true })
      ) as {
        drift: { sections: Record<string, { changed: Array<unknown> }>; skipped: Array<{ section: string }> }
        snapshotPath: string
      }
      expect(second.drift.sections.containers?.changed).toEqual([{ id: "102", from: "stopped", to: "running" }])
      expect(second.drift.skipped.map((x) => x.section)).toEqual(["node"])
      expect(JSON.parse(readFileSync(second.snapshotPath, "utf8")).schemaVersion).toBe(1)
    }).pipe(Effect.provide(h.layer))
  })
})

describe("health_check over the API", () => {
  it.effect("checks node, storage and start-at-boot guests; units and updates are never attempted", () => {
    const h = harness("observe")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      const health = ok(yield* call(h.plan, "health_check", {})) as {
        status: string
        findings: Array<{ check: string; status: string; finding: string }>
        unavailable: Array<{ section: string; unavailableAtTier: string }>
      }
      const checks = health.findings.map((f) => f.check)
      expect(checks).toEqual(
        expect.arrayContaining(["load", "memory", "store:local", "store:local-lvm", "onboot-guests"])
      )
      const onboot = health.findings.find((f) => f.check === "onboot-guests")
      expect(onboot).toMatchObject({ status: "warn" })
      expect(onboot?.finding).toMatch(/102:legacy-nginx/)
      expect(health.unavailable.map((u) => u.section)).toEqual(["units", "updates"])
      expect(["warn", "crit"]).toContain(health.status)
      expect((yield* sim.requests).some((r) => r.includes("apt/update"))).toBe(false)
    }).pipe(Effect.provide(h.layer))
  })
})
