import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, TestClock } from "effect"
import type { SimRole } from "../../src/layers/ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated, SimNode } from "../../src/layers/ProxmoxApiSimulated.js"
import type { ApiParams, HttpMethod } from "../../src/services/ProxmoxApi.js"
import { ProxmoxApi } from "../../src/services/ProxmoxApi.js"
import { listGuests } from "../../src/tools/pve/Guests.js"
import { networkList, nodeStatus, storageList } from "../../src/tools/pve/Node.js"

const node = (role: SimRole) => ProxmoxApiSimulated.layer({ role })

const call = (method: HttpMethod, path: string, params?: ApiParams) =>
  Effect.flatMap(ProxmoxApi, (api) => api.request({ method, path, ...(params === undefined ? {} : { params }) }))

const get = (path: string, params?: ApiParams) => call("GET", path, params)
const post = (path: string) => call("POST", path)

type Rec = Record<string, unknown>
const rec = (u: unknown): Rec => u as Rec
const list = (u: unknown): ReadonlyArray<Rec> => u as ReadonlyArray<Rec>

const statusOf = (type: "lxc" | "qemu", vmid: number) =>
  Effect.map(get(`/nodes/pve/${type}/${vmid}/status/current`), (s) => rec(s)["status"])

const taskOf = (upid: string) => Effect.map(get(`/nodes/pve/tasks/${upid}/status`), rec)
const logOf = (upid: string) => Effect.map(get(`/nodes/pve/tasks/${upid}/log`, { start: 0, limit: 500 }), list)

const failureOf = <A, E>(effect: Effect.Effect<A, E, ProxmoxApi | SimNode>) =>
  Effect.flatMap(
    Effect.either(effect),
    (r) =>
      Either.isLeft(r)
        ? Effect.succeed(r.left)
        : Effect.dieMessage(`expected a failure, got ${JSON.stringify(r.right)}`)
  )

