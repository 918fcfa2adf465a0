import { Effect, Either, Schema } from "effect"
import { DockerItem } from "../domain/Census.js"
import { GuestType, VmId } from "../domain/Ids.js"
import { parseDockerPs, parseFailedUnits } from "../domain/ProbeParse.js"
import { cleanValue, stripControl } from "../domain/Redact.js"
import { opt } from "../domain/SchemaUtil.js"
import { pctExec } from "../domain/Shell.js"
import { snapshotCapability } from "../domain/SnapshotGuard.js"
import type { AppConfigShape } from "../services/AppConfig.js"
import type { RootApi } from "../services/RootApi.js"
import type { SshTransport } from "../services/SshTransport.js"
import type { ToolContext } from "../services/ToolContext.js"
import { readsNode } from "./Annotations.js"
import { okOut, runProbes } from "./census/Probes.js"
import { agentExec, requireAgent } from "./pve/Agent.js"
import { findGuest } from "./pve/Guests.js"
import { guestConfig, storageList } from "./pve/Node.js"
import { listSnapshots, Snapshot } from "./pve/Snapshots.js"
import { defineTool } from "./Runner.js"

const SECTIONS = ["config", "snapshots", "units", "docker"] as const
const Section = Schema.Literal(...SECTIONS)

const UNITS = "systemctl list-units --failed --no-legend --plain"
const DOCKER =
  "command -v docker >/dev/null 2>&1 && docker ps -a --format '{{.Names}}\t{{.Image}}\t{{.Status}}' || true"

const Output = Schema.Struct({
  vmid: Schema.Number,
  guestType: GuestType,
  name: Schema.String,
  status: Schema.String,
  snapshotCapable: Schema.Struct({ capable: Schema.Boolean, reason: opt(Schema.String) }),
  config: opt(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  snapshots: opt(Schema.Array(Snapshot)),
  failedUnits: opt(Schema.Array(Schema.String)),
  docker: opt(Schema.Array(DockerItem)),
  errors: Schema.Array(Schema.Struct({ section: Schema.String, error: Schema.String })),
  redactions: Schema.Number
})

export const makeDescribeGuest = (config: AppConfigShape) =>
  defineTool({
    name: "describe_guest",
    title: "Census of one guest",
    description: "Everything about one container or VM in one call: state, whether it can be snapshotted (and why " +
      "not), its redacted config, its snapshots, failed systemd units and docker containers inside it (running " +
      "guests; VMs through the guest agent). Choose sections to keep it short. Read-only.",
    minTier: "companion",
    annotations: readsNode,
    input: Schema.Struct({
      vmid: VmId,
      sections: Schema.optionalWith(Schema.Array(Section).pipe(Schema.minItems(1), Schema.maxItems(4)), { exact: true })
        .annotations({ description: "Any of config, snapshots, units, docker (at least one). Default: all." })
    }),
    output: Output,
    timeout: "60 seconds",
    handler: ({ sections, vmid }) =>
      Effect.gen(function*() {
        const want = (s: typeof SECTIONS[number]) => (sections ?? SECTIONS).includes(s)
        const guest = yield* findGuest(vmid)
        const errors: Array<{ section: string; error: string }> = []
        const [raw, storages] = yield* Effect.all([guestConfig(guest.type, vmid), storageList], { concurrency: 2 })
        const capable = snapshotCapability(
          guest.type,
          raw,
          Object.fromEntries(storages.map((s) => [s.storage, s.type]))
        )
        const redacted = cleanValue(raw, config.guard.redactionExtraKeys)
        const snapshots = want("snapshots") ? yield* listSnapshots(guest) : undefined
        type Inside = { readonly units: string; readonly docker: string }
        const inside = guest.status === "running" && (want("units") || want("docker"))
          ? yield* Effect.either<
            Inside,
            { readonly _tag: string; readonly message: string },
            SshTransport | RootApi | ToolContext
          >(
            guest.type === "lxc"
              ? runProbes([{ name: "units", script: UNITS }, { name: "docker", script: DOCKER }], {
                probeTimeoutMs: config.guard.probeTimeoutMs,
                wrap: (s) => pctExec(vmid, s)
              }).pipe(Effect.map((r) => ({ units: okOut(r, "units") ?? "", docker: okOut(r, "docker") ?? "" })))
              : requireAgent(vmid).pipe(
                Effect.zipRight(agentExec(vmid, UNITS, config.guard.probeTimeoutMs)),
                Effect.map((r) => ({ units: r.exitCode === 0 ? stripControl(r.stdout) : "", docker: "" }))
              )
          )
          : undefined
        if (guest.status !== "running" && (want("units") || want("docker"))) {
          errors.push({ section: "units", error: `guest is ${guest.status}: nothing runs inside it to look at` })
        }
        if (inside !== undefined && Either.isLeft(inside)) errors.push({ section: "units", error: inside.left.message })
        const found = inside !== undefined && Either.isRight(inside) ? inside.right : undefined
        return {
          vmid,
          guestType: guest.type,
          name: guest.name ?? "",
          status: guest.status,
          snapshotCapable: capable,
          ...(want("config") ? { config: redacted.value as Record<string, unknown> } : {}),
          ...(snapshots === undefined ? {} : { snapshots }),
          ...(found !== undefined && want("units") ? { failedUnits: parseFailedUnits(found.units) } : {}),
          ...(found !== undefined && want("docker") && guest.type === "lxc"
            ? { docker: parseDockerPs(stripControl(found.docker)) }
            : {}),
          errors,
          redactions: want("config") ? redacted.count : 0
        }
      })
  })
