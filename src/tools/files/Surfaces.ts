import { Schema } from "effect"
import type { Tier } from "../../domain/Tier.js"
import type { Surface } from "./Resolve.js"

/** One file surface as the tools present it: tool-name prefix, tier, and how the model should think of it. */
export interface SurfaceSpec {
  readonly surface: Surface
  /** `pct_` / `qm_` / `` (host tools keep the original's bare names). */
  readonly prefix: string
  readonly minTier: Tier
  /** "inside a container", … for descriptions. */
  readonly where: string
  readonly notes: string
}

export const SURFACES: Readonly<Record<Surface, SurfaceSpec>> = {
  pct: {
    surface: "pct",
    prefix: "pct_",
    minTier: "companion",
    where: "inside an LXC container (vmid)",
    notes: "The container must be running. Writes go to a temp file in the same directory, then an atomic rename; " +
      "mode and owner are kept."
  },
  qm: {
    surface: "qm",
    prefix: "qm_",
    minTier: "companion",
    where: "inside a VM through its QEMU guest agent (vmid)",
    notes:
      "The guest agent must answer. Agent writes are NOT atomic (the file is truncated, then written) and cannot " +
      "keep mode or owner; the pre-image backup is the safety net."
  },
  host: {
    surface: "host",
    prefix: "",
    minTier: "root",
    where: "on the Proxmox host itself (root tier)",
    notes: "Writes go to a temp file in the same directory, then an atomic rename; mode and owner are kept. " +
      "Privilege and cluster files (the protected set) are refused."
  }
}

export const Encoding = Schema.Literal("utf8", "base64")

export const vmidFields = (spec: SurfaceSpec) => spec.surface !== "host"

export const followSymlinksField = Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false })
  .annotations({
    description: "If the path is a symbolic link, write the file it points to (the link is kept). Without it a " +
      "link is refused."
  })

/** PVE accepts at most 61440 base64 characters per agent file-write: 46080 bytes, whatever QM_WRITE_MAX_BYTES says. */
export const AGENT_WRITE_MAX_BYTES = 46_080
