import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { TIERS } from "../../src/domain/Tier.js"
import type { PveMajor } from "../../src/domain/TierPrivileges.js"
import {
  comparePrivileges,
  negativeProbes,
  pveMajorOf,
  pveumGrant,
  requiredPrivileges,
  tierPrivileges,
  tierRoleName
} from "../../src/domain/TierPrivileges.js"
import { ALL_PRIVILEGES, permissions } from "../../src/layers/sim/SimAccess.js"
import { AUDITOR_8, AUDITOR_9 } from "../support/PveRoles.js"

const OPERATE_8 = [...AUDITOR_8, "VM.PowerMgmt"]
const OPERATE_9 = [...AUDITOR_9, "VM.PowerMgmt"]

/** What `GET /access/permissions` returns for a token with an ACL on `/`. */
const onRoot = (privs: ReadonlyArray<string>) => {
  const set = Object.fromEntries(privs.map((p) => [p, 1]))
  return { "/": set, "/nodes": set, "/nodes/pve": set, "/storage": set, "/vms": set }
}

/** PVEAdmin on PVE 9: every privilege but the root ones, `Permissions.Modify` and `Mapping.Modify`. */
const PVE_ADMIN = ALL_PRIVILEGES.filter((p) =>
  !["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork", "Realm.Allocate", "Permissions.Modify"]
    .includes(p) && p !== "Mapping.Modify"
)

