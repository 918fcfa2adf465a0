import { Effect } from "effect"
import type { Cmd, CommandSpec, Proc } from "./Proc.js"
import { fail, print, systemNow } from "./Proc.js"
import type { DockerContainer } from "./SimSystem.js"
import { unlines } from "./Text.js"

/** docker inside a guest that has it (CT 101): ps, inspect, exec (tailscale), logs, stats, version, info. */

const psObject = (c: DockerContainer): Record<string, string> => ({
  Command: "\"/init\"",
  CreatedAt: "2025-10-01 10:00:00 +0000 UTC",
  ID: c.id.slice(0, 12),
  Image: c.image,
  Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(","),
  LocalVolumes: "0",
  Mounts: c.mounts.map((m) => m.Name ?? m.Source).join(","),
  Names: c.name,
  Networks: "bridge",
  Ports: c.ports,
  RunningFor: "3 weeks ago",
  Size: "0B",
  State: c.running ? "running" : "exited",
  Status: c.status
})

const inspectObject = (c: DockerContainer) => ({
  Id: c.id,
  Name: `/${c.name}`,
  Created: "2025-10-01T10:00:00.000000000Z",
  Image: `sha256:${[...c.id].reverse().join("")}`,
  State: {
    Status: c.running ? "running" : "exited",
    Running: c.running,
    Pid: c.running ? 4242 : 0,
    ExitCode: c.running ? 0 : 1,
    ...(c.health === undefined ? {} : { Health: { Status: c.health } })
  },
  Config: { Image: c.image, Env: c.env, Labels: c.labels, Hostname: c.id.slice(0, 12) },
  Mounts: c.mounts,
  HostConfig: { RestartPolicy: { Name: "unless-stopped" } },
  NetworkSettings: { Ports: {} }
})

/** Go templates as docker uses them: `{{.Names}}`, `{{.State.Status}}`, `{{json .}}`, `{{json .Config.Env}}`. */
export const template = (format: string, obj: unknown): string => {
  const get = (path: string) =>
    path.split(".").filter((x) => x !== "").reduce<unknown>(
      (o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      obj
    )
  return format
    .replace(/\\t/g, "\t")
    .replace(/\\n/g, "\n")
    .replace(
      /\{\{\s*json\s+\.([\w.]*)\s*\}\}/g,
      (_, path: string) => JSON.stringify(path === "" ? obj : get(path)) ?? "null"
    )
    .replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_, path: string) => {
      const v = get(path)
      return v === undefined ? "<no value>" : typeof v === "object" ? JSON.stringify(v) : String(v)
    })
}

const valueOf = (args: ReadonlyArray<string>, ...names: ReadonlyArray<string>) => {
  for (const [i, a] of args.entries()) {
    if (names.includes(a)) return args[i + 1]
    const eq = names.find((n) => a.startsWith(`${n}=`))
    if (eq !== undefined) return a.slice(eq.length + 1)
  }
  return undefined
}

/** `docker exec` runs only what the simulated images have: `tailscale` in the tailscale container. */
const exec = (p: Proc, c: DockerContainer, argv: ReadonlyArray<string>) => {
  const [cmd = "", sub, ...rest] = argv
  if (cmd !== "tailscale" || c.tailscaleStatus === undefined) {
    return fail(
      p,
      `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not ` +
        "found in $PATH: unknown",
      126
    )
  }
  const s = c.tailscaleStatus as { Self: { TailscaleIPs: ReadonlyArray<string>; HostName: string } }
  if (sub === "status" && rest.includes("--json")) return print(p, `${JSON.stringify(c.tailscaleStatus, null, 2)}\n`)
  if (sub === "status") {
    return print(p, `${s.Self.TailscaleIPs[0] ?? ""}  ${s.Self.HostName}  tagged-devices linux  -\n`)
  }
  if (sub === "ip") return print(p, unlines(s.Self.TailscaleIPs))
  if (sub === "version") return print(p, "1.88.1\n")
  return fail(p, `tailscale: unknown subcommand ${sub ?? ""}`)
}

