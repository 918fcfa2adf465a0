import { entry, skeleton, unit } from "./SeedFs.js"
import type { IpLink, SimSystem } from "./SimSystem.js"

/** The Proxmox host of pve-sim: /etc/pve, a failed custom-backup job whose logs leak FAKE secrets (for redaction). */

const USER_CFG = `user:root@pam:1:0:::root@pve.lan:::
user:mcp-observe@pve:1:0::::fixed test token user::
user:mcp-operate@pve:1:0::::fixed test token user::
token:root@pam!full:0:0::
token:mcp-observe@pve!observe:0:1::
token:mcp-operate@pve!operate:0:1::

role:SimOperate:Datastore.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.PowerMgmt:

acl:1:/:mcp-observe@pve,mcp-observe@pve!observe:PVEAuditor:
acl:1:/:mcp-operate@pve,mcp-operate@pve!operate:SimOperate:
`

const INTERFACES =
  "auto lo\niface lo inet loopback\n\niface enp3s0 inet manual\n\nauto vmbr0\niface vmbr0 inet static\n" +
  "\taddress 127.77.0.10/24\n\tgateway 127.77.0.1\n\tbridge-ports enp3s0\n\tbridge-stp off\n\tbridge-fd 0\n\n" +
  "source /etc/network/interfaces.d/*\n"

const ISSUE =
  "\n------------------------------------------------------------------------------\n\nWelcome to the Proxmox " +
  "Virtual Environment. Please use your web browser to\nconfigure this server - connect to:\n\n  https://127.77.0.10:8006/" +
  "\n\n------------------------------------------------------------------------------\n\n"

const MOTD =
  "\nThe programs included with the Debian GNU/Linux system are free software;\nthe exact distribution terms " +
  "for each program are described in the\nindividual files in /usr/share/doc/*/copyright.\n\nDebian GNU/Linux comes " +
  "with ABSOLUTELY NO WARRANTY, to the extent\npermitted by applicable law.\n"

const BACKUP_LOG = [
  "2025-11-20 03:15:01 starting offsite sync to s3:homelab-backups",
  "2025-11-20 03:15:01 using AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIMSECRET1",
  "2025-11-20 03:15:02 rclone: password=Sup3rS3cret!pve",
  "2025-11-20 03:15:02 notify: POST https://hooks.example.invalid/notify Authorization: Bearer " +
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.c2ltLXRva2Vu.SIMSIGNATURE",
  "2025-11-20 03:16:40 transferred 4.2 GiB in 99s",
  "2025-11-20 03:16:40 done",
  ""
].join("\n")

const GH_TOKEN = "ghp_SIMFAKEa1b2c3d4e5f6g7h8i9j0klmnopqrstuv"
const AWS_SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIMSECRET1"

