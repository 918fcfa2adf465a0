import { seedGuestSystem } from "./shell/SeedGuestSystems.js"
import type { SimGuest } from "./SimState.js"

/** The guests of the pve-sim homelab: CT 100-102, VM 200-201, in PVE's config format. */

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const DAY = 86_400_000

const guest = (
  g: Omit<SimGuest, "startedAtMs" | "pid" | "agent" | "snapshots" | "system"> & Partial<SimGuest>,
  nowMs: number
): SimGuest => {
  const system = seedGuestSystem(nowMs, g.vmid, g.config["hostname"] ?? g.name)
  return {
    startedAtMs: g.status === "running" ? nowMs - 3 * DAY - g.vmid * 1000 : 0,
    pid: g.status === "running" ? 20_000 + g.vmid : 0,
    agent: { configured: false, running: false },
    system,
    ...g,
    // a seeded snapshot was taken of the same files (nothing changed since), as pve-sim's seed copies them
    snapshots: (g.snapshots ?? []).map((s) => ({ ...s, system }))
  }
}

const lxcNet = (vmid: number, fw: string) =>
  `name=eth0,bridge=vmbr0${fw},gw=127.77.0.1,hwaddr=BC:24:11:5A:10:0${vmid - 100},ip=127.77.0.${vmid}/24,type=veth`

export const seedGuests = (nowMs: number): ReadonlyArray<SimGuest> => {
  const snaptime = (daysAgo: number) => Math.floor((nowMs - daysAgo * DAY) / 1000)
  const ct101 = {
    arch: "amd64",
    cores: "4",
    features: "keyctl=1,nesting=1",
    hostname: "dockerBoss",
    memory: "8192",
    net0: lxcNet(101, ",firewall=1"),
    onboot: "1",
    ostype: "debian",
    rootfs: "local-lvm:vm-101-disk-0,size=32G",
    swap: "1024",
    unprivileged: "1"
  }
  const vm200 = {
    agent: "1",
    boot: "order=scsi0;ide2;net0",
    cores: "2",
    cpu: "x86-64-v2-AES",
    ide2: "none,media=cdrom",
    memory: "4096",
    name: "debian-vm",
    net0: "virtio=BC:24:11:20:00:C8,bridge=vmbr0,firewall=1",
    ostype: "l26",
    scsi0: "local-lvm:vm-200-disk-0,iothread=1,size=32G",
    scsihw: "virtio-scsi-single",
    sockets: "1"
  }
  return [
    guest({
      vmid: 100,
      type: "lxc",
      name: "adguard-dns",
      status: "running",
      config: {
        description: "AdGuard Home DNS (simulated)\n",
        arch: "amd64",
        cores: "1",
        features: "nesting=1",
        hostname: "adguard-dns",
        memory: "512",
        net0: lxcNet(100, ",firewall=1"),
        onboot: "1",
        ostype: "debian",
        rootfs: "local-lvm:vm-100-disk-0,size=2G",
        swap: "512",
        tags: "dns;infra",
        unprivileged: "1"
      },
      maxmem: 512 * MiB,
      maxdisk: 2 * GiB,
      cpus: 1,
      mem: 97 * MiB,
      disk: 918 * MiB
    }, nowMs),
    guest({
      vmid: 101,
      type: "lxc",
      name: "dockerBoss",
      status: "running",
      config: { ...ct101, mp0: "/mnt/media,mp=/media,backup=0", parent: "pre-upgrade", tags: "docker" },
      maxmem: 8192 * MiB,
      maxdisk: 32 * GiB,
      cpus: 4,
      mem: 3217 * MiB,
      disk: 14_336 * MiB,
      snapshots: [{
        name: "pre-upgrade",
        description: "before docker 28 upgrade",
        snaptime: snaptime(20),
        config: { ...ct101, description: "before docker 28 upgrade", snaptime: String(snaptime(20)) }
      }]
    }, nowMs),
    guest({
      vmid: 102,
      type: "lxc",
      name: "legacy-nginx",
      status: "stopped",
      config: {
        arch: "amd64",
        cores: "1",
        hostname: "legacy-nginx",
        memory: "256",
        net0: lxcNet(102, ""),
        onboot: "1",
        ostype: "debian",
        rootfs: "local:102/vm-102-disk-0.raw,size=8G",
        swap: "256",
        unprivileged: "1"
      },
      maxmem: 256 * MiB,
      maxdisk: 8 * GiB,
      cpus: 1,
      mem: 41 * MiB,
      disk: 1290 * MiB
    }, nowMs),
    guest({
      vmid: 200,
      type: "qemu",
      name: "debian-vm",
      status: "running",
      config: {
        ...vm200,
        description: "Debian 13 VM with qemu-guest-agent (simulated)\n",
        meta: "creation-qemu=10.0.2,ctime=1735000000",
        numa: "0",
        onboot: "1",
        parent: "clean-install",
        smbios1: "uuid=6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        vmgenid: "0b9e8d7c-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
      },
      maxmem: 4096 * MiB,
      maxdisk: 32 * GiB,
      cpus: 2,
      mem: 1533 * MiB,
      disk: 0,
      agent: { configured: true, running: true },
      snapshots: [{
        name: "clean-install",
        description: "fresh install",
        snaptime: snaptime(40),
        vmstate: false,
        config: { ...vm200, description: "fresh install", snaptime: String(snaptime(40)), vmstate: "0" }
      }]
    }, nowMs),
    guest({
      vmid: 201,
      type: "qemu",
      name: "win11",
      status: "stopped",
      config: {
        agent: "1",
        bios: "ovmf",
        boot: "order=scsi0;net0",
        cores: "4",
        cpu: "host",
        efidisk0: "local-lvm:vm-201-disk-0,efitype=4m,pre-enrolled-keys=1,size=4M",
        hostpci0: "0000:01:00,pcie=1,x-vga=1",
        machine: "pc-q35-10.0",
        memory: "8192",
        name: "win11",
        net0: "virtio=BC:24:11:20:00:C9,bridge=vmbr0",
        onboot: "0",
        ostype: "win11",
        scsi0: "local-lvm:vm-201-disk-1,size=64G",
        scsihw: "virtio-scsi-single",
        sockets: "1",
        tpmstate0: "local-lvm:vm-201-disk-2,size=4M,version=v2.0"
      },
      maxmem: 8192 * MiB,
      maxdisk: 64 * GiB,
      cpus: 4,
      mem: 6144 * MiB,
      disk: 0,
      agent: { configured: true, running: true }
    }, nowMs)
  ]
}
