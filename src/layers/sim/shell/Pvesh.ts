import { Effect, Either } from "effect"
import type { ApiFailure } from "../../../domain/Errors.js"
import { ApiError } from "../../../domain/Errors.js"
import type { ApiParams, HttpMethod } from "../../../services/ProxmoxApi.js"
import type { Reply } from "../SimContext.js"
import { notImplemented, ok, paramError, pveError, requireGuest } from "../SimContext.js"
import { route } from "../SimRoutes.js"
import type { SimState } from "../SimState.js"
import { forkWorker } from "../SimTasks.js"
import type { Cmd, CommandSpec, Proc } from "./Proc.js"
import { fail, modifyState, print } from "./Proc.js"
import { agentAnswer, agentCheck, agentExecStart, agentExecStatus, agentFileWrite } from "./PveAgent.js"
import { pveArgs, textTable } from "./PveFormat.js"
import type { SnapError } from "./Snapshots.js"
import { createSnapshot, deleteSnapshot, rollbackSnapshot } from "./Snapshots.js"
import { canonJson, perlJson } from "./Text.js"

/**
 * `pvesh` as root@pam: the simulated API's route handlers (role full), plus what only root reaches here: snapshot
 * create/rollback/delete (worker tasks whose change lands at once) and the guest agent's exec / exec-status /
 * file-write. `/nodes/localhost/...` is the node pvesh runs on.
 */

const VERBS: Readonly<Record<string, HttpMethod>> = {
  get: "GET",
  ls: "GET",
  create: "POST",
  set: "PUT",
  delete: "DELETE"
}
const FORMAT_OPTS = ["output-format", "noborder", "noheader", "human-readable", "quiet"]

interface Req {
  readonly method: HttpMethod
  readonly path: string
  readonly segments: ReadonlyArray<string>
  readonly params: ApiParams
}

const str = (v: ApiParams[string]) => (v === undefined ? undefined : Array.isArray(v) ? v.join(",") : String(v))

/** A snapshot worker: the change lands now, the task ends OK (or with the error, as PVE's worker dies). */
const snapshotTask = (s: SimState, now: number, req: Req, type: "lxc" | "qemu", vmid: number): Reply =>
  Either.flatMap(requireGuest(s, type, vmid), (g) => {
    const [, , , , , name, action] = req.segments
    const prefix = type === "lxc" ? "vz" : "qm"
    let kind: string
    let r: Either.Either<SimState, SnapError>
    if (name === undefined && req.method === "POST") {
      const snapname = str(req.params["snapname"]) ?? ""
      const description = str(req.params["description"])
      kind = "snapshot"
      r = createSnapshot(s, g, snapname, {
        ...(description === undefined ? {} : { description }),
        vmstate: str(req.params["vmstate"]) === "1"
      }, now)
    } else if (name !== undefined && action === "rollback" && req.method === "POST") {
      kind = "rollback"
      r = rollbackSnapshot(s, g, name, { start: str(req.params["start"]) === "1" }, now)
    } else if (name !== undefined && action === undefined && req.method === "DELETE") {
      kind = "delsnapshot"
      r = deleteSnapshot(s, g, name)
    } else return notImplemented(req)
    if (Either.isLeft(r) && r.left.param !== undefined) return paramError(r.left.param, r.left.message)
    const [upid, next] = forkWorker(Either.getOrElse(r, () => s), {
      type: `${prefix}${kind}`,
      id: String(vmid),
      user: "root@pam",
      durationMs: Either.isLeft(r) ? 150 : 800,
      exitstatus: Either.isLeft(r) ? r.left.message : "OK",
      log: [],
      changes: []
    }, now)
    return Either.right({ data: upid, state: next })
  })

const snapshotConfig = (s: SimState, req: Req, type: "lxc" | "qemu", vmid: number): Reply =>
  Either.flatMap(requireGuest(s, type, vmid), (g) => {
    const [, , , , , name, what] = req.segments
    const snap = g.snapshots.find((x) => x.name === name)
    if (snap === undefined) return pveError(`snapshot '${name ?? ""}' does not exist`)
    return what === "config" ? ok({ ...snap.config }) : ok([{ rel: "config" }, { rel: "rollback" }])
  })