const hostFs = (nowMs: number) =>
  skeleton(nowMs, { hostname: "pve", hosts: "127.77.0.10 pve.lan pve", os: "trixie" })
    .dir("/etc/pve", 0o755)
    .dir("/etc/pve/nodes/pve/lxc")
    .dir("/etc/pve/nodes/pve/qemu-server")
    .dir("/etc/pve/nodes/pve/openvz")
    .dir("/etc/pve/nodes/pve/priv")
    .dir("/etc/pve/priv", 0o700)
    .link("/etc/pve/lxc", "nodes/pve/lxc")
    .link("/etc/pve/qemu-server", "nodes/pve/qemu-server")
    .link("/etc/pve/local", "nodes/pve")
    .link("/etc/pve/openvz", "nodes/pve/openvz")
    .file(
      "/etc/pve/storage.cfg",
      "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,rootdir,images\n\nlvmthin: local-lvm\n" +
        "\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\n",
      0o640,
      [0, 33]
    )
    .file("/etc/pve/datacenter.cfg", "keyboard: en-us\n", 0o640, [0, 33])
    .file("/etc/pve/user.cfg", USER_CFG, 0o640, [0, 33])
    .file(
      "/etc/pve/domains.cfg",
      "pam: pam\n\tcomment Linux PAM standard authentication\n\npve: pve\n\tcomment Proxmox VE authentication server\n\n",
      0o640,
      [0, 33]
    )
    .file(
      "/etc/pve/priv/token.cfg",
      "root@pam!backup 8d5a6f2e-1b3c-4d5e-9f00-5151deadbeef\nroot@pam!full 5f0c6d1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f\n",
      0o600
    )
    .file("/etc/pve/priv/authorized_keys", "", 0o600)
    .file("/etc/pve/.version", `{"version":42,"lxc":{"100":1},"qemu-server":{"200":1}}\n`, 0o440)
    .file("/etc/pve/.members", `{\n"nodename": "pve",\n"version": 0\n}\n`, 0o440)
    .file("/etc/pve/vzdump.cron", "# cluster wide vzdump cron schedule\n", 0o640)
    .file(
      "/etc/pve/jobs.cfg",
      "vzdump: backup-weekly\n\tschedule sun 03:00\n\tcompress zstd\n\tenabled 1\n\tmode snapshot\n\tstorage local\n" +
        "\tvmid 100,101,102\n",
      0o640
    )
    .file("/etc/network/interfaces", INTERFACES)
    .dir("/etc/network/interfaces.d")
    .file(
      "/etc/apt/sources.list.d/pve-enterprise.sources",
      "Types: deb\nURIs: https://enterprise.proxmox.com/debian/pve\nSuites: trixie\nComponents: pve-enterprise\n" +
        "Signed-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n"
    )
    .file(
      "/etc/ssh/sshd_config",
      "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\n" +
        "PrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\nPermitRootLogin yes\n"
    )
    .file("/etc/vzdump.conf", "#tmpdir: DIR\n#dumpdir: DIR\n#storage: STORAGE_ID\n#mode: snapshot|suspend|stop\n")
    .file(
      "/etc/systemd/system/custom-backup.service",
      "[Unit]\nDescription=Offsite backup sync\n\n[Service]\nType=oneshot\nEnvironmentFile=/etc/default/custom-backup\n" +
        "ExecStart=/root/backup.sh\n"
    )
    .file(
      "/etc/default/custom-backup",
      `RCLONE_REMOTE=s3:homelab-backups\nAWS_ACCESS_KEY_ID=AKIASIMULATEDKEY0001\n${AWS_SECRET}\n`,
      0o600
    )
    .file("/etc/cron.d/custom-backup", `15 3 * * * root /root/backup.sh --token=${GH_TOKEN}\n`)
    .file("/etc/issue", ISSUE)
    .file("/etc/motd", MOTD)
    .file(
      "/root/backup.sh",
      "#!/bin/bash\n# offsite sync\nexport RCLONE_PASSWORD='Sup3rS3cret!pve'\n" +
        "rclone sync /var/lib/vz/dump s3:homelab-backups --progress\n",
      0o700
    )
    .dir("/root/.ssh", 0o700)
    .link("/root/.ssh/authorized_keys", "/etc/pve/priv/authorized_keys")
    .file(
      "/var/log/pveproxy/access.log",
      Array.from({ length: 20 }, (_, i) =>
        `::ffff:127.77.0.50 - root@pam [${new Date(nowMs - (600 - i * 30) * 1000).toUTCString()}] ` +
        `"GET /api2/json/nodes/pve/status HTTP/1.1" 200 ${800 + i}\n`).join("")
    )
    .file("/var/log/custom-backup.log", BACKUP_LOG)
    .dir("/var/log/pve/tasks")
    .dir("/var/lib/vz/images/102")
    .file("/var/lib/vz/images/102/vm-102-disk-0.raw", "")
    .dir("/var/lib/vz/template/iso")
    .dir("/var/lib/apt/lists")
    .file("/var/lib/apt/lists/deb.debian.org_debian_dists_trixie_InRelease", "simulated package list\n")
    .file("/var/lib/vz/template/cache/debian-12-standard_12.12-1_amd64.tar.zst", "simulated template\n")
    .file("/var/lib/vz/dump/vzdump-lxc-102-2025_10_05-03_00_02.tar.zst", "simulated vzdump archive of lxc 102\n")
    .file("/var/lib/vz/dump/vzdump-lxc-102-2025_10_05-03_00_02.tar.zst.notes", "legacy-nginx weekly\n")
    .build()

