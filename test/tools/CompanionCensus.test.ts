import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { call, drive, failed, harness, ok } from "../support/TestLayers.js"

interface CensusOut {
  readonly sections: {
    readonly node: { readonly failedUnits?: ReadonlyArray<string>; readonly zpool?: { readonly healthy: boolean } }
    readonly services: ReadonlyArray<
      { vmid: number; failedUnits: ReadonlyArray<string>; docker: ReadonlyArray<{ name: string }> }
    >
    readonly tailscale: { readonly scope: string; readonly vmid?: number; readonly peerCount?: number }
    readonly containers: ReadonlyArray<{ vmid: number; snapshotCapable?: { capable: boolean; reason?: string } }>
  }
  readonly errors: ReadonlyArray<unknown>
}

describe("census and health at companion", () => {
  it.effect("adds failed units, docker, tailscale in a container, zpool and snapshotCapable", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const c = ok(
        yield* drive(call(h.plan, "describe_homelab", { depth: "status", saveSnapshot: false }))
      ) as unknown as CensusOut
      expect(c.errors).toEqual([])
      expect(c.sections.node.failedUnits).toEqual(["custom-backup.service"])
      expect(c.sections.node.zpool?.healthy).toBe(true)
      const ct101 = c.sections.services.find((s) => s.vmid === 101)
      expect(ct101?.failedUnits).toEqual(["certbot.service"])
      expect(ct101?.docker.map((d) => d.name)).toEqual(["tailscale", "jellyfin", "portainer", "watchtower"])
      expect(c.sections.services.map((s) => s.vmid)).toEqual([100, 101])
      expect(c.sections.tailscale).toMatchObject({ scope: "container", vmid: 101, peerCount: 2 })
      expect(c.sections.containers.find((g) => g.vmid === 101)?.snapshotCapable?.capable).toBe(false)
      expect(c.sections.containers.find((g) => g.vmid === 100)?.snapshotCapable?.capable).toBe(true)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("batches the probes: three parallel host probes and one round trip per running container", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      ok(yield* drive(call(h.plan, "describe_homelab", { saveSnapshot: false })))
      const ssh = (yield* (yield* SimNode).requests).filter((l) => l.startsWith("SSH "))
      expect(ssh.length).toBe(5)
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("a failing container probe is an entry error, not a failed census; a pin mismatch fails it all", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "SSH pct exec 101", action: "drop", times: 1 })
      const c = ok(yield* drive(call(h.plan, "describe_homelab", { sections: ["services"], saveSnapshot: false })))
      const entries = (c.sections as { services: Array<{ vmid: number; error?: string }> }).services
      expect(entries.find((s) => s.vmid === 101)?.error).toBeDefined()
      yield* sim.injectFault({ match: "re:^SSH printf", action: "pinMismatch" })
      expect(failed(yield* drive(call(h.plan, "describe_homelab", { saveSnapshot: false }))).code).toBe("PIN_MISMATCH")
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("health adds zfs, filesystems, failed units and pending updates with their age", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const r = ok(yield* drive(call(h.plan, "health_check", {}))) as {
        status: string
        findings: Array<{ check: string; status: string; finding: string; detail?: string }>
        unavailable: Array<unknown>
      }
      const by = (check: string) => r.findings.find((f) => f.check === check)
      expect(by("failed-units")).toMatchObject({ status: "warn", finding: "1 failed unit(s): custom-backup.service" })
      expect(by("updates")?.finding).toBe("3 pending update(s)")
      expect(by("updates")?.detail).toMatch(/as of \d{4}-/)
      expect(by("zfs")?.status).toBe("ok")
      expect(by("fs:/")).toBeDefined()
      expect(r.findings.some((f) => f.check.startsWith("fs:/dev") || f.check.startsWith("fs:/run"))).toBe(false)
      expect(r.unavailable).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })

  it.effect("describe_guest gives one guest's config, snapshots, units and docker", () => {
    const h = harness("companion")
    return Effect.gen(function*() {
      const g = ok(yield* drive(call(h.plan, "describe_guest", { vmid: 101 })))
      expect(g).toMatchObject({ guestType: "lxc", name: "dockerBoss", failedUnits: ["certbot.service"] })
      expect((g.snapshots as Array<{ name: string }>).map((s) => s.name)).toEqual(["pre-upgrade"])
      expect(JSON.stringify(g.config)).not.toMatch(/j3llyf1n/)
      const stopped = ok(yield* drive(call(h.plan, "describe_guest", { vmid: 102, sections: ["units"] })))
      expect((stopped.errors as Array<{ error: string }>)[0]?.error).toMatch(/stopped/)
      const vm = ok(yield* drive(call(h.plan, "describe_guest", { vmid: 200, sections: ["units", "config"] })))
      expect(vm.failedUnits).toEqual([])
    }).pipe(Effect.provide(h.layer))
  })
})
