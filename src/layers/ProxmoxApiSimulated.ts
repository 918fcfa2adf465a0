import { Clock, Context, Effect, Either, Layer, Ref } from "effect"
import type { ApiFailure } from "../domain/Errors.js"
import type { ApiParams, ApiRequest, ProxmoxApiShape } from "../services/ProxmoxApi.js"
import { ProxmoxApi } from "../services/ProxmoxApi.js"
import type { SimRole } from "./sim/SimAccess.js"
import type { FaultRule } from "./sim/SimFaults.js"
import { makeFaults } from "./sim/SimFaults.js"
import { loadSimState, saveSimState } from "./sim/SimPersist.js"
import { route } from "./sim/SimRoutes.js"
import type { GuestStatus, SimState } from "./sim/SimState.js"
import { seedState } from "./sim/SimState.js"
import { setStatus, settle } from "./sim/SimTasks.js"

/**
 * A simulated Proxmox VE 9 node behind the ProxmoxApi port: same paths, shapes and error texts as the real API,
 * deterministic, and driven by Effect's Clock (tasks end when the Clock passes their end; `TestClock.adjust`
 * moves them). Serves the tests and the product's `--simulated` mode.
 */

export type { SimRole } from "./sim/SimAccess.js"
export type { FaultAction, FaultRule } from "./sim/SimFaults.js"
export type { GuestStatus, SimGuest, SimState, SimTask } from "./sim/SimState.js"

export interface SimNodeShape {
  readonly role: SimRole
  /** Saves the state when the node keeps it in a file (`statePath`); otherwise does nothing. */
  readonly persist: Effect.Effect<void>
  /** The raw state. Tasks that ended are applied lazily: read `current` for the state as of now. */
  readonly state: Ref.Ref<SimState>
  /** The state with every task that ended by the Clock's now applied (and stored). */
  readonly current: Effect.Effect<SimState>
  /** Sets a guest's run state at once, as a change outside the API would (`pct start` over SSH). */
  readonly setGuestStatus: (vmid: number, status: GuestStatus) => Effect.Effect<void>
  /** Takes the guest agent of a VM down (or brings it back): its agent calls fail as on PVE. */
  readonly setAgentRunning: (vmid: number, running: boolean) => Effect.Effect<void>
  /** Makes a guest's start tasks end OK while it falls back to stopped at once (a guest that crashes on boot). */
  readonly setCrashOnStart: (vmid: number, crashes: boolean) => Effect.Effect<void>
  readonly injectFault: (rule: FaultRule) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Applies the fault rules matching `line` (the simulated SSH transport matches `"SSH <script>"`). */
  readonly applyFaults: (line: string) => Effect.Effect<void, ApiFailure>
  /** Every request seen, as `"METHOD /path"` (API) or `"SSH <script>"` (shell), oldest first (the last 10 000). */
  readonly requests: Effect.Effect<ReadonlyArray<string>>
}

export class SimNode extends Context.Tag("homelab-mcp/SimNode")<SimNode, SimNodeShape>() {}

export interface SimulatedNodeOptions {
  readonly role?: SimRole
  readonly node?: string
  /** Keep the node's state in this file across restarts (loaded at start, saved after every change). */
  readonly statePath?: string
}

const MAX_LOG = 10_000

/** `/nodes/pve/?a=1` → path `/nodes/pve` and any query parameters folded into `params`. */
const normalise = (req: ApiRequest): { readonly path: string; readonly params: ApiParams } => {
  const [rawPath = "", query] = req.path.split("?", 2)
  const path = `/${rawPath.split("/").filter((s) => s !== "").join("/")}`
  const fromQuery = query === undefined ? {} : Object.fromEntries(new URLSearchParams(query))
  return { path, params: { ...fromQuery, ...req.params } }
}

const hasGuest = (state: SimState, vmid: number) => state.guests.some((g) => g.vmid === vmid)

