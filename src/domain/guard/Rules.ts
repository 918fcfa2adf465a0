/**
 * Per-segment DENY rules (spec §5.1.3 steps 0–1, §5.1.4; security.md §2.3 item 8, §4.A A2, A14–A16). Each rule
 * looks at the command word and its arguments of ONE segment, so `grep mkfs notes.txt` and `echo rm -rf /` are
 * not matched (fixing spec §12.2 #12). Pure.
 */
import type { Context } from "./Hits.js"
import { blockDeviceHit, protectedHit, systemRootHit } from "./Hits.js"
import type { Segment } from "./Segments.js"
import { hasFlag, positionals, targetsOf } from "./Targets.js"

/** Evaluation stages, first match wins (spec §5.1.3): lower runs first. */
export const Stage = {
  input: 0,
  protected: 1,
  deny: 2,
  configuredDeny: 3,
  confirm: 4,
  configuredConfirm: 5
} as const

export interface Finding {
  readonly verdict: "deny" | "confirm"
  readonly stage: number
  readonly rule: string
  readonly reason: string
}

export type Rule = (seg: Segment, ctx: Context) => Finding | undefined

const protectedSet = (rule: string, what: string): Finding => ({
  verdict: "deny",
  stage: Stage.protected,
  rule,
  reason: `protected set: ${what} is off-limits at every tier`
})

const deny = (rule: string, reason: string): Finding => ({ verdict: "deny", stage: Stage.deny, rule, reason })

const words = (seg: Segment): Array<string> => positionals(seg.argv.slice(1)).map((w) => w.text.toLowerCase())

/** `pvesh` API path, normalised: leading slash, no trailing or doubled slashes, lower case. */
export const apiPath = (raw: string | undefined): string =>
  `/${(raw ?? "").toLowerCase().split("/").filter((p) => p !== "").join("/")}`

const API_WRITE = new Set(["create", "set", "delete", "put", "post"])
const CLUSTER_UNITS = /^(pve-cluster|corosync)(\.service)?$/
const PVECM_READ = new Set(["status", "nodes", "help", "apiver"])
const PVEUM_READ = new Set(["list", "permissions", "help"])

const protectedRules: ReadonlyArray<Rule> = [
  (seg, ctx) => {
    for (const t of targetsOf(seg)) {
      const hit = protectedHit(t, ctx)
      if (hit !== undefined) {
        return protectedSet("protected.path", `changing ${hit} (cluster, privilege or access files)`)
      }
    }
    return undefined
  },
  (seg) => {
    const verb = words(seg)[0]
    return seg.name === "pvecm" && verb !== undefined && !PVECM_READ.has(verb)
      ? protectedSet("protected.cluster", `changing cluster membership (pvecm ${verb})`)
      : undefined
  },
  (seg) => {
    if (seg.name !== "pveum") return undefined
    const [a = "", b = "", c = ""] = words(seg)
    const read = a === "help" || PVEUM_READ.has(b) || ((b === "token" || b === "tfa") && PVEUM_READ.has(c))
    return read || a === ""
      ? undefined
      : protectedSet("protected.privileges", `changing users, roles or ACLs (pveum ${a} ${b})`)
  },
  (seg) => {
    const [verb = "", raw] = words(seg)
    if (seg.name !== "pvesh" || !API_WRITE.has(verb)) return undefined
    const path = apiPath(raw)
    if (/^\/access(\/|$)/.test(path)) return protectedSet("protected.privileges", `changing ${path} through the API`)
    if (/^\/cluster\/config(\/|$)/.test(path)) {
      return protectedSet("protected.cluster", `changing ${path} through the API`)
    }
    return /^\/nodes\/[^/]+\/status$/.test(path) && verb !== "delete"
      ? protectedSet("protected.node-power", `node power control through the API (${path})`)
      : undefined
  },
  (seg) => {
    const w = words(seg)
    const stop = (seg.name === "systemctl" && ["stop", "kill", "mask", "disable"].includes(w[0] ?? "") &&
      w.slice(1).some((u) => CLUSTER_UNITS.test(u))) ||
      (seg.name === "service" && CLUSTER_UNITS.test(w[0] ?? "") && w[1] === "stop") ||
      ((seg.name === "killall" || seg.name === "pkill") && w.some((p) => /^(pmxcfs|corosync)$/.test(p))) ||
      (seg.name === "pmxcfs" && hasFlag(seg.argv, ["--local"], "l"))
    return stop ? protectedSet("protected.cluster", "stopping or bypassing the cluster filesystem") : undefined
  }
]

