import { Effect } from "effect"
import { KERNEL, PVE_VERSION } from "../SimState.js"
import type { Cmd, CommandSpec } from "./Proc.js"
import { fail, print, stateNow } from "./Proc.js"
import { padL, padR, unlines } from "./Text.js"

/** Node tools: pveversion, pvesm, pvecm, zpool, apt-get / apt. */

const pveversion: Cmd = (args, p) => {
  const v = PVE_VERSION.version
  if (!args.includes("-v") && !args.includes("--verbose")) {
    return print(p, `pve-manager/${v}/${PVE_VERSION.repoid} (running kernel: ${KERNEL.release})\n`)
  }
  return print(
    p,
    unlines([
      `proxmox-ve: ${v} (running kernel: ${KERNEL.release})`,
      `pve-manager: ${v} (running version: ${v}/${PVE_VERSION.repoid})`,
      "proxmox-kernel-helper: 9.0.4",
      `proxmox-kernel-${KERNEL.release}-signed: 6.14.11-2`,
      "ceph-fuse: 19.2.3-pve1",
      "corosync: 3.1.9-pve2",
      "criu: 4.1.1-1",
      "libpve-access-control: 9.0.3",
      "libpve-common-perl: 9.0.10",
      "libpve-guest-common-perl: 6.0.2",
      "libpve-storage-perl: 9.0.13",
      "lxc-pve: 6.0.5-1",
      "proxmox-backup-client: 4.0.15-1",
      "pve-container: 6.0.13",
      "pve-firewall: 6.0.3",
      "pve-qemu-kvm: 10.0.2-4",
      "qemu-server: 9.0.22",
      "zfsutils-linux: 2.3.4-pve1"
    ])
  )
}

const pvesm: Cmd = (args, p) =>
  Effect.gen(function*() {
    if (args[0] !== "status") return yield* fail(p, `ERROR: unknown command 'pvesm ${args[0] ?? ""}'`, 255)
    const s = yield* stateNow(p)
    const k = (b: number) => Math.floor(b / 1024)
    const head = `${padR("Name", 16)} ${padR("Type", 8)} ${padR("Status", 8)} ${padL("Total", 16)} ${
      padL("Used", 16)
    } ${padL("Available", 16)} ${padL("%", 8)}`
    const rows = s.storages.map((st) =>
      `${padR(st.storage, 16)} ${padR(st.type, 8)} ${padR("active", 8)} ${padL(k(st.total), 16)} ${
        padL(k(st.used), 16)
      } ${padL(k(st.avail), 16)} ${padL(`${((st.used / st.total) * 100).toFixed(2)}%`, 8)}`
    )
    return yield* print(p, unlines([head, ...rows]))
  })

const DEGRADED =
  "  pool: rpool\n state: DEGRADED\nstatus: One or more devices could not be used because the label is missing or\n" +
  "\tinvalid.  Sufficient replicas exist for the pool to continue\n\tfunctioning in a degraded state.\nconfig:\n\n" +
  "\tNAME        STATE     READ WRITE CKSUM\n\trpool       DEGRADED     0     0     0\n\t  mirror-0  DEGRADED     0     0     0\n" +
  "\t    sda3    ONLINE       0     0     0\n\t    sdb3    UNAVAIL      0     0     0\n\nerrors: No known data errors\n"

const zpool: Cmd = (args, p) =>
  Effect.gen(function*() {
    const { zpool: z } = yield* stateNow(p)
    if (args[0] !== "status" && args[0] !== "list") return yield* fail(p, `unrecognized command '${args[0] ?? ""}'`, 2)
    if (z.pools.length === 0 && !z.degraded) return yield* print(p, "no pools available\n")
    if (args[0] === "status") {
      if (z.degraded) return yield* print(p, DEGRADED)
      if (args.includes("-x")) return yield* print(p, "all pools are healthy\n")
      return yield* print(
        p,
        z.pools.map((x) =>
          `  pool: ${x}\n state: ONLINE\nconfig:\n\n\tNAME  STATE\n\t${x}  ONLINE\n\nerrors: No known data errors\n`
        ).join("\n")
      )
    }
    const pools = z.degraded ? ["rpool"] : z.pools
    return yield* print(
      p,
      "NAME    SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT\n" +
        pools.map((x) =>
          `${padR(x, 7)} 928G   112G   816G        -         -     4%    12%  1.00x  ${
            padL(z.degraded ? "DEGRADED" : "ONLINE", 8)
          }  -\n`
        ).join("")
    )
  })

const apt = (isApt: boolean): Cmd => (args, p) =>
  Effect.gen(function*() {
    const s = yield* stateNow(p)
    const ups = p.target.kind === "host" ? s.aptUpdates : []
    const simulate = args.some((a) =>
      ["-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon"].includes(a)
    )
    const verb = args.find((a, i) => !a.startsWith("-") && !["-o", "-c", "-t"].includes(args[i - 1] ?? ""))
    if (isApt && verb === "list" && args.includes("--upgradable")) {
      return yield* print(
        p,
        `Listing...\n${
          ups.map((u) => `${u["Package"]}/stable ${u["Version"]} ${u["Arch"]} [upgradable from: ${u["OldVersion"]}]\n`)
            .join("")
        }`
      )
    }
    if (verb === "update") {
      return yield* print(
        p,
        "Hit:1 http://deb.debian.org/debian trixie InRelease\nHit:2 http://deb.debian.org/debian trixie-updates InRelease\nReading package lists...\n"
      )
    }
    const upgrade = ["upgrade", "dist-upgrade", "full-upgrade"].includes(verb ?? "")
    if (simulate && upgrade) {
      const inst = (u: Readonly<Record<string, string>>, k: string) =>
        `${k} ${u["Package"]}${k === "Inst" ? ` [${u["OldVersion"]}]` : ""} (${u["Version"]} ${
          u["Origin"]
        }:9.0/trixie [${u["Arch"]}])\n`
      return yield* print(
        p,
        "NOTE: This is only a simulation!\n      apt-get needs root privileges for real execution.\n" +
          "Reading package lists...\nBuilding dependency tree...\nReading state information...\nCalculating upgrade...\n" +
          (ups.length === 0
            ? ""
            : `The following packages will be upgraded:\n  ${ups.map((u) => u["Package"]).join(" ")}\n`) +
          `${ups.length} upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n` +
          ups.map((u) => inst(u, "Inst")).join("") + ups.map((u) => inst(u, "Conf")).join("")
      )
    }
    if (upgrade || ["install", "remove", "purge", "autoremove"].includes(verb ?? "")) {
      return yield* fail(
        p,
        "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n" +
          "E: simulated node: package changes are not supported",
        100
      )
    }
    return yield* fail(p, `E: Invalid operation ${verb ?? ""}`, 100)
  })

export const NODE_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  pveversion: { run: pveversion, where: "host" },
  pvesm: { run: pvesm, where: "host" },
  pvecm: {
    run: (_, p) =>
      fail(p, "Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?", 2),
    where: "host"
  },
  zpool: { run: zpool, where: "host" },
  "apt-get": { run: apt(false) },
  apt: { run: apt(true) }
}