describe("ProxmoxApiSimulated: power actions and tasks", () => {
  it.effect("an auditor's start is refused with PVE's 403 and changes nothing", () =>
    Effect.gen(function*() {
      const e = yield* failureOf(post("/nodes/pve/lxc/102/status/start"))
      assert.strictEqual(e._tag, "ApiForbidden")
      if (e._tag !== "ApiForbidden") return
      assert.strictEqual(e.message, "Permission check failed (/vms/102, VM.PowerMgmt)")
      assert.strictEqual(e.path, "/vms/102")
      assert.strictEqual(e.privilege, "VM.PowerMgmt")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* statusOf("lxc", 102), "stopped")
      const sim = yield* SimNode
      assert.strictEqual((yield* sim.current).tasks.length, 0)
      assert.deepStrictEqual(yield* sim.requests, [
        "POST /nodes/pve/lxc/102/status/start",
        "GET /nodes/pve/lxc/102/status/current"
      ])
    }).pipe(Effect.provide(node("auditor"))))

  it.effect("operate starts CT 102: a PVE UPID, running for 1.2 s, then OK and the CT runs", () =>
    Effect.gen(function*() {
      const upid = String(yield* post("/nodes/pve/lxc/102/status/start"))
      assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzstart:102:mcp-operate@pve!operate:$/)
      const running = yield* taskOf(upid)
      assert.strictEqual(running["status"], "running")
      assert.isUndefined(running["exitstatus"])
      assert.strictEqual(running["user"], "mcp-operate@pve")
      assert.strictEqual(running["tokenid"], "operate")
      assert.strictEqual(running["type"], "vzstart")
      assert.strictEqual(running["id"], "102")
      assert.strictEqual(yield* statusOf("lxc", 102), "stopped")

      yield* TestClock.adjust("1300 millis")
      const done = yield* taskOf(upid)
      assert.strictEqual(done["status"], "stopped")
      assert.strictEqual(done["exitstatus"], "OK")
      assert.strictEqual((yield* logOf(upid)).at(-1)?.["t"], "TASK OK")
      const current = rec(yield* get("/nodes/pve/lxc/102/status/current"))
      assert.strictEqual(current["status"], "running")
      assert.strictEqual(current["uptime"], 0)
      assert.isNumber(current["pid"])
      yield* TestClock.adjust("90 seconds")
      assert.strictEqual(rec(yield* get("/nodes/pve/lxc/102/status/current"))["uptime"], 90)
    }).pipe(Effect.provide(node("operate"))))

  it.effect("stop and shutdown take their own time; reboot keeps the guest running", () =>
    Effect.gen(function*() {
      const stop = String(yield* post("/nodes/pve/qemu/200/status/stop"))
      assert.include(stop, ":qmstop:200:")
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* statusOf("qemu", 200), "running")
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* statusOf("qemu", 200), "stopped")
      yield* post("/nodes/pve/lxc/100/status/shutdown")
      yield* TestClock.adjust("1700 millis")
      assert.strictEqual(yield* statusOf("lxc", 100), "running")
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* statusOf("lxc", 100), "stopped")
      const reboot = String(yield* post("/nodes/pve/lxc/101/status/reboot"))
      yield* TestClock.adjust("2300 millis")
      assert.strictEqual(rec(yield* taskOf(reboot))["exitstatus"], "OK")
      const ct101 = rec(yield* get("/nodes/pve/lxc/101/status/current"))
      assert.strictEqual(ct101["status"], "running")
      assert.strictEqual(ct101["uptime"], 0)
    }).pipe(Effect.provide(node("operate"))))

  it.effect("starting a running VM fails in the task; the CT handlers refuse up front, as PVE does", () =>
    Effect.gen(function*() {
      const upid = String(yield* post("/nodes/pve/qemu/200/status/start"))
      yield* TestClock.adjust("1 second")
      const task = yield* taskOf(upid)
      assert.strictEqual(task["status"], "stopped")
      assert.strictEqual(task["exitstatus"], "VM 200 already running")
      assert.strictEqual((yield* logOf(upid)).at(-1)?.["t"], "TASK ERROR: VM 200 already running")

      const ct = yield* failureOf(post("/nodes/pve/lxc/100/status/start"))
      assert.deepInclude(ct, { _tag: "ApiError", status: 500, message: "CT 100 already running" })
      const stopped = yield* failureOf(post("/nodes/pve/lxc/102/status/stop"))
      assert.deepInclude(stopped, { _tag: "ApiError", message: "CT 102 not running" })
      const reboot = yield* failureOf(post("/nodes/pve/qemu/201/status/reboot"))
      assert.deepInclude(reboot, { _tag: "ApiError", message: "VM 201 not running" })
      const sim = yield* SimNode
      assert.strictEqual((yield* sim.current).tasks.length, 1)
    }).pipe(Effect.provide(node("operate"))))
})

describe("ProxmoxApiSimulated: errors as PVE words them", () => {
  it.effect("unknown vmids, a vmid of the other type, another node, unknown paths and tasks", () =>
    Effect.gen(function*() {
      const missing = yield* failureOf(get("/nodes/pve/lxc/999/status/current"))
      assert.deepInclude(missing, {
        _tag: "ApiError",
        status: 500,
        message: "Configuration file 'nodes/pve/lxc/999.conf' does not exist"
      })
      const otherType = yield* failureOf(get("/nodes/pve/qemu/100/config"))
      assert.deepInclude(otherType, { message: "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist" })
      const host = yield* failureOf(get("/nodes/pve2/status"))
      assert.include(host.message, "hostname lookup 'pve2' failed")
      const path = yield* failureOf(get("/nodes/pve/nothing-here"))
      assert.deepInclude(path, { _tag: "ApiNotFound", path: "/nodes/pve/nothing-here" })
      assert.include(path.message, "Method 'GET /nodes/pve/nothing-here' not implemented")
      const task = yield* failureOf(
        get("/nodes/pve/tasks/UPID:pve:00001234:00001234:00000000:vzstart:102:x@pve:/status")
      )
      assert.deepInclude(task, { _tag: "ApiError", status: 400 })
      assert.include(task.message, "no such task")
      const apt = yield* failureOf(get("/nodes/pve/apt/update"))
      assert.deepInclude(apt, { _tag: "ApiForbidden", message: "Permission check failed (/nodes/pve, Sys.Modify)" })
    }).pipe(Effect.provide(node("operate"))))

  it.effect("agent ping: ok on VM 200, PVE's reasons on 201 and when the agent is down", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* post("/nodes/pve/qemu/200/agent/ping"), { result: {} })
      const stopped = yield* failureOf(post("/nodes/pve/qemu/201/agent/ping"))
      assert.deepInclude(stopped, { _tag: "ApiError", status: 500, message: "VM 201 is not running" })
      const sim = yield* SimNode
      yield* sim.setAgentRunning(200, false)
      const down = yield* failureOf(post("/nodes/pve/qemu/200/agent/ping"))
      assert.deepInclude(down, { message: "QEMU guest agent is not running" })
      const ct = yield* failureOf(post("/nodes/pve/qemu/100/agent/ping"))
      assert.include(ct.message, "qemu-server/100.conf")
    }).pipe(Effect.provide(node("auditor"))))
})

