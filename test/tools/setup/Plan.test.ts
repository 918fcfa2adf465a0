import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { NodeState } from "../../../src/tools/setup/Inspect.js"
import { generateKey } from "../../../src/tools/setup/Keys.js"
import type { PlanInput } from "../../../src/tools/setup/Plan.js"
import { planSetup, renderStep } from "../../../src/tools/setup/Plan.js"

const AUDITOR_9 = "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.GuestAgent.Audit"
const OPERATE_8 = "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.PowerMgmt"
const OPERATE_9 =
  "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.GuestAgent.Audit,VM.PowerMgmt"

const fresh = (pve: 8 | 9): NodeState => ({
  version: pve === 8 ? "pve-manager/8.4.1/x" : "pve-manager/9.0.10/x",
  pve,
  nodeName: "pve",
  userExists: false,
  roles: [{ roleid: "PVEAuditor", privs: AUDITOR_9.split(","), special: true }],
  tokens: [],
  acls: [],
  authorizedKeys: "ssh-ed25519 AAAAadmin admin@desk\n"
})

const input = (over: Partial<PlanInput>): PlanInput => ({
  tier: "observe",
  state: fresh(9),
  secretKnown: false,
  expire: Option.none(),
  comment: "homelab-mcp@laptop",
  localKeyPath: "/data/ssh/id_ed25519",
  localKey: Option.none(),
  newKey: Option.none(),
  ...over
})

const commands = (over: Partial<PlanInput>) => planSetup(input(over)).map(renderStep)

const acl = (ugid: string, roleid: string, type: "user" | "token" = ugid.includes("!") ? "token" : "user") => ({
  path: "/",
  roleid,
  type,
  ugid,
  propagate: true
})

