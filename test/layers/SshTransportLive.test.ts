import { afterAll, describe, expect, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Exit, Fiber, Layer, Logger, Option, Schedule } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSshTransport, SshTransportLive } from "../../src/layers/SshTransportLive.js"
import type { AppConfigShape, SshSettings } from "../../src/services/AppConfig.js"
import { AppConfig } from "../../src/services/AppConfig.js"
import { SshTransport } from "../../src/services/SshTransport.js"
import type { ExecOptions } from "../../src/services/SshTransport.js"
import type { FakeNode, KeyPair } from "../support/FakeSshNode.js"
import { ecdsa, ed25519, fingerprintOfKey, startFakeNode } from "../support/FakeSshNode.js"

const tmp = mkdtempSync(join(tmpdir(), "ssh-transport-test-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const HOST_A = ed25519()
const HOST_B = ed25519()
const CLIENT = ed25519()
const keyPath = join(tmp, "id_ed25519")
writeFileSync(keyPath, CLIENT.private, { mode: 0o600 })
let seq = 0
const freshStore = () => join(tmp, `run-${++seq}`, "known_hosts.json")

const settingsFor = (port: number, over: Partial<SshSettings> = {}): SshSettings => ({
  host: "127.0.0.1",
  port,
  user: "root",
  keyPath,
  fingerprint: Option.some(fingerprintOfKey(HOST_A)),
  knownHostsPath: freshStore(),
  reconnectDelayMs: 100,
  commandGraceMs: 300,
  ...over
})

const node = (hostKey: KeyPair = HOST_A, port?: number) =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeNode({ hostKey, clientKey: CLIENT, ...(port === undefined ? {} : { port }) })),
    (n) => Effect.promise(() => n.close())
  )
const transport = (n: FakeNode, over: Partial<SshSettings> = {}) => makeSshTransport(settingsFor(n.port, over))
/** Only `ssh` is read by the layer; the rest of the configuration does not matter here. */
const configLayer = (ssh: Option.Option<SshSettings>) =>
  Layer.succeed(AppConfig, { ssh } as Pick<AppConfigShape, "ssh"> as AppConfigShape)
const quiet = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, Logger.remove(Logger.defaultLogger))
/** Scoped (the fake node and the transport close at the end) and without the expected connect warnings. */
const run = <A, E>(self: Effect.Effect<A, E, Scope.Scope>) => quiet(Effect.scoped(self))
const opts: ExecOptions = { timeoutMs: 1000 }
const waitUntil = (cond: () => boolean) =>
  Effect.repeat(Effect.sync(cond), { until: (ok) => ok, schedule: Schedule.spaced("10 millis") }).pipe(
    Effect.timeout("3 seconds")
  )