describe("ProxmoxApiSimulated: fault injection", () => {
  it.effect("status (once, then recovers), drop and pinMismatch", () =>
    Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "GET /nodes/pve/lxc", action: "status", status: 500, message: "boom", times: 1 })
      assert.deepInclude(yield* failureOf(get("/nodes/pve/lxc")), { _tag: "ApiError", status: 500, message: "boom" })
      assert.strictEqual(list(yield* get("/nodes/pve/lxc")).length, 3)
      yield* sim.injectFault({ match: /^GET \/cluster/, action: "drop" })
      const dropped = yield* failureOf(get("/cluster/resources"))
      assert.strictEqual(dropped._tag, "ApiUnavailable")
      assert.include(dropped.message, "connection reset")
      yield* sim.injectFault({ match: "*", action: "pinMismatch" })
      assert.strictEqual((yield* failureOf(get("/version")))._tag, "PinMismatch")
      yield* sim.clearFaults
      assert.strictEqual(rec(yield* get("/version"))["version"], "9.0.10")
    }).pipe(Effect.provide(node("operate"))))

  it.effect("hang never answers (a timeout ends it); latency delays by the Clock", () =>
    Effect.gen(function*() {
      const sim = yield* SimNode
      yield* sim.injectFault({ match: "status/current", action: "hang" })
      const hung = yield* Effect.fork(Effect.timeout(statusOf("lxc", 100), "5 seconds"))
      yield* TestClock.adjust("5 seconds")
      const result = yield* Effect.either(Fiber.join(hung))
      assert.isTrue(Either.isLeft(result) && result.left._tag === "TimeoutException")
      yield* sim.clearFaults
      yield* sim.injectFault({ match: "re:^GET /version$", action: "latency", ms: 500 })
      const slow = yield* Effect.fork(get("/version"))
      yield* TestClock.adjust("400 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(slow)))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(rec(yield* Fiber.join(slow))["release"], "9.0")
    }).pipe(Effect.provide(node("operate"))))
})