describe("TierPrivileges", () => {
  it("gives each tier exactly its role, per PVE version", () => {
    const table: Record<string, Record<PveMajor, ReadonlyArray<string>>> = {
      observe: { 8: AUDITOR_8, 9: AUDITOR_9 },
      operate: { 8: OPERATE_8, 9: OPERATE_9 },
      companion: { 8: OPERATE_8, 9: OPERATE_9 },
      root: { 8: OPERATE_8, 9: OPERATE_9 }
    }
    for (const tier of TIERS) {
      for (const pve of [8, 9] as const) expect(tierPrivileges(tier, pve), `${tier} ${pve}`).toEqual(table[tier]![pve])
    }
    expect(TIERS.map(tierRoleName)).toEqual([
      "PVEAuditor",
      "HomelabMCP-Operate",
      "HomelabMCP-Operate",
      "HomelabMCP-Operate"
    ])
  })

  it("never names VM.Monitor or anything root-in-the-guest", () => {
    for (const tier of TIERS) {
      for (const pve of [8, 9] as const) {
        const privs = tierPrivileges(tier, pve)
        for (
          const bad of ["VM.Monitor", "VM.GuestAgent.Unrestricted", "Sys.Modify", "VM.Snapshot", "VM.Config.Options"]
        ) {
          expect(privs).not.toContain(bad)
        }
        for (const need of requiredPrivileges(tier)) expect(privs).toContain(need)
      }
    }
  })

  it("reads the major version from /version and pveversion strings", () => {
    expect(pveMajorOf("9.0.3")).toEqual(Option.some(9))
    expect(pveMajorOf("pve-manager/8.1.4/ec5affc9e41f1d79")).toEqual(Option.some(8))
    expect(pveMajorOf("pve-manager/9.0.10/deb1ca707ec72a89")).toEqual(Option.some(9))
    expect(pveMajorOf("10.1")).toEqual(Option.some(9))
    for (const bad of ["7.4-3", "", "nine", "pve-manager/x"]) expect(pveMajorOf(bad), bad).toEqual(Option.none())
  })

  it("finds an exact token exact, at every tier and version", () => {
    for (const tier of TIERS) {
      for (const pve of [8, 9] as const) {
        expect(comparePrivileges(tier, pve, onRoot(tierPrivileges(tier, pve)))).toEqual({ missing: [], excess: [] })
      }
    }
  })

  it("accepts the floor alone, and the simulated node's roles for their tiers", () => {
    expect(comparePrivileges("operate", 9, onRoot(requiredPrivileges("operate")))).toEqual({ missing: [], excess: [] })
    expect(comparePrivileges("observe", 9, permissions("auditor", "pve"))).toEqual({ missing: [], excess: [] })
    expect(comparePrivileges("companion", 9, permissions("operate", "pve"))).toEqual({ missing: [], excess: [] })
  })

  it("names missing privileges with the path they are checked on", () => {
    const result = comparePrivileges("operate", 9, onRoot(AUDITOR_9))
    expect(result).toEqual({ missing: [{ privilege: "VM.PowerMgmt", path: "/vms" }], excess: [] })
    const fenced = comparePrivileges("observe", 8, { "/vms/100": { "VM.Audit": 1 }, "/nodes/pve": { "Sys.Audit": 1 } })
    expect(fenced.missing).toEqual([{ privilege: "Datastore.Audit", path: "/storage" }])
    expect(comparePrivileges("observe", 9, {}).missing.map((m) => m.privilege)).toEqual(requiredPrivileges("observe"))
  })

  it("calls PVEAdmin at observe excess, once per privilege at its most general path", () => {
    const { excess, missing } = comparePrivileges("observe", 9, onRoot(PVE_ADMIN))
    expect(missing).toEqual([])
    const names = excess.map((e) => e.privilege)
    for (const p of ["VM.PowerMgmt", "Sys.Console", "VM.Config.Disk", "VM.GuestAgent.Unrestricted", "User.Modify"]) {
      expect(names).toContain(p)
    }
    expect(names).not.toContain("VM.Audit")
    expect(new Set(excess.map((e) => e.path))).toEqual(new Set(["/"]))
    expect(names).toEqual([...names].sort())
    const admin = comparePrivileges("observe", 9, onRoot(ALL_PRIVILEGES)).excess.map((e) => e.privilege)
    expect(admin).toContain("Permissions.Modify")
    expect(admin).toContain("Sys.Modify")
  })

  it("counts VM.Monitor on PVE 8 as excess and a deeper grant at its own path", () => {
    const { excess } = comparePrivileges("observe", 8, { ...onRoot(AUDITOR_8), "/vms/200": { "VM.Monitor": 1 } })
    expect(excess).toEqual([{ privilege: "VM.Monitor", path: "/vms/200" }])
  })

  it("probes only with GETs, and only with agent probes when a QEMU guest is named", () => {
    for (const tier of TIERS) {
      const probes = negativeProbes(tier, { node: "pve", qemuVmid: 200 })
      expect(probes.every((p) => p.method === "GET")).toBe(true)
      expect(probes.map((p) => p.path)).toContain("/nodes/pve/qemu/200/agent/exec-status")
      for (const p of probes) expect(tierPrivileges(tier, 9)).not.toContain(p.needs)
    }
    expect(negativeProbes("observe", { node: "pve" }).map((p) => p.path)).toEqual([
      "/nodes/pve/syslog",
      "/nodes/pve/journal",
      "/nodes/pve/apt/update",
      "/nodes/pve/apt/changelog"
    ])
  })

  it("prints the pveum grant for a privilege-separated token", () => {
    expect(pveumGrant("observe", 9, "mcp@pve!mcp-observe")).toEqual([
      "pveum acl modify / --users 'mcp@pve' --roles PVEAuditor",
      "pveum acl modify / --tokens 'mcp@pve!mcp-observe' --roles PVEAuditor"
    ])
    expect(pveumGrant("operate", 8, "mcp@pve!mcp-operate")[0]).toBe(
      `pveum role add HomelabMCP-Operate --privs "${OPERATE_8.join(",")}"`
    )
  })

  it("a `/` ACL that does not propagate, or NoAccess below it, does not cover the scopes", () => {
    const noPropagate = Object.fromEntries(tierPrivileges("operate", 9).map((p) => [p, 0]))
    const weak = comparePrivileges("operate", 9, { "/": noPropagate })
    expect(weak.missing.map((m) => m.privilege).sort()).toEqual(
      ["Datastore.Audit", "Sys.Audit", "VM.Audit", "VM.PowerMgmt"].sort()
    )
    const propagating = Object.fromEntries(tierPrivileges("operate", 9).map((p) => [p, 1]))
    // PVE lists /vms on its own; with NoAccess there it is listed empty, so the VM privileges are missing
    const blocked = comparePrivileges("operate", 9, { "/": propagating, "/vms": {} })
    expect(blocked.missing.map((m) => m.privilege).sort()).toEqual(["VM.Audit", "VM.PowerMgmt"])
    expect(comparePrivileges("operate", 9, { "/": propagating }).missing).toEqual([])
  })
})