const denyRules: ReadonlyArray<Rule> = [
  (seg, ctx) => {
    if (["rm", "chmod", "chown", "chgrp"].includes(seg.name) && hasFlag(seg.argv, ["--no-preserve-root"])) {
      return deny("deny.root", `destructive command: ${seg.name} --no-preserve-root`)
    }
    for (const t of targetsOf(seg)) {
      const root = t.recursive && t.kind !== "write" ? systemRootHit(t, ctx.cwd) : undefined
      if (root !== undefined && t.kind === "remove") {
        return deny("deny.recursive-delete", `destructive command: recursive delete or move of ${root}`)
      }
      if (root !== undefined) {
        return deny("deny.recursive-permissions", `destructive command: recursive ${seg.name} on ${root}`)
      }
      const dev = t.kind === "write" ? blockDeviceHit(t, ctx.cwd) : undefined
      if (dev !== undefined) return deny("deny.block-device", `destructive command: writes to the block device ${dev}`)
    }
    return undefined
  },
  (seg) =>
    /^mkfs(\..*)?$|^mke2fs$|^mkdosfs$|^mkntfs$|^mkexfatfs$/.test(seg.name)
      ? deny("deny.mkfs", `destructive command: creates a filesystem (${seg.name})`)
      : undefined,
  (seg) => {
    const a = seg.argv.slice(1)
    const wipe = (seg.name === "wipefs" && hasFlag(a, ["--all", "--offset"], "ao") && !hasFlag(a, ["--no-act"], "n")) ||
      (seg.name === "sgdisk" && hasFlag(a, ["--zap", "--zap-all", "--clear", "--delete"], "Zzod")) ||
      (seg.name === "sfdisk" && hasFlag(a, ["--delete"])) ||
      (seg.name === "parted" && words(seg).some((w) => ["rm", "mklabel", "mktable"].includes(w))) ||
      seg.name === "blkdiscard"
    return wipe
      ? deny("deny.disk-wipe", `destructive command: wipes signatures or partitions (${seg.name})`)
      : undefined
  },
  (seg) => {
    const w = words(seg)
    const lvm = seg.name === "lvm" ? w[0] ?? "" : seg.name
    const zfsTargets = w.slice(1)
    const gone = (seg.name === "zpool" && ["destroy", "labelclear"].includes(w[0] ?? "")) ||
      (seg.name === "zfs" && w[0] === "destroy" && zfsTargets.some((t) => !/[@#]/.test(t))) ||
      ["lvremove", "vgremove", "pvremove"].includes(lvm) ||
      (seg.name === "pvesm" && ["remove", "free"].includes(w[0] ?? ""))
    return gone
      ? deny("deny.storage", `destructive command: destroys storage (${seg.name} ${w[0] ?? ""})`.trim())
      : undefined
  },
  (seg) => {
    const [verb = "", raw] = words(seg)
    const destroy = ((seg.name === "qm" || seg.name === "pct") && verb === "destroy") ||
      (seg.name === "pvesh" && verb === "delete" && /^\/nodes\/[^/]+\/(qemu|lxc)\/\d+$/.test(apiPath(raw)))
    return destroy ? deny("deny.guest-destroy", "destructive command: destroys a guest and its disks") : undefined
  }
]

export const PROTECTED_RULES = protectedRules
export const DENY_RULES = denyRules