describe("ProxmoxApiSimulated: node and list shapes", () => {
  it.effect("uptime of the node and of running guests advances with the Clock", () =>
    Effect.gen(function*() {
      const before = rec(yield* get("/nodes/pve/status"))
      const ct = rec(yield* get("/nodes/pve/lxc/100/status/current"))
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(rec(yield* get("/nodes/pve/status"))["uptime"], Number(before["uptime"]) + 3600)
      const later = rec(yield* get("/nodes/pve/lxc/100/status/current"))
      assert.strictEqual(later["uptime"], Number(ct["uptime"]) + 3600)
      assert.strictEqual(rec(yield* get("/nodes/pve/lxc/102/status/current"))["uptime"], 0)
    }).pipe(Effect.provide(node("auditor"))))

  it.effect("node status, lists, snapshots, config and permissions look like PVE's", () =>
    Effect.gen(function*() {
      const status = rec(yield* get("/nodes/pve/status"))
      assert.deepStrictEqual(status["loadavg"], ["0.12", "0.20", "0.18"])
      assert.strictEqual(status["pveversion"], "pve-manager/9.0.10/deb1ca707ec72a89")
      assert.include(String(status["kversion"]), "6.14.11-2-pve")
      assert.containsAllKeys(status["cpuinfo"], ["cpus", "model", "sockets", "cores"])
      assert.containsAllKeys(status["rootfs"], ["total", "used", "avail", "free"])

      const cts = list(yield* get("/nodes/pve/lxc"))
      assert.deepStrictEqual(cts.map((g) => [g["vmid"], g["name"], g["status"], g["type"]]), [
        [100, "adguard-dns", "running", "lxc"],
        [101, "dockerBoss", "running", "lxc"],
        [102, "legacy-nginx", "stopped", "lxc"]
      ])
      assert.isNumber(cts[0]?.["pid"])
      assert.notProperty(cts[2], "pid")
      const vms = list(yield* get("/nodes/pve/qemu"))
      assert.deepStrictEqual(vms.map((g) => [g["vmid"], g["name"], g["status"], "pid" in g, "type" in g]), [
        [200, "debian-vm", "running", true, false],
        [201, "win11", "stopped", false, false]
      ])
      const vm200 = rec(yield* get("/nodes/pve/qemu/200/status/current"))
      assert.deepInclude(vm200, { qmpstatus: "running", agent: 1, name: "debian-vm", ha: { managed: 0 } })

      const snaps = list(yield* get("/nodes/pve/lxc/101/snapshot"))
      assert.deepStrictEqual(snaps.map((s) => s["name"]), ["pre-upgrade", "current"])
      assert.deepInclude(snaps[1], { description: "You are here!", running: 1, parent: "pre-upgrade" })
      const config = rec(yield* get("/nodes/pve/lxc/101/config"))
      assert.deepInclude(config, {
        cores: 4,
        memory: 8192,
        hostname: "dockerBoss",
        mp0: "/mnt/media,mp=/media,backup=0"
      })
      assert.deepInclude(rec(yield* get("/nodes/pve/qemu/201/config")), { memory: "8192", cores: 4, agent: "1" })

      const storages = list(yield* get("/nodes/pve/storage"))
      assert.deepStrictEqual(storages.map((s) => [s["storage"], s["type"], s["enabled"], s["active"]]), [
        ["local", "dir", 1, 1],
        ["local-lvm", "lvmthin", 1, 1]
      ])
      const bridges = list(yield* get("/nodes/pve/network", { type: "bridge" }))
      assert.deepInclude(bridges[0], { iface: "vmbr0", bridge_ports: "enp3s0" })
      const resources = list(yield* get("/cluster/resources", { type: "vm" }))
      assert.deepStrictEqual(resources.map((r) => r["id"]), ["lxc/100", "lxc/101", "lxc/102", "qemu/200", "qemu/201"])
      const perms = rec(rec(yield* get("/access/permissions"))["/"])
      assert.strictEqual(perms["VM.GuestAgent.Audit"], 1)
      assert.notProperty(perms, "VM.PowerMgmt")
    }).pipe(Effect.provide(node("auditor"))))

  it.effect("the full role reads pending apt updates", () =>
    Effect.gen(function*() {
      const updates = list(yield* get("/nodes/pve/apt/update"))
      assert.deepStrictEqual(updates.map((u) => u["Package"]), [
        "pve-manager",
        "proxmox-kernel-6.14",
        "libpve-common-perl"
      ])
    }).pipe(Effect.provide(node("full"))))

  it.effect("the tools' own decoders accept the answers", () =>
    Effect.gen(function*() {
      const guests = yield* listGuests
      assert.deepStrictEqual(guests.map((g) => `${g.type}/${g.vmid}`), [
        "lxc/100",
        "lxc/101",
        "lxc/102",
        "qemu/200",
        "qemu/201"
      ])
      assert.strictEqual((yield* nodeStatus).cpuinfo.cpus, 6)
      assert.strictEqual((yield* storageList).length, 2)
      assert.isTrue((yield* networkList).some((n) => n.iface === "vmbr0" && n.type === "bridge"))
    }).pipe(Effect.provide(node("auditor"))))
})
