import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import type { SimRole } from "../../src/layers/ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated, SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "../../src/layers/SshTransportSimulated.js"
import { ProxmoxApi } from "../../src/services/ProxmoxApi.js"
import type { ExecOptions } from "../../src/services/SshTransport.js"
import { SshTransport } from "../../src/services/SshTransport.js"

const node = (role: SimRole = "operate") =>
  SshTransportSimulated.pipe(Layer.provideMerge(ProxmoxApiSimulated.layer({ role })))

const sh = (script: string, options: Partial<ExecOptions> = {}) =>
  Effect.flatMap(SshTransport, (ssh) => ssh.exec(script, { timeoutMs: 10_000, ...options }))

const out = (script: string) => Effect.map(sh(script), (r) => r.stdout)

const apiStatus = (type: "lxc" | "qemu", vmid: number) =>
  Effect.flatMap(ProxmoxApi, (api) =>
    Effect.map(
      api.request({ method: "GET", path: `/nodes/pve/${type}/${vmid}/status/current` }),
      (s) => (s as Record<string, unknown>)["status"]
    ))

describe("SshTransportSimulated: the shell", () => {
  it.effect("pipelines, redirections, && / ||, quotes and variables", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* out(`echo 'a  b' "c $HOME" d\\ e | tr a-z A-Z`), "A  B C /ROOT D E\n")
      assert.strictEqual(yield* out("false && echo no || echo yes; true && echo ok"), "yes\nok\n")
      assert.strictEqual(yield* out("ls /nope 2>&1 >/dev/null | wc -l"), "1\n")
      assert.strictEqual(yield* out("echo one > /tmp/t; echo two >> /tmp/t; cat < /tmp/t"), "one\ntwo\n")
      const quiet = yield* sh("cat /nope 2>/dev/null; echo \"rc=$?\"")
      assert.deepInclude(quiet, { stdout: "rc=1\n", stderr: "", exitCode: 0 })
      assert.strictEqual(yield* out("sh -c 'exit 3'; echo $?"), "3\n")
      assert.strictEqual(yield* out("X=5; echo ${X:-none} ${Y:-none}"), "5 none\n")
      assert.strictEqual(yield* out("for f in /etc/host*; do echo \"[$f]\"; done"), "[/etc/hostname]\n[/etc/hosts]\n")
      assert.strictEqual(yield* out("cat <<EOF\nhome=$HOME\nEOF"), "home=/root\n")
      assert.strictEqual(yield* out("grep -n sshd /etc/passwd | cut -d: -f1,2"), "14:sshd\n")
      assert.strictEqual(yield* out("awk -F: '$3 == 33 {print $1}' /etc/passwd | sed 's/-/_/'"), "www_data\n")
      assert.strictEqual(yield* out("cd /etc && ls host* && pwd"), "hostname\nhosts\n/etc\n")
      assert.deepInclude(yield* sh("set -e; false; echo not-reached"), { stdout: "", exitCode: 1 })
      const both = yield* sh("echo to-out; echo to-err >&2; exit 4")
      assert.deepInclude(both, { stdout: "to-out\n", stderr: "to-err\n", exitCode: 4, timedOut: false })
      const subst = yield* sh("echo $(date)")
      assert.strictEqual(subst.exitCode, 2)
      assert.include(subst.stderr, "command substitution not supported in the simulator")
      const missing = yield* sh("nosuchcmd --help")
      assert.deepInclude(missing, { exitCode: 127, stdout: "", stderr: "sh: 1: nosuchcmd: not found\n" })
      assert.strictEqual((yield* sh("wc -c", { stdin: "hello" })).stdout, "5\n")
      assert.strictEqual((yield* sh("cat", { stdin: new TextEncoder().encode("bytes") })).stdout, "bytes")
    }).pipe(Effect.provide(node())))

  it.effect("pct list and qm list in PVE's table format", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* out("pct list"),
        "VMID       Status     Lock         Name                \n" +
          "100        running                 adguard-dns         \n" +
          "101        running                 dockerBoss          \n" +
          "102        stopped                 legacy-nginx        \n"
      )
      const qm = (yield* out("qm list")).split("\n")
      assert.strictEqual(qm[0], "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       ")
      assert.match(qm[1] ?? "", /^ {7}200 debian-vm {12}running {4}4096 {14}32\.00 \d+/)
    }).pipe(Effect.provide(node())))

  it.effect("pct exec: docker in CT 101, PVE's errors for a stopped or unknown CT", () =>
    Effect.gen(function*() {
      const ps = yield* sh("pct exec 101 -- sh -c 'docker ps --format \"{{.Names}}\\t{{.Image}}\\t{{.Status}}\"'")
      assert.strictEqual(ps.exitCode, 0)
      assert.deepStrictEqual(ps.stdout.trim().split("\n").map((l) => l.split("\t")[0]), [
        "tailscale",
        "jellyfin",
        "portainer"
      ])
      assert.include(ps.stdout, "jellyfin/jellyfin:10.10.7\tUp 3 weeks (healthy)")
      const ts = yield* sh("pct exec 101 -- docker exec tailscale tailscale status --json")
      assert.strictEqual(JSON.parse(ts.stdout).Self.HostName, "dockerboss-ts")
      assert.deepInclude(yield* sh("tailscale status --json"), { exitCode: 127 })
      assert.strictEqual(
        yield* out("pct exec 101 -- systemctl --failed --no-legend --plain"),
        "certbot.service loaded failed failed Certbot\n"
      )
      assert.deepInclude(yield* sh("pct exec 102 -- cat /etc/hostname"), {
        exitCode: 255,
        stdout: "",
        stderr: "CT 102 not running\n"
      })
      assert.deepInclude(yield* sh("pct exec 999 -- ls"), {
        exitCode: 255,
        stderr: "Configuration file 'nodes/pve/lxc/999.conf' does not exist\n"
      })
      assert.deepInclude(yield* sh("pct exec 100 -- sh -c 'exit 7'"), { exitCode: 7 })
      assert.strictEqual(yield* out("pct exec 100 -- hostname"), "adguard-dns\n")
    }).pipe(Effect.provide(node())))

  it.effect("the API and the shell share one state: starts and stops show on both sides", () =>
    Effect.gen(function*() {
      const api = yield* ProxmoxApi
      yield* api.request({ method: "POST", path: "/nodes/pve/lxc/102/status/start" })
      assert.include(yield* out("pct list"), "102        stopped")
      yield* TestClock.adjust("2 seconds")
      assert.include(yield* out("pct list"), "102        running")
      assert.strictEqual(yield* out("pct exec 102 -- cat /var/www/html/index.html"), "<h1>legacy</h1>\n")
      assert.deepInclude(yield* sh("pct stop 100"), { exitCode: 0, stderr: "" })
      assert.strictEqual(yield* apiStatus("lxc", 100), "stopped")
      assert.deepInclude(yield* sh("pct stop 100"), { exitCode: 255, stderr: "CT 100 not running\n" })
      assert.strictEqual(yield* out("qm status 201"), "status: stopped\n")
      yield* sh("qm start 201")
      assert.strictEqual(yield* apiStatus("qemu", 201), "running")
    }).pipe(Effect.provide(node())))

  it.effect("journalctl -n 5 on the host shows the seeded FAKE secrets unredacted", () =>
    Effect.gen(function*() {
      const r = yield* sh("journalctl -n 5 --no-pager")
      const lines = r.stdout.trim().split("\n")
      assert.strictEqual(lines.length, 5)
      assert.match(lines[0] ?? "", /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d pve backup\.sh\[40222\]: /)
      assert.include(r.stdout, "password=Sup3rS3cret!pve")
      assert.include(r.stdout, "PVEAPIToken=root@pam!backup=8d5a6f2e-1b3c-4d5e-9f00-5151deadbeef")
      assert.include(r.stdout, "SIMSIGNATURE")
      const unit = yield* out("journalctl -u custom-backup -o cat --no-pager")
      assert.include(unit, "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIMSECRET1")
      assert.include(yield* out("pct exec 101 -- journalctl -u docker"), "DB_PASSWORD=j3llyf1n-db-pass")
      assert.strictEqual(
        yield* out("systemctl list-units --failed --no-legend --plain"),
        "custom-backup.service loaded failed failed Offsite backup sync\n"
      )
    }).pipe(Effect.provide(node())))

  it.effect("files in CT 100: write, read, stat, sha256; the host's files are separate", () =>
    Effect.gen(function*() {
      const r = yield* sh(
        "pct exec 100 -- sh -c \"printf 'x' > /etc/test && sha256sum /etc/test && stat -c '%a %u %g %s %n %F' /etc/test\""
      )
      assert.strictEqual(r.exitCode, 0)
      assert.strictEqual(
        r.stdout,
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  /etc/test\n644 0 0 1 /etc/test regular file\n"
      )
      assert.strictEqual(yield* out("pct exec 100 -- cat /etc/test"), "x")
      assert.deepInclude(yield* sh("test -e /etc/test"), { exitCode: 1 })
      assert.strictEqual(yield* out("pct exec 100 -- sh -c 'chmod 600 /etc/test; stat -c %a /etc/test'"), "600\n")
      assert.strictEqual(yield* out("cat /proc/loadavg"), "0.12 0.20 0.18 1/612 40512\n")
      assert.include(yield* out("cat /etc/pve/lxc/101.conf"), "mp0: /mnt/media,mp=/media,backup=0\n")
    }).pipe(Effect.provide(node())))

  it.effect("snapshots taken through pvesh keep the files; rollback restores them", () =>
    Effect.gen(function*() {
      const upid = yield* out("pvesh create /nodes/pve/lxc/100/snapshot --snapname mcp-test --output-format json")
      assert.match(upid, /^"UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzsnapshot:100:root@pam:"\n$/)
      yield* TestClock.adjust("1 second")
      const task = JSON.parse(yield* out(`pvesh get /nodes/pve/tasks/${JSON.parse(upid)}/status --output-format json`))
      assert.deepInclude(task, { status: "stopped", exitstatus: "OK" })
      yield* sh("pct exec 100 -- sh -c 'echo changed > /etc/hostname; rm /etc/hosts'")
      assert.strictEqual(yield* out("pct exec 100 -- cat /etc/hostname"), "changed\n")
      yield* sh("pvesh create /nodes/pve/lxc/100/snapshot/mcp-test/rollback --output-format json")
      assert.strictEqual(yield* apiStatus("lxc", 100), "stopped")
      yield* sh("pct start 100")
      assert.strictEqual(yield* out("pct exec 100 -- cat /etc/hostname"), "adguard-dns\n")
      assert.deepInclude(yield* sh("pct exec 100 -- test -f /etc/hosts"), { exitCode: 0 })
      const refused = yield* out("pvesh create /nodes/pve/lxc/101/snapshot --snapname mcp-x --output-format json")
      yield* TestClock.adjust("1 second")
      const failed = JSON.parse(
        yield* out(`pvesh get /nodes/pve/tasks/${JSON.parse(refused)}/status --output-format json`)
      )
      assert.strictEqual(failed.exitstatus, "snapshot feature is not available")
      assert.include(yield* out("pct listsnapshot 100"), "`-> mcp-test")
    }).pipe(Effect.provide(node())))

  it.effect("qm guest exec answers in PVE's pretty JSON from the VM's own files", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* out("qm guest exec 200 -- cat /etc/motd"),
        "{\n   \"exitcode\" : 0,\n   \"exited\" : 1,\n   \"out-data\" : \"debian-vm (simulated QEMU guest)\\n\"\n}\n"
      )
      assert.deepInclude(yield* sh("qm guest exec 201 -- ls"), { exitCode: 255, stderr: "VM 201 is not running\n" })
      assert.deepInclude(yield* sh("qm agent 200 ping"), { exitCode: 0, stdout: "" })
    }).pipe(Effect.provide(node())))
})