describe("SshTransportLive: exec", () => {
  it.live("round trip: stdout, stderr, exit codes, node-side timeout, signals, one connection", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const hi = yield* ssh.exec("echo hi", { timeoutMs: 1500 })
      expect(hi).toMatchObject({ stdout: "hi\n", stderr: "", exitCode: 0, timedOut: false, stdoutTruncated: false })
      expect(hi.durationMs).toBeGreaterThanOrEqual(0)
      expect(n.stats.commands[0]).toBe("timeout --signal=TERM --kill-after=5 2 bash -c 'echo hi'")
      const failed = yield* ssh.exec("fail", opts)
      expect(failed).toMatchObject({ stdout: "partial\n", stderr: "oops\n", exitCode: 3, timedOut: false })
      expect(yield* ssh.exec("exit 124", opts)).toMatchObject({ exitCode: 124, timedOut: true })
      const killed = yield* ssh.exec("killed", opts)
      expect(killed).toMatchObject({ exitCode: null, signal: "SIGKILL", timedOut: false })
      expect(n.stats.connections).toBe(1)
    })))

  it.live("25 concurrent execs never hold more than 10 channels and all complete", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const results = yield* Effect.all(Array.from({ length: 25 }, () => ssh.exec("slow", opts)), {
        concurrency: "unbounded"
      })
      expect(results.every((r) => r.stdout === "done\n" && r.exitCode === 0)).toBe(true)
      expect(n.stats.maxOpenChannels).toBe(10)
      expect(n.stats.connections).toBe(1)
    })))

  it.live("output past the cap is dropped at the source, flagged, and the command still finishes", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const big = yield* ssh.exec("big", opts)
      expect(big.stdout.length).toBe(1024 * 1024)
      expect(big).toMatchObject({ exitCode: 0, stdoutTruncated: true, stderrTruncated: false })
      expect(big.stderr.length).toBe(100)
      const small = yield* ssh.exec("big", { timeoutMs: 1000, maxOutputBytes: 10 })
      expect(small).toMatchObject({ stdout: "xxxxxxxxxx", stderr: "eeeeeeeeee", stderrTruncated: true })
      expect((yield* ssh.exec("echo hi", opts)).stdout).toBe("hi\n")
    })))

  it.live("stdin is delivered and then closed", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      expect((yield* ssh.exec("cat", { timeoutMs: 1000, stdin: "héllo\nworld" })).stdout).toBe("héllo\nworld")
      expect((yield* ssh.exec("cat", { timeoutMs: 1000, stdin: new Uint8Array([104, 105]) })).stdout).toBe("hi")
      expect((yield* ssh.exec("cat", opts)).stdout).toBe("")
    })))

  it.live("a hung command: SshTimeout at timeout + grace, that channel closed, the connection kept", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const started = Date.now()
      const e = yield* Effect.flip(ssh.exec("hang", { timeoutMs: 1000 }))
      const elapsed = Date.now() - started
      expect(e._tag).toBe("SshTimeout")
      expect(e.message).toContain("channel was closed")
      expect(elapsed).toBeGreaterThanOrEqual(1250)
      expect(elapsed).toBeLessThan(3000)
      expect(n.stats.openChannels).toBe(0)
      expect((yield* ssh.exec("echo hi", opts)).stdout).toBe("hi\n")
      expect(n.stats.connections).toBe(1)
    })))

  it.live("interrupting an exec closes its channel at the server", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const fiber = yield* Effect.fork(ssh.exec("hang", { timeoutMs: 60_000 }))
      yield* waitUntil(() => n.stats.openChannels === 1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      yield* waitUntil(() => n.stats.openChannels === 0)
      expect((yield* ssh.exec("echo hi", opts)).exitCode).toBe(0)
      expect(n.stats.connections).toBe(1)
    })))

  it.live("connection dropped mid-command: SshUnavailable (outcome unknown), the next exec reconnects", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const e = yield* Effect.flip(ssh.exec("drop", opts))
      expect(e._tag).toBe("SshUnavailable")
      expect(e.message).toContain("outcome is unknown")
      expect((yield* ssh.exec("echo hi", opts)).stdout).toBe("hi\n")
      expect(n.stats.connections).toBe(2)
    })))
})

describe("SshTransportLive: host-key pinning", () => {
  it.live("a different host key than the pin: PinMismatch at once, no authentication, no retry", () =>
    run(Effect.gen(function*() {
      const n = yield* node(HOST_B)
      const ssh = yield* transport(n)
      const started = Date.now()
      const e = yield* Effect.flip(ssh.exec("echo hi", opts))
      expect(Date.now() - started).toBeLessThan(1000)
      expect(e._tag).toBe("PinMismatch")
      if (e._tag !== "PinMismatch") return
      expect(e).toMatchObject({
        channel: "ssh",
        expected: fingerprintOfKey(HOST_A),
        presented: fingerprintOfKey(HOST_B)
      })
      expect(e.endpoint).toBe(`127.0.0.1:${n.port}`)
      expect(e.message).toContain("refused before authenticating")
      expect(e.message).toContain("SSH_HOST_KEY_FINGERPRINT")
      expect(e.message).toContain("reinstalled")
      expect(n.stats).toMatchObject({ auths: 0, connections: 1 })
      // The next call tries again, once.
      expect((yield* Effect.flip(ssh.exec("echo hi", opts)))._tag).toBe("PinMismatch")
      expect(n.stats).toMatchObject({ auths: 0, connections: 2 })
    })))

  it.live("a session that never starts and never closes still ends at the backstop (sshd with a hung wrapper)", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const ssh = yield* transport(n)
      const started = Date.now()
      const e = yield* Effect.flip(ssh.exec("stall", { timeoutMs: 1000 }))
      expect(e._tag).toBe("SshTimeout")
      expect(Date.now() - started).toBeLessThan(5000)
      expect((yield* ssh.exec("echo hi", opts)).stdout).toBe("hi\n")
      expect(n.stats.commands.some((c) => c.includes("stall"))).toBe(true)
    })))

  it.live("TOFU: the first key is recorded, a changed key is then refused", () =>
    Effect.gen(function*() {
      const store = freshStore()
      const over = { fingerprint: Option.none<string>(), knownHostsPath: store }
      const port = yield* Effect.scoped(Effect.gen(function*() {
        const n = yield* node(HOST_A)
        const ssh = yield* transport(n, over)
        expect((yield* ssh.exec("echo hi", opts)).stdout).toBe("hi\n")
        expect(JSON.parse(readFileSync(store, "utf8"))).toStrictEqual({
          [`127.0.0.1:${n.port}`]: fingerprintOfKey(HOST_A)
        })
        return n.port
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        const n = yield* node(HOST_B, port)
        const ssh = yield* transport(n, over)
        const e = yield* Effect.flip(ssh.exec("echo hi", opts))
        expect(e).toMatchObject({ _tag: "PinMismatch", expected: fingerprintOfKey(HOST_A) })
        expect(e.message).toContain(store)
        expect(n.stats).toMatchObject({ auths: 0, connections: 1 })
      }))
    }).pipe(quiet))

  it.live("a server without an ed25519 host key: algorithm mismatch, clear message", () =>
    run(Effect.gen(function*() {
      const n = yield* node(ecdsa())
      const tofu = yield* Effect.flip((yield* transport(n, { fingerprint: Option.none() })).exec("echo hi", opts))
      expect(tofu._tag).toBe("SshUnavailable")
      expect(tofu.message).toContain("algorithm mismatch")
      expect(tofu.message).toContain("ecdsa-sha2-nistp256")
      const pinned = yield* Effect.flip((yield* transport(n)).exec("echo hi", opts))
      expect(pinned).toMatchObject({ _tag: "PinMismatch", expected: fingerprintOfKey(HOST_A) })
      expect(pinned.message).toContain("algorithm mismatch")
      expect(n.stats).toMatchObject({ auths: 0, connections: 2 })
    })))
})