describe("setup plan", () => {
  it("observe on a fresh node: the built-in PVEAuditor, the user, a privsep token, both ACLs", () => {
    expect(commands({})).toEqual([
      "pveum user add mcp@pve --comment homelab-mcp",
      "pveum user token add mcp@pve observe --privsep 1 --comment 'homelab-mcp observe tier' --output-format json",
      "pveum acl modify / --users mcp@pve --roles PVEAuditor",
      "pveum acl modify / --tokens 'mcp@pve!observe' --roles PVEAuditor"
    ])
  })

  it("operate creates the role with each version's exact privileges", () => {
    expect(commands({ tier: "operate", state: fresh(9) })[0]).toBe(
      `pveum role add HomelabMCP-Operate --privs ${OPERATE_9}`
    )
    expect(commands({ tier: "operate", state: fresh(8) })[0]).toBe(
      `pveum role add HomelabMCP-Operate --privs ${OPERATE_8}`
    )
    expect(commands({ tier: "operate", state: fresh(8) })).toContain(
      "pveum acl modify / --tokens 'mcp@pve!operate' --roles HomelabMCP-Operate"
    )
  })

  it("a node that already matches plans nothing (idempotence)", () => {
    const state: NodeState = {
      ...fresh(9),
      userExists: true,
      roles: [...fresh(9).roles, { roleid: "HomelabMCP-Operate", privs: OPERATE_9.split(","), special: false }],
      tokens: [{ tokenid: "operate", privsep: true, expire: 0 }],
      acls: [acl("mcp@pve", "HomelabMCP-Operate"), acl("mcp@pve!operate", "HomelabMCP-Operate")]
    }
    expect(commands({ tier: "operate", state, secretKnown: true })).toEqual([])
  })

  it("a role with other privileges is modified, an unknown secret or a non-privsep token is replaced", () => {
    const state: NodeState = {
      ...fresh(8),
      userExists: true,
      roles: [{ roleid: "HomelabMCP-Operate", privs: ["VM.Audit", "Sys.Modify"], special: false }],
      tokens: [{ tokenid: "operate", privsep: false, expire: 0 }],
      acls: [acl("mcp@pve", "HomelabMCP-Operate"), acl("mcp@pve!operate", "HomelabMCP-Operate")]
    }
    expect(commands({ tier: "operate", state, secretKnown: true })).toEqual([
      `pveum role modify HomelabMCP-Operate --privs ${OPERATE_8}`,
      "pveum user token remove mcp@pve operate",
      "pveum user token add mcp@pve operate --privsep 1 --comment 'homelab-mcp operate tier' --output-format json",
      "pveum acl modify / --tokens 'mcp@pve!operate' --roles HomelabMCP-Operate"
    ])
  })

  it("a tier change swaps the token and the grants; an expiry is changed in place", () => {
    const state: NodeState = {
      ...fresh(9),
      userExists: true,
      tokens: [{ tokenid: "observe", privsep: true, expire: 0 }],
      acls: [acl("mcp@pve", "PVEAuditor"), acl("mcp@pve!observe", "PVEAuditor"), acl("mcp@pve", "Administrator")]
    }
    expect(commands({ tier: "operate", state, secretKnown: true })).toEqual([
      `pveum role add HomelabMCP-Operate --privs ${OPERATE_9}`,
      "pveum acl delete / --users mcp@pve --roles PVEAuditor",
      "pveum acl delete / --users mcp@pve --roles Administrator",
      "pveum user token remove mcp@pve observe",
      "pveum user token add mcp@pve operate --privsep 1 --comment 'homelab-mcp operate tier' --output-format json",
      "pveum acl modify / --users mcp@pve --roles HomelabMCP-Operate",
      "pveum acl modify / --tokens 'mcp@pve!operate' --roles HomelabMCP-Operate"
    ])
    const same = { ...state, acls: [acl("mcp@pve", "PVEAuditor"), acl("mcp@pve!observe", "PVEAuditor")] }
    expect(commands({ state: same, secretKnown: true, expire: Option.some(1_900_000_000) })).toEqual([
      "pveum user token modify mcp@pve observe --expire 1900000000"
    ])
  })

  it("companion writes a new key and installs it once, on its own line", () => {
    const key = generateKey("homelab-mcp@laptop")
    const noNewline = { ...fresh(9), authorizedKeys: "ssh-ed25519 AAAAadmin admin@desk" }
    const steps = commands({ tier: "companion", state: noNewline, newKey: Option.some(key) }).slice(-2)
    expect(steps[0]).toBe("(local) write a new ed25519 key to /data/ssh/id_ed25519 (0600) and /data/ssh/id_ed25519.pub")
    expect(steps[1]).toBe(
      `mkdir -p /root/.ssh && chmod 700 /root/.ssh && printf '\\n%s\\n' '${key.publicLine}' >> /root/.ssh/authorized_keys`
    )
    const installed = { ...fresh(9), authorizedKeys: `ssh-ed25519 AAAAadmin admin@desk\n${key.publicLine}\n` }
    const again = planSetup(input({ tier: "companion", state: installed, localKey: Option.some(key) }))
    expect(again.filter((s) => s._tag !== "Pveum")).toEqual([])
  })

  it("a downgrade removes this client's key lines (by blob or comment) and deletes the local key", () => {
    const key = generateKey("homelab-mcp@laptop")
    const old = "ssh-ed25519 AAAAold homelab-mcp@laptop"
    const other = "ssh-ed25519 AAAAother homelab-mcp@desktop"
    const state = {
      ...fresh(9),
      authorizedKeys: `ssh-ed25519 AAAAadmin admin@desk\n${key.publicLine}\n${old}\n${other}\n`
    }
    const keySteps = planSetup(input({ tier: "operate", state, localKey: Option.some(key) })).filter((s) =>
      s._tag !== "Pveum"
    )
    expect(keySteps).toEqual([
      { _tag: "RemoveKeys", lines: [key.publicLine, old] },
      { _tag: "DeleteLocalKey", path: "/data/ssh/id_ed25519" }
    ])
    expect(renderStep(keySteps[0]!)).toBe(
      `t=/root/.ssh/authorized_keys.homelab-mcp.tmp; : > "$t" || exit 1; LC_ALL=C grep -a -vxF -e '${key.publicLine}' ` +
        `-e '${old}' /root/.ssh/authorized_keys >> "$t"; rc=$?; if [ "$rc" -le 1 ]; then cat "$t" > ` +
        `/root/.ssh/authorized_keys; fi; rm -f "$t"; [ "$rc" -le 1 ]`
    )
  })

  it("removing our key keeps every other line, non-UTF-8 ones too, and never empties the file on a failed temp", () => {
    const dir = mkdtempSync(join(tmpdir(), "homelab-mcp-ak-"))
    const ak = join(dir, "authorized_keys")
    const ours = "ssh-ed25519 AAAAours homelab-mcp@laptop"
    const others = Buffer.concat([
      Buffer.from("ssh-rsa AAAAother1 root@node2\n"),
      Buffer.from("ssh-ed25519 AAAAother2 J"),
      Buffer.from([0xf6]),
      Buffer.from("rg@box\n")
    ])
    writeFileSync(ak, Buffer.concat([others, Buffer.from(`${ours}\n`)]))
    const command = renderStep({ _tag: "RemoveKeys", lines: [ours] }).replaceAll("/root/.ssh/authorized_keys", ak)
    const run = spawnSync("bash", ["-c", command], { env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "" } })
    expect(run.status).toBe(0)
    expect(readFileSync(ak)).toEqual(others)
    // the temp file cannot be created (its directory is missing): the step fails and the file stays whole
    const broken = command.replaceAll(`${ak}.homelab-mcp.tmp`, join(dir, "missing", "tmp"))
    writeFileSync(ak, Buffer.concat([others, Buffer.from(`${ours}\n`)]))
    expect(spawnSync("bash", ["-c", broken]).status).not.toBe(0)
    expect(readFileSync(ak).length).toBeGreaterThan(others.length)
  })
})
