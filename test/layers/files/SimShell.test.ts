import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import { createHash } from "node:crypto"
import { ProxmoxApiSimulated } from "../../../src/layers/ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "../../../src/layers/SshTransportSimulated.js"
import type { ExecOptions } from "../../../src/services/SshTransport.js"
import { SshTransport } from "../../../src/services/SshTransport.js"

/** The simulated node's shell features the file scripts rely on, with the semantics of the real tools. */

const node = SshTransportSimulated.pipe(Layer.provideMerge(ProxmoxApiSimulated.layer()))

const sh = (script: string, options: Partial<ExecOptions> = {}) =>
  Effect.flatMap(SshTransport, (ssh) => ssh.exec(script, { timeoutMs: 10_000, ...options }))
const out = (script: string, options: Partial<ExecOptions> = {}) => Effect.map(sh(script, options), (r) => r.stdout)

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0x80])

describe("simulated shell: bytes", () => {
  it.effect("base64 -d > f stores exact bytes; base64 -w0, sha256sum < f, head -c, tail -c +N see them", () =>
    Effect.gen(function*() {
      const b64 = BINARY.toString("base64")
      assert.strictEqual((yield* sh("base64 -d > /tmp/b", { stdin: b64 })).exitCode, 0)
      assert.strictEqual(yield* out("base64 -w0 /tmp/b"), b64)
      assert.strictEqual(yield* out("base64 < /tmp/b | tr -d '\\n'"), b64)
      assert.strictEqual(
        yield* out("sha256sum < /tmp/b"),
        `${createHash("sha256").update(BINARY).digest("hex")}  -\n`
      )
      assert.strictEqual(yield* out("wc -c < /tmp/b"), `${BINARY.length}\n`)
      assert.strictEqual(yield* out("head -c 3 /tmp/b | base64 -w0"), BINARY.subarray(0, 3).toString("base64"))
      assert.strictEqual(
        yield* out("tail -c +8 < /tmp/b | head -c 3 | base64 -w0"),
        Buffer.from("€").toString("base64")
      )
      assert.strictEqual(yield* out("tail -c 2 /tmp/b | base64 -w0"), BINARY.subarray(-2).toString("base64"))
      assert.strictEqual(yield* out("cat /tmp/b | base64 -w0"), b64)
    }).pipe(Effect.provide(node)))
})

describe("simulated shell: traps, options, status", () => {
  it.effect("trap … EXIT runs when the shell ends and keeps its exit code unless it exits itself", () =>
    Effect.gen(function*() {
      assert.deepInclude(yield* sh("trap 'echo bye' EXIT; echo hi; exit 3"), { stdout: "hi\nbye\n", exitCode: 3 })
      assert.deepInclude(yield* sh("trap 'rm -f /tmp/x' EXIT; touch /tmp/x; false"), { exitCode: 1 })
      assert.strictEqual(yield* out("test -e /tmp/x && echo left || echo gone"), "gone\n")
      assert.deepInclude(yield* sh("trap 'exit 5' EXIT; true"), { exitCode: 5 })
      assert.strictEqual(yield* out("sh -c \"trap 'echo inner' EXIT\"; echo outer"), "inner\nouter\n")
      assert.strictEqual(yield* out("eval \"trap 'echo late' EXIT\"; echo first"), "first\nlate\n")
    }).pipe(Effect.provide(node)))

  it.effect("set -C refuses to replace a file through >, but /dev/null is fine; $? is the status so far", () =>
    Effect.gen(function*() {
      const r = yield* sh("echo a > /tmp/c; set -C; echo b > /tmp/c; echo rc=$?; echo c > /dev/null; cat /tmp/c")
      assert.strictEqual(r.stdout, "rc=2\na\n")
      assert.include(r.stderr, "cannot create /tmp/c: File exists")
      assert.strictEqual(yield* out("false || echo $?; sh -c 'exit 7' || echo $?"), "1\n7\n")
      assert.deepInclude(yield* sh("umask 077"), { exitCode: 0 })
    }).pipe(Effect.provide(node)))

  it.effect("flock: one holder at a time, -w gives up with -E's code; sync checks its files", () =>
    Effect.gen(function*() {
      const holder = yield* Effect.fork(sh("flock /run/lock/t.lock sleep 5"))
      yield* TestClock.adjust("1 second")
      const waiter = yield* Effect.fork(sh("flock -w 2 -E 74 /run/lock/t.lock echo got"))
      yield* TestClock.adjust("3 seconds")
      assert.deepInclude(yield* Fiber.join(waiter), { exitCode: 74, stdout: "" })
      const later = yield* Effect.fork(sh("flock -w 10 -E 74 /run/lock/t.lock sh -c 'echo got; exit 9'"))
      yield* TestClock.adjust("2 seconds")
      assert.deepInclude(yield* Fiber.join(holder), { exitCode: 0 })
      assert.deepInclude(yield* Fiber.join(later), { exitCode: 9, stdout: "got\n" })
      assert.deepInclude(yield* sh("flock /nowhere/x.lock true"), { exitCode: 66 })
      assert.deepInclude(yield* sh("sync -- /etc/hostname /tmp && sync"), { exitCode: 0 })
      assert.deepInclude(yield* sh("sync -- /tmp/none"), { exitCode: 1 })
    }).pipe(Effect.provide(node)))
})

