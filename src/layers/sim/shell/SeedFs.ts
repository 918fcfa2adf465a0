import { parentOf } from "./Fs.js"
import type { JournalEntry, SimFile, SimFs, SimUnit } from "./SimSystem.js"

/** Building blocks for the seeded filesystems: a Debian-like skeleton as pve-sim's seed lays it out. */

export interface FsBuilder {
  readonly file: (path: string, content: string, mode?: number, owner?: readonly [number, number]) => FsBuilder
  readonly dir: (path: string, mode?: number) => FsBuilder
  readonly link: (path: string, target: string) => FsBuilder
  readonly build: () => SimFs
}

export const fsBuilder = (nowMs: number): FsBuilder => {
  const entries: Record<string, SimFile> = {
    "/": { content: "", mode: 0o755, uid: 0, gid: 0, isDir: true, mtimeMs: nowMs }
  }
  const ensureDir = (path: string, mode = 0o755) => {
    if (entries[path] !== undefined) return
    ensureDir(parentOf(path))
    entries[path] = { content: "", mode, uid: 0, gid: 0, isDir: true, mtimeMs: nowMs }
  }
  const b: FsBuilder = {
    file: (path, content, mode = 0o644, owner = [0, 0]) => {
      ensureDir(parentOf(path))
      entries[path] = { content, mode, uid: owner[0], gid: owner[1], isDir: false, mtimeMs: nowMs }
      return b
    },
    dir: (path, mode = 0o755) => {
      ensureDir(path, mode)
      const existing = entries[path]
      if (existing !== undefined) entries[path] = { ...existing, mode }
      return b
    },
    link: (path, target) => {
      ensureDir(parentOf(path))
      entries[path] = { content: "", mode: 0o777, uid: 0, gid: 0, isDir: false, symlink: target, mtimeMs: nowMs }
      return b
    },
    build: () => ({ ...entries })
  }
  return b
}

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "bin:x:2:2:bin:/bin:/usr/sbin/nologin",
  "sys:x:3:3:sys:/dev:/usr/sbin/nologin",
  "sync:x:4:65534:sync:/bin:/bin/sync",
  "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin",
  "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin",
  "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin",
  "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin",
  "messagebus:x:100:101::/nonexistent:/usr/sbin/nologin",
  "sshd:x:101:65534::/run/sshd:/usr/sbin/nologin",
  ""
].join("\n")

const GROUP = "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\nmail:x:8:\nwww-data:x:33:\n" +
  "backup:x:34:\nstaff:x:50:\nusers:x:100:\nnogroup:x:65534:\nsystemd-journal:x:999:\nsystemd-network:x:998:\n" +
  "messagebus:x:101:\nssl-cert:x:102:\ndocker:x:996:\n"

const osRelease = (major: string, codename: string, full: string) =>
  `PRETTY_NAME="Debian GNU/Linux ${major} (${codename})"\nNAME="Debian GNU/Linux"\nVERSION_ID="${major}"\n` +
  `VERSION="${major} (${codename})"\nVERSION_CODENAME=${codename}\nDEBIAN_VERSION_FULL=${full}\nID=debian\n` +
  `HOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\n` +
  `BUG_REPORT_URL="https://bugs.debian.org/"\n`

/** The Debian skeleton every simulated machine starts from (trixie for the host and VM 200, bookworm in CTs). */
export const skeleton = (
  nowMs: number,
  o: { readonly hostname: string; readonly hosts: string; readonly os: "trixie" | "bookworm" }
): FsBuilder => {
  const b = fsBuilder(nowMs)
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/local/bin", "usr/share", "etc", "home"]) {
    b.dir(`/${d}`)
  }
  for (const d of ["var/lib", "var/log", "var/cache", "var/spool", "var/backups", "srv", "opt", "mnt", "media"]) {
    b.dir(`/${d}`)
  }
  for (const d of ["proc", "dev", "sys", "run", "boot"]) b.dir(`/${d}`)
  b.dir("/run/lock", 0o1777)
  b.dir("/root", 0o700).dir("/tmp", 0o1777).dir("/var/tmp", 0o1777)
  for (const [l, t] of [["bin", "usr/bin"], ["sbin", "usr/sbin"], ["lib", "usr/lib"], ["lib64", "usr/lib64"]]) {
    b.link(`/${l}`, t ?? "")
  }
  const [major, full] = o.os === "trixie" ? ["13", "13.1"] : ["12", "12.12"]
  return b
    .link("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    .file("/etc/timezone", "Etc/UTC\n")
    .file("/etc/hostname", `${o.hostname}\n`)
    .file("/etc/hosts", `127.0.0.1 localhost\n${o.hosts}\n::1 localhost ip6-localhost ip6-loopback\n`)
    .file("/etc/resolv.conf", "search lan\nnameserver 127.77.0.100\n")
    .file("/etc/debian_version", `${full}\n`)
    .file("/etc/os-release", osRelease(major, o.os, full))
    .file("/etc/passwd", PASSWD)
    .file("/etc/group", GROUP)
    .file(
      "/etc/shadow",
      "root:$y$j9T$simulatedsalt$c2ltdWxhdGVkLWhhc2gtbm90LXJlYWw:20000:0:99999:7:::\nnobody:*:20000:0:99999:7:::\n",
      0o640,
      [0, 42]
    )
    .file("/etc/fstab", "# <file system> <mount point> <type> <options> <dump> <pass>\n")
    .file(
      "/root/.bashrc",
      "# ~/.bashrc: executed by bash(1) for non-login shells.\nexport LS_OPTIONS='--color=auto'\nalias ls='ls $LS_OPTIONS'\n"
    )
    .file(
      "/root/.profile",
      "# ~/.profile: executed by Bourne-compatible login shells.\nif [ \"$BASH\" ]; then\n  if [ -f ~/.bashrc ]; then\n" +
        "    . ~/.bashrc\n  fi\nfi\nmesg n 2> /dev/null || true\n"
    )
}

/** A journal entry `ageSec` seconds before `nowMs` (a bare unit name gets `.service`). */
export const entry = (
  nowMs: number,
  ageSec: number,
  unit: string,
  ident: string,
  pid: number,
  message: string
): JournalEntry => ({
  unit: unit.includes(".") ? unit : `${unit}.service`,
  ts: nowMs - ageSec * 1000,
  ident,
  pid,
  message
})

export const unit = (description: string, active: SimUnit["active"] = "active"): SimUnit => ({
  description,
  active,
  sub: active === "active" ? "running" : active === "failed" ? "failed" : "dead",
  enabled: "enabled",
  restarts: 0
})

export const BASE_UNITS: Readonly<Record<string, SimUnit>> = {
  "ssh.service": unit("OpenBSD Secure Shell server"),
  "cron.service": unit("Regular background program processing daemon"),
  "systemd-journald.service": unit("Journal Service")
}