/** Builds one simulated node: the API port and its diagnostics handle, sharing state. */
export const makeSimulatedNode = (
  options: SimulatedNodeOptions = {}
): Effect.Effect<{ readonly api: ProxmoxApiShape; readonly sim: SimNodeShape }> =>
  Effect.gen(function*() {
    const role = options.role ?? "operate"
    const node = options.node ?? "pve"
    const loaded = options.statePath === undefined ? undefined : loadSimState(options.statePath)
    const state = yield* Ref.make(loaded ?? seedState(yield* Clock.currentTimeMillis, node))
    let saved: SimState | undefined = loaded
    const persist = Effect.flatMap(Ref.get(state), (s) =>
      Effect.sync(() => {
        if (options.statePath === undefined || s === saved) return
        saveSimState(options.statePath, s)
        saved = s
      }))
    const log = yield* Ref.make<ReadonlyArray<string>>([])
    const faults = yield* makeFaults

    const current = Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.updateAndGet(state, (s) => settle(s, now)))

    const updateGuest = (vmid: number, f: (s: SimState, now: number) => SimState) =>
      Effect.gen(function*() {
        const s = yield* current
        if (!hasGuest(s, vmid)) return yield* Effect.dieMessage(`simulated node has no guest ${vmid}`)
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(state, (latest) => f(settle(latest, now), now))
      })

    const request = (req: ApiRequest): Effect.Effect<unknown, ApiFailure> =>
      Effect.gen(function*() {
        const { params, path } = normalise(req)
        const line = `${req.method} ${path}`
        yield* Ref.update(log, (l) => [...(l.length >= MAX_LOG ? l.slice(1) : l), line])
        yield* faults.apply(line, path)
        const nowMs = yield* Clock.currentTimeMillis
        const segments = path.split("/").filter((s) => s !== "")
        const reply = yield* Ref.modify(state, (s) => {
          const settled = settle(s, nowMs)
          const r = route({ method: req.method, path, segments, params, role, nowMs, state: settled })
          return [r, Either.isRight(r) && r.right.state !== undefined ? r.right.state : settled] as const
        })
        const answer = yield* Effect.ensuring(reply, persist)
        // a fresh copy, as a JSON body would be: callers cannot reach into the node's state
        return structuredClone(answer.data)
      })

    const sim: SimNodeShape = {
      role,
      state,
      current,
      setGuestStatus: (vmid, status) =>
        updateGuest(vmid, (s, now) => ({ ...s, guests: setStatus(s.guests, vmid, status, now) })),
      setAgentRunning: (vmid, running) =>
        updateGuest(vmid, (s) => ({
          ...s,
          guests: s.guests.map((g) => (g.vmid === vmid ? { ...g, agent: { ...g.agent, running } } : g))
        })),
      setCrashOnStart: (vmid, crashesOnStart) =>
        updateGuest(vmid, (s) => ({
          ...s,
          guests: s.guests.map((g) => (g.vmid === vmid ? { ...g, crashesOnStart } : g))
        })),
      injectFault: faults.inject,
      clearFaults: faults.clear,
      applyFaults: (line) =>
        Ref.update(log, (l) => [...(l.length >= MAX_LOG ? l.slice(1) : l), line]).pipe(
          Effect.zipRight(faults.apply(line, line))
        ),
      requests: Ref.get(log),
      persist
    }
    return { api: { node, endpoint: "simulated", request }, sim }
  })

export const ProxmoxApiSimulated = {
  /** The simulated node as both the ProxmoxApi port and the SimNode handle (role `operate` unless given). */
  layer: (options?: SimulatedNodeOptions): Layer.Layer<ProxmoxApi | SimNode> =>
    Layer.effectContext(
      Effect.map(makeSimulatedNode(options), ({ api, sim }) =>
        Context.make(ProxmoxApi, api).pipe(Context.add(SimNode, sim)))
    )
}