describe("SshTransportLive: connection failures", () => {
  it.live("a key the node does not accept: SshUnavailable naming SSH_KEY_PATH, not retried", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const otherKey = join(tmp, "other_key")
      writeFileSync(otherKey, ed25519().private, { mode: 0o600 })
      const e = yield* Effect.flip((yield* transport(n, { keyPath: otherKey })).exec("echo hi", opts))
      expect(e._tag).toBe("SshUnavailable")
      expect(e.message).toContain("SSH_KEY_PATH")
      expect(e.message).toContain("authorized_keys")
      expect(e.message).not.toContain("PRIVATE KEY")
      expect(n.stats.connections).toBe(1)
    })))

  it.live("a missing key file: SshUnavailable naming SSH_KEY_PATH, no connection", () =>
    run(Effect.gen(function*() {
      const n = yield* node()
      const e = yield* Effect.flip((yield* transport(n, { keyPath: join(tmp, "nope") })).exec("echo hi", opts))
      expect(e.message).toContain("SSH_KEY_PATH")
      expect(e.message).toContain("ENOENT")
      expect(n.stats.connections).toBe(0)
    })))

  it.live("connection refused: 3 attempts with backoff, then SshUnavailable", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(node(), (n) => n.port))
      const started = Date.now()
      const e = yield* Effect.scoped(
        Effect.flatMap(makeSshTransport(settingsFor(port)), (s) => Effect.flip(s.exec("x", opts)))
      )
      expect(e._tag).toBe("SshUnavailable")
      expect(e.message).toContain("ECONNREFUSED")
      expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    }).pipe(quiet))

  it.effect("the layer needs SSH_HOST and SSH_KEY_PATH", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Layer.build(SshTransportLive.pipe(
        Layer.provide(configLayer(Option.none()))
      )))
      expect(e._tag).toBe("NotConfigured")
      expect(e.message).toContain("SSH_HOST")
      expect(e.message).toContain("SSH_KEY_PATH")
      const noKey = configLayer(Option.some(settingsFor(22, { keyPath: "" })))
      const e2 = yield* Effect.flip(Layer.build(SshTransportLive.pipe(Layer.provide(noKey))))
      expect(e2._tag).toBe("NotConfigured")
      const ok = configLayer(Option.some(settingsFor(22)))
      const ssh = yield* Effect.provide(SshTransport, SshTransportLive.pipe(Layer.provide(ok)))
      expect(ssh.endpoint).toBe("127.0.0.1:22")
    }).pipe(Effect.scoped))
})
