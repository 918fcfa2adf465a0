import { Effect } from "effect"
import type { SimState } from "../SimState.js"
import type { Cmd, CommandSpec, Target } from "./Proc.js"
import { fail, print, stateNow } from "./Proc.js"
import type { IpLink } from "./SimSystem.js"
import { ipOf } from "./SystemCommands.js"
import { getopt, human, padL, padR, unlines } from "./Text.js"

/** Disks and network as the machine sees them: df (from the node's and guests' sizes) and ip. */

const GiB = 1024 ** 3
const MiB = 1024 ** 2

interface Mount {
  readonly source: string
  readonly fstype: string
  readonly target: string
  readonly size: number
  readonly used: number
  /** When less than size - used (ext4's reserved blocks). */
  readonly avail?: number
}

const mounts = (s: SimState, t: Target): ReadonlyArray<Mount> => {
  const g = t.kind === "guest" ? s.guests.find((x) => x.vmid === t.vmid) : undefined
  if (g === undefined) {
    return [
      { source: "udev", fstype: "devtmpfs", target: "/dev", size: 16 * GiB, used: 0 },
      { source: "tmpfs", fstype: "tmpfs", target: "/run", size: 3.1 * GiB, used: 2.2 * MiB },
      {
        source: "/dev/mapper/pve-root",
        fstype: "ext4",
        target: "/",
        size: s.node.rootfs.total,
        used: s.node.rootfs.used,
        avail: s.node.rootfs.avail
      },
      { source: "/dev/nvme0n1p2", fstype: "vfat", target: "/boot/efi", size: 1022 * MiB, used: 8.8 * MiB },
      { source: "/dev/fuse", fstype: "fuse", target: "/etc/pve", size: 128 * MiB, used: 32 * 1024 }
    ]
  }
  const used = g.type === "lxc" ? g.disk : Math.floor(g.maxdisk * 0.18)
  const source = g.type === "qemu" ? "/dev/sda1" : `/dev/mapper/pve-vm--${g.vmid}--disk--0`
  return [
    { source, fstype: "ext4", target: "/", size: g.maxdisk, used },
    { source: "none", fstype: "tmpfs", target: "/dev", size: 492 * 1024, used: 0 },
    ...(g.config["mp0"] === undefined ? [] : [{
      source: g.config["mp0"].split(",")[0] ?? "",
      fstype: "ext4",
      target: /mp=([^,]+)/.exec(g.config["mp0"])?.[1] ?? "/mnt",
      size: 1800 * GiB,
      used: 1210 * GiB
    }])
  ]
}

const df: Cmd = (args, p) =>
  Effect.gen(function*() {
    const o = getopt(args, "Btx", { "block-size": "B", type: "t", "exclude-type": "x" })
    const s = yield* stateNow(p)
    let list = mounts(s, p.target).filter((m) =>
      !o.all("x").includes(m.fstype) && (o.all("t").length === 0 || o.all("t").includes(m.fstype))
    )
    if (o.operands.length > 0) {
      list = o.operands.map((path) =>
        [...list].sort((a, b) => b.target.length - a.target.length).find((m) =>
          m.target === "/" || path === m.target || path.startsWith(`${m.target}/`)
        )
      ).filter((m): m is Mount => m !== undefined)
    }
    const block = Number((o.get("B") ?? "1024").replace(/^1?K$/i, "1024").replace(/^1?M$/i, String(MiB)))
    const h = o.has("h")
    const size = (n: number) => (h ? human(n) : String(Math.ceil(n / block)))
    const blocks = h ? "Size" : block === 1 ? "1B-blocks" : block === 1024 ? "1K-blocks" : `${block}B-blocks`
    const cols: Record<string, readonly [string, (m: Mount) => string, boolean]> = {
      source: ["Filesystem", (m) => m.source, false],
      fstype: ["Type", (m) => m.fstype, false],
      size: [blocks, (m) => size(m.size), true],
      used: ["Used", (m) => size(m.used), true],
      avail: [h || o.has("output") ? "Avail" : "Available", (m) => size(m.avail ?? Math.max(0, m.size - m.used)), true],
      pcent: ["Use%", (m) => `${m.size === 0 ? 0 : Math.ceil((m.used / m.size) * 100)}%`, true],
      target: ["Mounted on", (m) => m.target, false]
    }
    const output = o.get("output")
    const names = output !== undefined
      ? output.split(",")
      : ["source", ...(o.has("T") ? ["fstype"] : []), "size", "used", "avail", "pcent", "target"]
    const unknown = names.find((n) => cols[n] === undefined)
    if (unknown !== undefined) return yield* fail(p, `df: '${unknown}': not a valid field for the --output option`)
    const table = names.map((n) => cols[n] ?? ["", () => "", false] as const)
    const rows = [table.map(([title]) => title), ...list.map((m) => table.map(([, f]) => f(m)))]
    const widths = table.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)))
    const line = (r: ReadonlyArray<string>) =>
      r.map((cell, i) =>
        table[i]?.[2] === true
          ? padL(cell, widths[i] ?? 0)
          : i === r.length - 1
          ? cell
          : padR(cell, widths[i] ?? 0)
      ).join(" ")
    return yield* print(p, unlines(rows.map(line)))
  })

