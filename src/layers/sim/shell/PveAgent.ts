import { Effect, Either, Exit, Fiber, Option } from "effect"
import type { ApiParams } from "../../../services/ProxmoxApi.js"
import { paramError, pveError } from "../SimContext.js"
import { OSINFO } from "../SimPower.js"
import type { SimGuest } from "../SimState.js"
import { writeText } from "./Files.js"
import type { Proc, Target } from "./Proc.js"
import { freshEnv } from "./Proc.js"

/** The QEMU guest agent of a simulated VM: its checks, informational answers, and `exec` jobs run in the guest. */

/** qemu-server's `assert_agent_available`, in its order; `undefined` when the agent answers. */
export const agentCheck = (g: SimGuest): string | undefined => {
  if (!g.agent.configured) return "No QEMU guest agent configured"
  if (g.status !== "running") return `VM ${g.vmid} is not running`
  if (!g.agent.running) return "QEMU guest agent is not running"
  return undefined
}

const COMMANDS = ["guest-ping", "guest-exec", "guest-exec-status", "guest-get-osinfo", "guest-network-get-interfaces"]

/** `qm guest cmd <vmid> <command>` and the informational agent API calls. */
export const agentAnswer = (g: SimGuest, command: string): Either.Either<unknown, string> => {
  switch (command) {
    case "ping":
      return Either.right({})
    case "get-osinfo":
      return Either.right(OSINFO[g.config["ostype"] ?? "l26"] ?? OSINFO["l26"])
    case "get-host-name":
      return Either.right({ "host-name": g.system.hostname })
    case "info":
      return Either.right({
        version: "9.2.0",
        supported_commands: COMMANDS.map((name) => ({ name, enabled: true, "success-response": true }))
      })
    case "network-get-interfaces":
      return Either.right([
        {
          name: "lo",
          "hardware-address": "00:00:00:00:00:00",
          "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": "127.0.0.1", prefix: 8 }]
        },
        {
          name: "ens18",
          "hardware-address": `bc:24:11:20:00:${String(g.vmid % 100).padStart(2, "0")}`,
          "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": `127.77.0.${g.vmid % 250}`, prefix: 24 }]
        }
      ])
    default:
      return Either.left(
        `400 Parameter verification failed.\ncommand: value '${command}' does not have a value in the enumeration`
      )
  }
}

/** Agent `exec`: starts `argv` in the VM (in the background) and returns its guest pid. */
export const agentExecStart = (p: Proc, g: SimGuest, argv: ReadonlyArray<string>, input: string) =>
  Effect.gen(function*() {
    const pid = 1000 + p.node.agentJobs.size + 1
    const out: Array<string> = []
    const err: Array<string> = []
    const target: Target = { kind: "guest", vmid: g.vmid }
    const proc: Proc = {
      ...p,
      target,
      env: freshEnv(target, g.system.hostname),
      stdin: input,
      out: (s) => void out.push(s),
      err: (s) => void err.push(s)
    }
    const fiber = yield* Effect.forkDaemon(Effect.catchAll(p.node.argv(argv, proc), (e) => Effect.succeed(e.code)))
    p.node.agentJobs.set(`${g.vmid}:${pid}`, {
      poll: Effect.map(Fiber.poll(fiber), (o) =>
        Option.match(o, {
          onNone: () => undefined,
          onSome: (exit) => ({
            exitcode: Exit.isSuccess(exit) ? exit.value : 1,
            stdout: out.join(""),
            stderr: err.join("")
          })
        }))
    })
    return pid
  })

/** Agent `exec-status`: `{ exited: 0 }` while it runs, then the exit code and output. */
export const agentExecStatus = (p: Proc, vmid: number, pid: string) =>
  Effect.gen(function*() {
    const job = p.node.agentJobs.get(`${vmid}:${Number(pid)}`)
    if (job === undefined) return Either.left("Agent error: Invalid parameter 'pid'")
    const done = yield* job.poll
    if (done === undefined) return Either.right({ exited: 0 })
    return Either.right({
      exited: 1,
      exitcode: done.exitcode,
      ...(done.stdout === "" ? {} : { "out-data": done.stdout }),
      ...(done.stderr === "" ? {} : { "err-data": done.stderr })
    })
  })

/** PVE's limit on the `content` parameter of agent/file-write (60 KiB, below the 64 KiB POST limit). */
export const FILE_WRITE_MAX_CHARS = 61_440

/**
 * Agent `file-write` (qemu-server's handler: `guest-file-open` mode `wb`, one `guest-file-write`, close): not atomic,
 * follows symlinks, keeps an existing file's mode and owner, a new file gets 0644. `encode=0`: content is base64.
 */
export const agentFileWrite = (p: Proc, g: SimGuest, params: ApiParams) =>
  Effect.gen(function*() {
    const one = (k: string) => {
      const v = params[k]
      return v === undefined ? undefined : Array.isArray(v) ? v.join(",") : String(v)
    }
    const file = one("file")
    const content = one("content") ?? ""
    if (file === undefined) return paramError("file", "property is missing and it is not optional")
    if (content.length > FILE_WRITE_MAX_CHARS) {
      return paramError("content", `value may only be ${FILE_WRITE_MAX_CHARS} characters long`)
    }
    const raw = one("encode") === "0"
    if (raw && !/^[A-Za-z0-9+/]*={0,2}$/.test(content)) {
      return pveError("Agent error: Guest agent command failed, error was 'Invalid parameter 'buf-b64''")
    }
    const bytes = raw ? new Uint8Array(Buffer.from(content, "base64")) : new TextEncoder().encode(content)
    const target: Target = { kind: "guest", vmid: g.vmid }
    const inGuest: Proc = { ...p, target, env: freshEnv(target, g.system.hostname), stdin: "" }
    const written = yield* writeText(inGuest, file, bytes, false)
    return Either.isLeft(written)
      ? pveError(`Agent error: failed to open file '${file}': ${written.left}`)
      : Either.right(null)
  })