const hostJournal = (nowMs: number) => {
  const J = (age: number, u: string, ident: string, pid: number, msg: string) => entry(nowMs, age, u, ident, pid, msg)
  return [
    J(
      86000,
      "pve-cluster",
      "pmxcfs",
      812,
      "[main] notice: resolved node name 'pve' to '127.77.0.10' for default node IP address"
    ),
    J(85990, "pvedaemon", "pvedaemon", 1203, "starting server"),
    J(85990, "pveproxy", "pveproxy", 1219, "starting server"),
    J(
      7200,
      "ssh",
      "sshd",
      30112,
      "Accepted publickey for root from 127.77.0.50 port 51234 ssh2: ED25519 " +
        "SHA256:c2ltdWxhdGVkIGNsaWVudCBrZXkgZmluZ2VycHJpbnQ"
    ),
    J(5400, "pvedaemon", "pvedaemon", 1205, "<root@pam> successful auth for user 'root@pam'"),
    J(1800, "pveproxy", "pveproxy", 1219, "worker 22817 finished"),
    J(1800, "pveproxy", "pveproxy", 1219, "starting 1 worker(s)"),
    J(1799, "pveproxy", "pveproxy", 1219, "worker 40511 started"),
    J(
      1200,
      "pvedaemon",
      "pvedaemon",
      1206,
      "<root@pam> starting task " +
        "UPID:pve:00009D3A:0018A3B2:6751A2C0:vncproxy:100:root@pam:"
    ),
    J(900, "pvestatd", "pvestatd", 1190, "status update time (5.129 seconds)"),
    J(660, "pvestatd", "pvestatd", 1190, "auth key pair too old, rotating.."),
    J(600, "pve-firewall", "pve-firewall", 1180, "status update: firewall disabled"),
    // the failed backup job ran last: its lines (with FAKE secrets) are what `journalctl -n 5` shows
    J(300, "cron", "CRON", 40221, `(root) CMD (/root/backup.sh --token=${GH_TOKEN})`),
    J(290, "custom-backup", "backup.sh", 40222, "starting offsite sync to s3:homelab-backups"),
    J(289, "custom-backup", "backup.sh", 40222, `using ${AWS_SECRET}`),
    J(288, "custom-backup", "backup.sh", 40222, "rclone: password=Sup3rS3cret!pve"),
    J(
      287,
      "custom-backup",
      "backup.sh",
      40222,
      "api token PVEAPIToken=root@pam!backup=8d5a6f2e-1b3c-4d5e-9f00-5151deadbeef"
    ),
    J(
      286,
      "custom-backup",
      "backup.sh",
      40222,
      "notify: Authorization: Bearer " +
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.c2ltLXRva2Vu.SIMSIGNATURE"
    ),
    J(285, "custom-backup", "systemd", 1, "custom-backup.service: Main process exited, code=exited, status=1/FAILURE"),
    J(285, "custom-backup", "systemd", 1, "custom-backup.service: Failed with result 'exit-code'.")
  ]
}

export const seedHost = (nowMs: number, hostname: string): SimSystem => ({
  hostname,
  fs: hostFs(nowMs),
  journal: hostJournal(nowMs),
  units: {
    "pve-cluster.service": unit("The Proxmox VE cluster filesystem"),
    "pvedaemon.service": unit("PVE API Daemon"),
    "pveproxy.service": unit("PVE API Proxy Server"),
    "pvestatd.service": unit("PVE Status Daemon"),
    "pve-firewall.service": unit("Proxmox VE firewall"),
    "pvescheduler.service": unit("Proxmox VE scheduler"),
    "ssh.service": unit("OpenBSD Secure Shell server"),
    "cron.service": unit("Regular background program processing daemon"),
    "chrony.service": unit("chrony, an NTP client/server"),
    "custom-backup.service": unit("Offsite backup sync", "failed")
  }
})

export const seedIpLinks: ReadonlyArray<IpLink> = [
  { name: "lo", state: "UNKNOWN", mac: "00:00:00:00:00:00", addrs: ["127.0.0.1/8", "::1/128"] },
  { name: "enp3s0", state: "UP", mac: "bc:24:11:00:00:01", addrs: [] },
  { name: "vmbr0", state: "UP", mac: "bc:24:11:00:00:01", addrs: ["127.77.0.10/24"] },
  { name: "veth100i0@if2", state: "UP", mac: "fe:24:11:5a:10:00", addrs: [] },
  { name: "veth101i0@if2", state: "UP", mac: "fe:24:11:5a:10:01", addrs: [] },
  { name: "tap200i0", state: "UNKNOWN", mac: "8a:2e:11:20:00:c8", addrs: [] }
]