const docker: Cmd = (args, p) =>
  Effect.gen(function*() {
    const containers = (yield* systemNow(p)).docker ?? []
    const find = (name: string) =>
      containers.find((c) => c.name === name || (name.length >= 4 && c.id.startsWith(name)))
    const [cmd = "", ...rest] = args
    const all = rest.includes("-a") || rest.includes("--all")
    switch (cmd) {
      case "ps":
      case "container": {
        const list = containers.filter((c) => all || c.running)
        if (rest.includes("-q")) return yield* print(p, unlines(list.map((c) => c.id.slice(0, 12))))
        const format = valueOf(rest, "--format")
        if (format !== undefined) return yield* print(p, unlines(list.map((c) => template(format, psObject(c)))))
        return yield* print(
          p,
          unlines([
            "CONTAINER ID   IMAGE                          COMMAND   CREATED       STATUS                 PORTS                    NAMES",
            ...list.map((c) =>
              `${c.id.slice(0, 12)}   ${c.image.padEnd(30)} "/init"   3 weeks ago   ${c.status.padEnd(22)} ${
                c.ports.padEnd(24)
              } ${c.name}`
            )
          ])
        )
      }
      case "inspect": {
        const format = valueOf(rest, "--format", "-f")
        const names = rest.filter((a, i) => !a.startsWith("-") && !["--format", "-f"].includes(rest[i - 1] ?? ""))
        const found = names.map((n) => [n, find(n)] as const)
        const missing = found.find(([, c]) => c === undefined)
        if (missing !== undefined) return yield* fail(p, `Error: No such object: ${missing[0]}`)
        const objects = found.flatMap(([, c]) => (c === undefined ? [] : [inspectObject(c)]))
        if (format !== undefined) return yield* print(p, unlines(objects.map((o) => template(format, o))))
        return yield* print(p, `${JSON.stringify(objects, null, 4)}\n`)
      }
      case "exec": {
        let i = 0
        while (i < rest.length && (rest[i] ?? "").startsWith("-")) {
          if (["-u", "--user", "-w", "--workdir", "-e", "--env"].includes(rest[i] ?? "")) i++
          i++
        }
        const c = find(rest[i] ?? "")
        if (c === undefined) return yield* fail(p, `Error response from daemon: No such container: ${rest[i] ?? ""}`)
        if (!c.running) return yield* fail(p, `Error response from daemon: container ${c.id} is not running`)
        const argv = rest.slice(i + 1)
        if (argv.length === 0) return yield* fail(p, "\"docker exec\" requires at least 2 arguments.")
        return yield* exec(p, c, argv[0] === "sh" && argv[1] === "-c" ? (argv[2] ?? "").split(/\s+/) : argv)
      }
      case "logs": {
        const name = rest.filter((a, i) => !a.startsWith("-") && rest[i - 1] !== "--tail" && rest[i - 1] !== "-n")[0] ??
          ""
        const c = find(name)
        if (c === undefined) return yield* fail(p, `Error response from daemon: No such container: ${name}`)
        const tail = valueOf(rest, "--tail", "-n")
        const lines = tail === undefined || tail === "all"
          ? c.logs
          : c.logs.slice(Math.max(0, c.logs.length - Number(tail)))
        for (const l of lines) (l.stream === "stderr" ? p.err : p.out)(`${l.text}\n`)
        return 0
      }
      case "stats": {
        const list = containers.filter((c) => c.running)
        const row = (c: DockerContainer) => ({
          BlockIO: "12.3MB / 4.5MB",
          CPUPerc: "0.42%",
          Container: c.id.slice(0, 12),
          ID: c.id.slice(0, 12),
          MemPerc: "1.20%",
          MemUsage: "96.5MiB / 7.6GiB",
          Name: c.name,
          NetIO: "1.2MB / 800kB",
          PIDs: "12"
        })
        const format = valueOf(rest, "--format")
        if (format !== undefined) return yield* print(p, unlines(list.map((c) => template(format, row(c)))))
        return yield* print(
          p,
          unlines([
            "CONTAINER ID   NAME         CPU %     MEM USAGE / LIMIT   MEM %     NET I/O         BLOCK I/O       PIDS",
            ...list.map((c) => {
              const r = row(c)
              return `${r.ID}   ${r.Name.padEnd(12)} ${r.CPUPerc.padEnd(9)} ${r.MemUsage.padEnd(19)} ${
                r.MemPerc.padEnd(9)
              } ${r.NetIO.padEnd(15)} ${r.BlockIO.padEnd(15)} ${r.PIDs}`
            })
          ])
        )
      }
      case "version":
      case "--version":
      case "-v":
        return yield* print(p, "Docker version 28.5.1, build e180ab8\n")
      case "info":
        return yield* print(
          p,
          `Containers: ${containers.length}\n Running: ${
            containers.filter((c) => c.running).length
          }\nServer Version: 28.5.1\nStorage Driver: overlay2\n`
        )
      default:
        return yield* fail(p, `docker: '${cmd}' is not a docker command.\nSee 'docker --help'`)
    }
  })

export const DOCKER_COMMANDS: Readonly<Record<string, CommandSpec>> = { docker: { run: docker, needsDocker: true } }