const guestLinks = (t: Target): ReadonlyArray<IpLink> => [
  { name: "lo", state: "UNKNOWN", mac: "00:00:00:00:00:00", addrs: ["127.0.0.1/8", "::1/128"] },
  { name: "eth0@if12", state: "UP", mac: "bc:24:11:5a:10:00", addrs: [`${ipOf(t)}/24`] }
]

const ip: Cmd = (args, p) =>
  Effect.gen(function*() {
    const s = yield* stateNow(p)
    const links = p.target.kind === "host" ? s.ipLinks : guestLinks(p.target)
    const flags = args.filter((a) => a.startsWith("-"))
    const [obj = "", sub] = args.filter((a) => !a.startsWith("-"))
    const brief = flags.includes("-br") || flags.includes("-brief")
    if (/^(r|ro|route)$/.test(obj)) {
      return yield* print(
        p,
        `default via 127.77.0.1 dev vmbr0 proto kernel onlink \n127.77.0.0/24 dev vmbr0 proto kernel scope link src ${
          ipOf(p.target)
        } \n`
      )
    }
    if (!/^(a|addr|address|l|link)$/.test(obj) || (sub !== undefined && sub !== "show")) {
      return yield* fail(p, `Object "${obj}" is unknown, try "ip help".`, 255)
    }
    const isLink = obj.startsWith("l")
    if (flags.includes("-j") || flags.includes("-json")) {
      return yield* print(
        p,
        `${
          JSON.stringify(links.map((i) => ({
            ifname: i.name,
            operstate: i.state,
            address: i.mac,
            ...(isLink ? {} : {
              addr_info: i.addrs.map((a) => ({
                family: a.includes(":") ? "inet6" : "inet",
                local: a.split("/")[0],
                prefixlen: Number(a.split("/")[1])
              }))
            })
          })))
        }\n`
      )
    }
    if (brief) {
      return yield* print(
        p,
        links.map((i) =>
          `${padR(i.name, 16)} ${padR(i.state, 14)} ${isLink ? i.mac : i.addrs.join(" ")}`.trimEnd() + " \n"
        ).join("")
      )
    }
    return yield* print(
      p,
      links.map((i, k) =>
        `${
          k + 1
        }: ${i.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state ${i.state}\n    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff\n` +
        (isLink
          ? ""
          : i.addrs.map((a) => `    inet${a.includes(":") ? "6" : ""} ${a} scope global ${i.name}\n`).join(""))
      ).join("")
    )
  })

export const DISK_NET_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  df: { run: df },
  ip: { run: ip }
}