/** Routes only root takes here; `undefined` hands the request to the API's router. */
const rootRoute = (p: Proc, req: Req) => {
  const [, , type, rawVmid, sub, name] = req.segments
  const vmid = Number(rawVmid)
  if ((type !== "lxc" && type !== "qemu") || !/^\d+$/.test(rawVmid ?? "")) return undefined
  if (sub === "snapshot" && (req.method !== "GET" || name !== undefined)) {
    return modifyState(p, (s, now) => {
      const r = req.method === "GET" ? snapshotConfig(s, req, type, vmid) : snapshotTask(s, now, req, type, vmid)
      return [
        Either.map(r, (a) => a.data),
        Either.isRight(r) && r.right.state !== undefined ? r.right.state : s
      ] as const
    })
  }
  if (
    type !== "qemu" || sub !== "agent" || name === undefined || ["ping", "get-osinfo", "get-host-name"].includes(name)
  ) {
    return undefined
  }
  return Effect.gen(function*() {
    const s = yield* p.node.sim.current
    const g = requireGuest(s, "qemu", vmid)
    if (Either.isLeft(g)) return Either.left<ApiFailure>(g.left)
    const down = agentCheck(g.right)
    if (down !== undefined) return pveError(down)
    if (name === "exec-status") {
      return Either.mapLeft(
        yield* agentExecStatus(p, vmid, str(req.params["pid"]) ?? ""),
        (m) => new ApiError({ message: m, status: 500 })
      )
    }
    if (name === "file-write" && req.method === "POST") return yield* agentFileWrite(p, g.right, req.params)
    if (name === "exec" && req.method === "POST") {
      const command = req.params["command"]
      const argv = Array.isArray(command) ? command : command === undefined ? [] : [String(command)]
      if (argv.length === 0) return paramError("command", "property is missing and it is not optional")
      return Either.right({ pid: yield* agentExecStart(p, g.right, argv, str(req.params["input-data"]) ?? "") })
    }
    return Either.map(
      Either.mapLeft(agentAnswer(g.right, name), (m) => new ApiError({ message: m, status: 500 })),
      (result) => ({ result })
    )
  })
}

const pvesh: Cmd = (args, p) =>
  Effect.gen(function*() {
    const [verb = "", ...rest] = args
    const method = VERBS[verb]
    const o = pveArgs(rest, ["noborder", "noheader", "human-readable", "quiet"])
    const rawPath = o.pos[0]
    if (rawPath === undefined) {
      return yield* fail(
        p,
        "400 not enough arguments\npvesh <get|set|create|delete|ls|usage> <api_path> [OPTIONS]",
        255
      )
    }
    if (method === undefined) return yield* fail(p, `ERROR: unknown command 'pvesh ${verb}'`, 255)
    const [pathPart = "", query] = rawPath.split("?", 2)
    const params: Record<string, string | ReadonlyArray<string>> = query === undefined
      ? {}
      : Object.fromEntries(new URLSearchParams(query))
    for (const [k, vs] of o.opts) if (!FORMAT_OPTS.includes(k)) params[k] = vs.length === 1 ? vs[0] ?? "" : vs
    const segments = pathPart.split("/").filter((x) => x !== "")
    // pvesh takes `localhost` for the node it runs on
    if (segments[0] === "nodes" && segments[1] === "localhost") segments[1] = (yield* p.node.sim.current).node.name
    const req: Req = { method, path: `/${segments.join("/")}`, segments, params }
    const special = segments[0] === "nodes" ? rootRoute(p, req) : undefined
    const result: Either.Either<unknown, ApiFailure> = special !== undefined
      ? yield* special
      : yield* modifyState(p, (s, nowMs) => {
        const r = route({ ...req, role: "full", nowMs, state: s })
        return [
          Either.map(r, (a) => a.data),
          Either.isRight(r) && r.right.state !== undefined ? r.right.state : s
        ] as const
      })
    if (Either.isLeft(result)) {
      const e = result.left
      const m = /^Parameter verification failed\. \((\w[\w-]*): (.*)\)$/s.exec(e.message)
      return yield* fail(p, m === null ? e.message : `400 Parameter verification failed.\n${m[1]}: ${m[2]}`, 255)
    }
    const d = result.right
    const format = o.get("output-format") ?? "text"
    if (format === "json") return yield* print(p, `${canonJson(d)}\n`)
    if (format === "json-pretty") return yield* print(p, `${perlJson(d)}\n`)
    if (d === null || d === undefined) return 0
    if (typeof d !== "object") return yield* print(p, `${String(d)}\n`)
    return yield* print(p, textTable(d, o.flag("noborder")))
  })

export const PVESH_COMMANDS: Readonly<Record<string, CommandSpec>> = { pvesh: { run: pvesh, where: "host" } }
