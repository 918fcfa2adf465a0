import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Logger, Option } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import ssh2 from "ssh2"
import { makeSshTransport } from "../../src/layers/SshTransportLive.js"
import type { SshSettings } from "../../src/services/AppConfig.js"
import type { KeyPair } from "../support/FakeSshNode.js"
import { ed25519, fingerprintOfKey, startFakeNode } from "../support/FakeSshNode.js"
import { startHostileNode } from "../support/HostileSshNode.js"

/** security.md §4.F: SSH transport faults. */

const tmp = mkdtempSync(join(tmpdir(), "hostile-ssh-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const HOST = ed25519()
const CLIENT = ed25519()
const keyPath = join(tmp, "id_ed25519")
writeFileSync(keyPath, CLIENT.private, { mode: 0o600 })
let seq = 0

const settingsFor = (port: number, over: Partial<SshSettings> = {}): SshSettings => ({
  host: "127.0.0.1",
  port,
  user: "root",
  keyPath,
  fingerprint: Option.some(fingerprintOfKey(HOST)),
  knownHostsPath: join(tmp, `run-${++seq}`, "known_hosts.json"),
  reconnectDelayMs: 100,
  commandGraceMs: 300,
  ...over
})
const fakeNode = (hostKey: KeyPair, port?: number) =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeNode({ hostKey, clientKey: CLIENT, ...(port === undefined ? {} : { port }) })),
    (n) => Effect.promise(() => n.close())
  )
const quiet = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, Logger.remove(Logger.defaultLogger))
const opts = { timeoutMs: 1000 }

describe("§4.F F6: sshd restarts between calls", () => {
  it.live("one reconnect, then success; the earlier command is not executed again", () =>
    Effect.gen(function*() {
      const first = yield* Effect.promise(() => startFakeNode({ hostKey: HOST, clientKey: CLIENT }))
      const transport = yield* makeSshTransport(settingsFor(first.port))
      expect((yield* transport.exec("fail", opts)).exitCode).toBe(3)
      yield* Effect.promise(() => first.close())
      yield* Effect.scoped(Effect.gen(function*() {
        const second = yield* fakeNode(HOST, first.port)
        expect((yield* transport.exec("echo hi", opts)).stdout).toBe("hi\n")
        expect(second.stats.commands).toHaveLength(1)
        expect(second.stats.commands[0]).toContain("echo hi")
        expect(second.stats.connections).toBe(1)
      }))
      expect(first.stats.commands).toHaveLength(1)
    }).pipe(Effect.scoped, quiet))
})

describe("§4.F F5: slow link", () => {
  it.live("output trickling at about 10 kB/s is capped and flagged, and the call still ends", () =>
    Effect.gen(function*() {
      const n = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startHostileNode(HOST, (_s, ch) => {
            let sent = 0
            const timer = setInterval(() => {
              ch.write(Buffer.alloc(1024, 0x61))
              if (++sent === 20) {
                clearInterval(timer)
                ch.exit(0)
                ch.end()
              }
            }, 100)
            ch.on("close", () => clearInterval(timer))
          })
        ),
        (x) => Effect.promise(() => x.close())
      )
      const ssh = yield* makeSshTransport(settingsFor(n.port))
      const r = yield* ssh.exec("slow", { timeoutMs: 5000, maxOutputBytes: 4096 })
      expect(r).toMatchObject({ stdout: "a".repeat(4096), stdoutTruncated: true, exitCode: 0 })
      // A trickle that outlives the limit ends at the backstop rather than hanging.
      const started = Date.now()
      const e = yield* Effect.flip(ssh.exec("slow", { timeoutMs: 1000 }))
      expect(e._tag).toBe("SshTimeout")
      expect(Date.now() - started).toBeLessThan(3000)
    }).pipe(Effect.scoped, quiet))
})

describe("§4.F F8: unusable key files", () => {
  const cases: ReadonlyArray<readonly [string, () => string]> = [
    ["encrypted with a passphrase", () => {
      const p = join(tmp, "enc_key")
      const pair = ssh2.utils.generateKeyPairSync("ed25519", {
        passphrase: "hunter2",
        cipher: "aes256-cbc",
        rounds: 16
      })
      writeFileSync(p, pair.private, { mode: 0o600 })
      return p
    }],
    ["a public key instead of a private one", () => {
      const p = join(tmp, "pub_key")
      writeFileSync(p, CLIENT.public, { mode: 0o600 })
      return p
    }],
    ["garbage", () => {
      const p = join(tmp, "garbage_key")
      writeFileSync(p, "not a key\n", { mode: 0o600 })
      return p
    }],
    ["a directory", () => {
      const p = join(tmp, "dir_key")
      mkdirSync(p, { recursive: true })
      return p
    }]
  ]
  for (const [name, make] of cases) {
    it.live(`${name}: SshUnavailable naming SSH_KEY_PATH, no connection, no retry storm`, () =>
      Effect.gen(function*() {
        const n = yield* fakeNode(HOST)
        const ssh = yield* makeSshTransport(settingsFor(n.port, { keyPath: make() }))
        const started = Date.now()
        for (let i = 0; i < 3; i++) {
          const e = yield* Effect.flip(ssh.exec("echo hi", opts))
          expect(e._tag).toBe("SshUnavailable")
          expect(e.message).toContain("SSH_KEY_PATH")
          expect(e.message).not.toContain("PRIVATE KEY")
          expect(e.message).not.toContain("hunter2")
        }
        expect(Date.now() - started).toBeLessThan(1000)
        expect(n.stats.connections).toBe(0)
      }).pipe(Effect.scoped, quiet))
  }
})
