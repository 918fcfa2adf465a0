import { Effect } from "effect"
import type { GuestItem, ServiceEntry, TailscaleSection } from "../../domain/Census.js"
import type { PinMismatch, SshFailure } from "../../domain/Errors.js"
import { isTrustFailure } from "../../domain/Errors.js"
import { parseDockerPs, parseFailedUnits, parseTailscale, parseZpool } from "../../domain/ProbeParse.js"
import { stripControl } from "../../domain/Redact.js"
import { pctExec } from "../../domain/Shell.js"
import type { SshTransport } from "../../services/SshTransport.js"
import { ZPOOL } from "./HealthProbes.js"
import { okOut, runProbes } from "./Probes.js"

const FAILED = "systemctl list-units --failed --no-legend --plain"
const DOCKER =
  "command -v docker >/dev/null 2>&1 && docker ps -a --format '{{.Names}}\t{{.Image}}\t{{.Status}}' || true"
const TAILSCALE = "tailscale status --json"

export interface ExecFindings {
  readonly zpool?: { readonly healthy: boolean; readonly detail: string }
  readonly failedUnits?: ReadonlyArray<string>
  readonly services: ReadonlyArray<ServiceEntry>
  readonly tailscale: TailscaleSection
  readonly errors: ReadonlyArray<{ readonly section: string; readonly probe: string; readonly error: string }>
}

/** Tailscale in the first running docker container that looks like it, probed in the same round trip (ADR-013). */
const TAILSCALE_IN_DOCKER = "command -v docker >/dev/null 2>&1 && docker ps --format '{{.Names}}\t{{.Image}}' | " +
  "grep -i tailscale | head -n 1 | cut -f 1 | xargs -r -I{} docker exec {} tailscale status --json || true"

/** The host probes run as parallel channels (one round trip each, at once). */
const hostLane = (timeoutMs: number) =>
  Effect.all([
    runProbes([{ name: "zpool", script: ZPOOL }], {
      probeTimeoutMs: timeoutMs
    }),
    runProbes([{ name: "failed", script: FAILED }], { probeTimeoutMs: timeoutMs }),
    runProbes([{ name: "tailscale", script: TAILSCALE }], { probeTimeoutMs: timeoutMs })
  ], { concurrency: 3 }).pipe(Effect.map((maps) => new Map(maps.flatMap((m) => [...m]))))

const guestLane = (ct: GuestItem, timeoutMs: number): Effect.Effect<LaneResult, PinMismatch, SshTransport> =>
  runProbes([
    { name: "failed", script: FAILED },
    { name: "docker", script: DOCKER },
    { name: "tailscale", script: TAILSCALE_IN_DOCKER }
  ], {
    probeTimeoutMs: timeoutMs,
    wrap: (script) => pctExec(ct.vmid, script)
  }).pipe(
    Effect.map((r): LaneResult => {
      const docker = parseDockerPs(stripControl(okOut(r, "docker") ?? ""))
      const ts = parseTailscale(okOut(r, "tailscale") ?? "")
      const container = docker.find((d) => d.running && /tailscale/i.test(`${d.name} ${d.image}`))?.name
      // A probe that failed inside the guest (no systemctl, no timeout) is said, never shown as "nothing found".
      const failedProbes = ["failed", "docker"].filter((p) => r.get(p)?.rc !== 0)
        .map((p) =>
          `${p === "failed" ? "systemctl" : "docker"} probe failed: ${(r.get(p)?.out ?? "no output").slice(0, 200)}`
        )
      return {
        ...(failedProbes.length === 0 ? {} : { error: failedProbes.join("; ") }),
        vmid: ct.vmid,
        name: ct.name,
        failedUnits: parseFailedUnits(okOut(r, "failed") ?? ""),
        docker,
        ...(ts === undefined || container === undefined ? {} : { tailscale: { container, status: ts } })
      }
    }),
    Effect.catchAll((e: SshFailure) =>
      e._tag === "PinMismatch"
        ? Effect.fail(e)
        : Effect.succeed<LaneResult>({ vmid: ct.vmid, name: ct.name, failedUnits: [], docker: [], error: e.message })
    )
  )

interface TailscaleStatusIn {
  readonly container: string
  readonly status: NonNullable<ReturnType<typeof parseTailscale>>
}

type LaneResult = ServiceEntry & { readonly tailscale?: TailscaleStatusIn }

/** Host and per-container probes, one SSH round trip per lane, lanes in parallel. */
export const execFindings = (runningCts: ReadonlyArray<GuestItem>, timeoutMs: number) =>
  Effect.gen(function*() {
    const [host, services] = yield* Effect.all([
      hostLane(timeoutMs).pipe(Effect.either),
      Effect.forEach(runningCts, (ct) => guestLane(ct, timeoutMs), { concurrency: 8 })
    ], { concurrency: 2 })
    const errors: Array<{ section: string; probe: string; error: string }> = []
    if (host._tag === "Left" && isTrustFailure(host.left)) return yield* Effect.fail(host.left)
    if (host._tag === "Left") errors.push({ section: "node", probe: "hostProbes", error: host.left.message })
    const probes = host._tag === "Right" ? host.right : new Map()
    const ts = parseTailscale(okOut(probes, "tailscale") ?? "")
    const inGuest = services.find((s) => s.tailscale !== undefined)
    const tailscale: TailscaleSection = ts !== undefined
      ? { scope: "host", ...ts }
      : inGuest?.tailscale !== undefined
      ? { scope: "container", vmid: inGuest.vmid, container: inGuest.tailscale.container, ...inGuest.tailscale.status }
      : { scope: "none", reason: "not on the host and in no running docker container of a running CT" }
    const zpool = okOut(probes, "zpool")
    const failed = okOut(probes, "failed")
    return {
      ...(zpool === undefined ? {} : { zpool: parseZpool(zpool) }),
      ...(failed === undefined ? {} : { failedUnits: parseFailedUnits(failed) }),
      services: services.map(({ tailscale: _t, ...entry }) => entry),
      tailscale,
      errors
    } satisfies ExecFindings
  })
