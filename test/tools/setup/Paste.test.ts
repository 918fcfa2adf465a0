import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Redacted } from "effect"
import { X509Certificate } from "node:crypto"
import { existsSync } from "node:fs"
import { parseSetupFlags } from "../../../src/tools/setup/Flags.js"
import { generateKey, localKeyPath, writeLocalKey } from "../../../src/tools/setup/Keys.js"
import { BEGIN, END, parsePasteBlock, pasteScript } from "../../../src/tools/setup/PasteScript.js"
import { runSetup } from "../../../src/tools/setup/Setup.js"
import { certs } from "../../support/PveTlsServer.js"
import { API_PIN, HOST_KEY, makeWorld } from "../../support/SetupHarness.js"

const OPENSSL = `sha256 Fingerprint=${new X509Certificate(certs.a.cert).fingerprint256}`
const block = (secret: string, tls = OPENSSL) =>
  [
    "root@pve:~# (script output above)",
    BEGIN,
    "PVE_VERSION=pve-manager/9.0.10/deb1ca707ec72a89 (running kernel: 6.14.11-2-pve)\r",
    "NODE=pve.lan",
    `TOKEN_SECRET=${secret}`,
    `TLS_FINGERPRINT=${tls}`,
    `SSH_HOST_KEY=256 ${HOST_KEY} root@pve (ED25519)`,
    END
  ].join("\n")

const flags = (line: string) => Either.getOrThrow(parseSetupFlags(line.split(" ")))

describe("paste mode", () => {
  it("the script runs in its own bash, picks the privileges by version and prints the result block", () => {
    const script = pasteScript({
      tier: "operate",
      expire: Option.some(1_900_000_000),
      comment: "homelab-mcp@laptop",
      install: Option.none(),
      removeBlob: Option.some("AAAAblob")
    })
    expect(script.startsWith("bash <<'HOMELAB_MCP_SETUP'\n")).toBe(true)
    expect(script.endsWith("\nHOMELAB_MCP_SETUP\n")).toBe(true)
    for (
      const line of [
        "case \"$MAJOR\" in 8) P=Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.PowerMgmt ;; " +
        "*) P=Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.GuestAgent.Audit,VM.PowerMgmt ;; esac",
        "pveum acl delete / --users \"$U\" --roles PVEAuditor 2>/dev/null || true",
        "pveum user token remove \"$U\" observe 2>/dev/null || true",
        "--privsep 1 --expire 1900000000 --comment 'homelab-mcp operate tier' --output-format json",
        "pveum acl modify / --tokens 'mcp@pve!operate' --roles \"$R\"",
        "LC_ALL=C grep -a -v -e ' homelab-mcp@laptop$' -e ' AAAAblob'",
        "openssl x509 -in \"$C\" -noout -fingerprint -sha256",
        "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
        `echo ${END}`
      ]
    ) expect(script).toContain(line)
    expect(script).not.toContain("reboot")
    const companion = pasteScript({
      tier: "companion",
      expire: Option.none(),
      comment: "homelab-mcp@laptop",
      install: Option.some({ line: "ssh-ed25519 AAAAnew homelab-mcp@laptop", blob: "AAAAnew" }),
      removeBlob: Option.none()
    })
    expect(companion).toContain("printf '%s\\n' 'ssh-ed25519 AAAAnew homelab-mcp@laptop' >> /root/.ssh/authorized_keys")
  })

  it("reads the pasted block: openssl and ssh-keygen lines become SHA256 pins", () => {
    const secret = "0b6f8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    const r = Either.getOrThrow(parsePasteBlock(block(secret)))
    expect({ ...r, secret: Redacted.value(r.secret) }).toEqual({
      version: "pve-manager/9.0.10/deb1ca707ec72a89 (running kernel: 6.14.11-2-pve)",
      node: "pve",
      secret,
      tlsFingerprint: API_PIN,
      sshHostKey: HOST_KEY
    })
    expect(parsePasteBlock("nothing")).toEqual(Either.left(`paste everything from ${BEGIN} to ${END}`))
    expect(Either.isLeft(parsePasteBlock(block("")))).toBe(true)
  })

  it.effect("the pasted result is pinned against the API, proved and registered; a downgrade drops the local key", () =>
    Effect.gen(function*() {
      let secret = ""
      const w = yield* makeWorld({ pasted: () => Effect.succeed(block(secret)) })
      // What the script does in the web shell (the simulated shell has no command substitution to run it as is).
      yield* w.sh("pveum user add mcp@pve --comment homelab-mcp")
      const created = yield* w.sh("pveum user token add mcp@pve observe --privsep 1 --output-format json")
      secret = (JSON.parse(created) as { value: string }).value
      yield* w.sh("pveum acl modify / --users mcp@pve --roles PVEAuditor")
      yield* w.sh("pveum acl modify / --tokens 'mcp@pve!observe' --roles PVEAuditor")
      yield* writeLocalKey(w.env.dataDir, generateKey("homelab-mcp@laptop"))
      yield* Effect.scoped(
        runSetup(flags("--tier observe --node-host 192.0.2.10 --bootstrap-mode paste --client print"), w.env)
      ).pipe(Effect.provide(w.layer))
      expect(w.stderr()).toContain("bash <<'HOMELAB_MCP_SETUP'")
      expect(w.stderr()).toContain("LC_ALL=C grep -a -v -e ' homelab-mcp@laptop$' -e ' AAAA")
      expect(w.connects.count).toBe(0)
      expect(existsSync(localKeyPath(w.env.dataDir))).toBe(false)
      expect(JSON.parse(w.stdout())).toHaveProperty("mcpServers.homelab.env.PVE_API_TOKEN_SECRET", secret)
    }))

  it.effect("a certificate that differs from the node's own is refused", () =>
    Effect.gen(function*() {
      const other = `sha256 Fingerprint=${new X509Certificate(certs.b.cert).fingerprint256}`
      const w = yield* makeWorld({ pasted: () => Effect.succeed(block("0b6f8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", other)) })
      const failed = yield* Effect.flip(
        Effect.scoped(
          runSetup(flags("--tier observe --node-host 192.0.2.10 --bootstrap-mode paste --client print"), w.env)
        )
          .pipe(Effect.provide(w.layer))
      )
      expect(failed.message).toContain("is not the node's own")
      expect(w.stdout()).toBe("")
    }))
})
