import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseSetupFlags } from "../../../src/tools/setup/Flags.js"

const parse = (line: string) => parseSetupFlags(line.split(" ").filter((w) => w !== ""))
const error = (line: string) => Either.match(parse(line), { onLeft: (e) => e.message, onRight: () => "parsed" })

describe("setup flags", () => {
  it("parses every flag, in both --flag value and --flag=value forms", () => {
    expect(
      parse(
        "--tier companion --node-host [fd00::10] --ssh-port=2222 --api-port 8007 --bootstrap-mode auto " +
          "--bootstrap-key /root/.ssh/id_ed25519 --token-expire 2027-01-31 --client=claude-desktop --dry-run --yes"
      )
    ).toEqual(Either.right({
      tier: "companion",
      nodeHost: "fd00::10",
      sshPort: 2222,
      apiPort: 8007,
      bootstrapMode: "auto",
      bootstrapKey: "/root/.ssh/id_ed25519",
      tokenExpire: { _tag: "At", epoch: 1_801_353_600 },
      client: "claude-desktop",
      dryRun: true,
      yes: true
    }))
    expect(parse("--token-expire 90d")).toEqual(
      Either.right({ tokenExpire: { _tag: "Days", days: 90 }, dryRun: false, yes: false })
    )
    expect(parse("")).toEqual(Either.right({ dryRun: false, yes: false }))
  })

  it("names the flag and what it accepts", () => {
    expect(error("--tier admin")).toBe("--tier must be observe, operate, companion; got \"admin\"")
    expect(error("--tier root")).toContain("provision companion, then enable root with MCP_HOST_ROOT_ENABLED")
    expect(error("--tier")).toBe("--tier needs a value")
    expect(error("--tier --yes")).toBe("--tier needs a value")
    expect(error("--ssh-port 0")).toBe("--ssh-port must be a port number from 1 to 65535; got \"0\"")
    expect(error("--api-port 70000")).toContain("--api-port must be a port number")
    expect(error("--node-host https://pve:8006")).toContain("--node-host must be the node's IP or DNS name")
    expect(error("--node-host root@pve")).toContain("--node-host must be the node's IP or DNS name")
    expect(error("--token-expire soon")).toContain("--token-expire must be never, a number of days (90d)")
    expect(error("--client vscode")).toBe("--client must be claude-code, claude-desktop, print; got \"vscode\"")
    expect(error("--bootstrap-mode ssh")).toContain("--bootstrap-mode must be auto, paste")
    expect(error("--yes=1")).toBe("--yes takes no value")
    expect(error("--force")).toBe("unknown option \"--force\" (see homelab-mcp setup --help)")
    expect(error("--bootstrap-mode paste --bootstrap-key /k")).toContain("--bootstrap-key is for --bootstrap-mode auto")
  })
})