describe("SshTransportSimulated: timeouts, caps and faults", () => {
  it.effect("the node-side timeout ends a hanging command with exit 124", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(sh("echo started; sim-hang", { timeoutMs: 3000 }))
      yield* TestClock.adjust("2999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const r = yield* Fiber.join(fiber)
      assert.deepInclude(r, { exitCode: 124, timedOut: true, stdout: "started\n", durationMs: 3000 })
      const inner = yield* Effect.fork(sh("timeout 5 sleep 60; echo rc=$?"))
      yield* TestClock.adjust("5 seconds")
      assert.deepInclude(yield* Fiber.join(inner), {
        stdout: "rc=124\n",
        exitCode: 0,
        timedOut: false,
        durationMs: 5000
      })
      const slept = yield* Effect.fork(sh("sleep 2 && echo done"))
      yield* TestClock.adjust("2 seconds")
      assert.deepInclude(yield* Fiber.join(slept), { stdout: "done\n", durationMs: 2000 })
    }).pipe(Effect.provide(node())))

  it.effect("a hang fault only ends by the client backstop: SshTimeout after timeoutMs + 10 s", () =>
    Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "SSH uptime", action: "hang" })
      const fiber = yield* Effect.fork(Effect.either(sh("uptime", { timeoutMs: 2000 })))
      yield* TestClock.adjust("11999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const r = yield* Fiber.join(fiber)
      assert.isTrue(Either.isLeft(r) && r.left._tag === "SshTimeout" && r.left.timeoutMs === 2000)
      assert.strictEqual((yield* sh("hostname")).stdout, "pve\n")
    }).pipe(Effect.provide(node())))

  it.effect("drop, pinMismatch and latency faults", () =>
    Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "SSH pct", action: "drop", times: 1 })
      const dropped = yield* Effect.either(sh("pct list"))
      assert.isTrue(Either.isLeft(dropped) && dropped.left._tag === "SshUnavailable")
      assert.strictEqual((yield* sh("pct status 100")).stdout, "status: running\n")
      yield* sim.injectFault({ match: "re:^SSH ", action: "pinMismatch", times: 1 })
      const pin = yield* Effect.either(sh("true"))
      assert.isTrue(Either.isLeft(pin) && pin.left._tag === "PinMismatch" && pin.left.channel === "ssh")
      yield* sim.injectFault({ match: "SSH nproc", action: "latency", ms: 700 })
      const slow = yield* Effect.fork(sh("nproc"))
      yield* TestClock.adjust("700 millis")
      assert.deepInclude(yield* Fiber.join(slow), { stdout: "6\n", durationMs: 700 })
    }).pipe(Effect.provide(node())))

  it.effect("output is capped per stream with truncation flags", () =>
    Effect.gen(function*() {
      const r = yield* sh("seq 1 1000; seq 1 10 >&2", { maxOutputBytes: 100 })
      assert.strictEqual(new TextEncoder().encode(r.stdout).length, 100)
      assert.isTrue(r.stdout.startsWith("1\n2\n3\n"))
      assert.deepInclude(r, {
        stdoutTruncated: true,
        stderrTruncated: false,
        stderr: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
      })
      const wide = yield* sh("printf 'ééééé'", { maxOutputBytes: 5 })
      assert.deepInclude(wide, { stdout: "éé", stdoutTruncated: true })
      const full = yield* sh("seq 1 10")
      assert.deepInclude(full, { stdoutTruncated: false, stderrTruncated: false })
    }).pipe(Effect.provide(node())))
})
