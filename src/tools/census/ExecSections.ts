import { Effect, Option } from "effect"
import type { GuestItem, ServiceEntry, TailscaleSection } from "../../domain/Census.js"
import { isTrustFailure } from "../../domain/Errors.js"
import type { DockerContainer } from "../../domain/ProbeParse.js"
import { parseDockerPs, parseFailedUnits, parseTailscale, parseZpool } from "../../domain/ProbeParse.js"
import { stripControl } from "../../domain/Redact.js"
import { pctExec, shJoin } from "../../domain/Shell.js"
import { SshTransport } from "../../services/SshTransport.js"
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

const hostLane = (timeoutMs: number) =>
  runProbes([
    { name: "zpool", script: "command -v zpool >/dev/null 2>&1 && zpool status -x || true" },
    { name: "failed", script: FAILED },
    { name: "tailscale", script: TAILSCALE }
  ], { probeTimeoutMs: timeoutMs })

const guestLane = (ct: GuestItem, timeoutMs: number) =>
  runProbes([{ name: "failed", script: FAILED }, { name: "docker", script: DOCKER }], {
    probeTimeoutMs: timeoutMs,
    wrap: (script) => pctExec(ct.vmid, script)
  }).pipe(
    Effect.map((r): ServiceEntry => ({
      vmid: ct.vmid,
      name: ct.name,
      failedUnits: parseFailedUnits(okOut(r, "failed") ?? ""),
      docker: parseDockerPs(stripControl(okOut(r, "docker") ?? ""))
    })),
    Effect.catchIf(
      (e) => !isTrustFailure(e),
      (e) =>
        Effect.succeed<ServiceEntry>({ vmid: ct.vmid, name: ct.name, failedUnits: [], docker: [], error: e.message })
    )
  )

/** Tailscale on the host first, else inside the first running docker container that looks like it (ADR-013). */
const tailscaleIn = (services: ReadonlyArray<ServiceEntry>, timeoutMs: number) =>
  Effect.gen(function*() {
    const found = services.flatMap((s) =>
      s.docker.filter((d: DockerContainer) => d.running && /tailscale/i.test(`${d.name} ${d.image}`))
        .map((d) => ({ vmid: s.vmid, container: d.name }))
    )[0]
    if (found === undefined) {
      return { scope: "none" as const, reason: "not on the host and in no running docker container of a running CT" }
    }
    const ssh = yield* SshTransport
    const r = yield* ssh.exec(
      pctExec(found.vmid, shJoin(["docker", "exec", found.container, "tailscale", "status", "--json"])),
      {
        timeoutMs
      }
    ).pipe(Effect.option)
    const status = Option.flatMap(r, (x) =>
      Option.fromNullable(x.exitCode === 0 ? parseTailscale(x.stdout) : undefined))
    return Option.match(status, {
      onNone: () => ({
        scope: "none" as const,
        reason: `tailscale container ${found.container} in CT ${found.vmid} did not answer`
      }),
      onSome: (t) => ({ scope: "container" as const, vmid: found.vmid, container: found.container, ...t })
    })
  })

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
    const tailscale: TailscaleSection = ts !== undefined
      ? { scope: "host", ...ts }
      : yield* tailscaleIn(services, timeoutMs)
    const zpool = okOut(probes, "zpool")
    const failed = okOut(probes, "failed")
    return {
      ...(zpool === undefined ? {} : { zpool: parseZpool(zpool) }),
      ...(failed === undefined ? {} : { failedUnits: parseFailedUnits(failed) }),
      services,
      tailscale,
      errors
    } satisfies ExecFindings
  })