describe("simulated shell: file types and listings", () => {
  it.effect("stat -c %f and test tell FIFOs and devices from regular files; find -printf with NULs", () =>
    Effect.gen(function*() {
      yield* sh("mkdir /srv/l; mkfifo /srv/l/p; printf 12345 > '/srv/l/a b'; ln -s /dev/zero /srv/l/z")
      assert.strictEqual(
        yield* out("stat -L -c '%f %s %h' -- /srv/l/p /srv/l/z '/srv/l/a b' /srv/l"),
        "11a4 0 1\n21b6 0 1\n81a4 5 1\n41ed 4096 2\n"
      )
      assert.strictEqual(yield* out("for f in /srv/l/p /srv/l/z; do test -f $f || echo not-f; done"), "not-f\nnot-f\n")
      assert.strictEqual(yield* out("test -p /srv/l/p && test -c /srv/l/z && echo special"), "special\n")
      const listing = yield* out("find -H -- /srv/l -mindepth 1 -maxdepth 1 -printf '%y %s %M %f\\0'")
      assert.deepStrictEqual(listing.split("\0"), [
        "f 5 -rw-r--r-- a b",
        "p 0 prw-r--r-- p",
        "l 9 lrwxrwxrwx z",
        ""
      ])
    }).pipe(Effect.provide(node)))
})

describe("simulated shell: PVE file transfer", () => {
  it.effect("pct push sets mode and owner in the container; a stopped container refuses", () =>
    Effect.gen(function*() {
      yield* sh("printf data > /tmp/up")
      const r = yield* sh("pct push 100 /tmp/up /root/up --perms 0600 --user www-data --group 33")
      assert.strictEqual(r.exitCode, 0, r.stderr)
      assert.strictEqual(yield* out("pct exec 100 -- stat -c '%a %u %g %s' /root/up"), "600 33 33 4\n")
      assert.deepInclude(yield* sh("pct push 102 /tmp/up /root/up"), { exitCode: 255 })
      assert.deepInclude(yield* sh("pct push 100 /tmp/up /root/up2 --perms 9z"), { exitCode: 255 })
    }).pipe(Effect.provide(node)))

  it.effect("pvesh agent/file-write: base64 content with --encode 0, PVE's 61440-character cap, localhost", () =>
    Effect.gen(function*() {
      const b64 = BINARY.toString("base64")
      const ok = yield* sh(
        `pvesh create /nodes/localhost/qemu/200/agent/file-write --file /tmp/w --content ${b64} --encode 0`
      )
      assert.strictEqual(ok.exitCode, 0, ok.stderr)
      assert.strictEqual(yield* out("qm guest exec 200 -- base64 -w0 /tmp/w | grep -c out-data"), "1\n")
      const back = yield* out("qm guest exec 200 -- sh -c 'base64 < /tmp/w | tr -d \"\\n\"'")
      assert.strictEqual(JSON.parse(back)["out-data"], b64)
      const big = yield* sh(
        `pvesh create /nodes/pve/qemu/200/agent/file-write --file /tmp/w --content ${"A".repeat(61_444)}`
      )
      assert.strictEqual(big.exitCode, 255)
      assert.include(big.stderr, "content: value may only be 61440 characters long")
      const plain = yield* sh("pvesh create /nodes/pve/qemu/200/agent/file-write --file /tmp/t --content 'hi there'")
      assert.strictEqual(plain.exitCode, 0)
      assert.strictEqual(JSON.parse(yield* out("qm guest exec 200 -- cat /tmp/t"))["out-data"], "hi there")
    }).pipe(Effect.provide(node)))
})
