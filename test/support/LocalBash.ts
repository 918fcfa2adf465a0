import { Clock, Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { SshUnavailable } from "../../src/domain/Errors.js"
import { timeoutWrap } from "../../src/domain/Shell.js"
import type { ExecResult, SshTransportShape } from "../../src/services/SshTransport.js"
import { SshTransport } from "../../src/services/SshTransport.js"

/**
 * An `SshTransport` that runs each script with the local `bash`, wrapped in `timeout` exactly as the live transport
 * wraps it on the node: real bash and real coreutils check the host scripts' quoting and flags, which the
 * simulated shell would forgive. Streams are capped like the live channels and decoded as UTF-8.
 */

const DEFAULT_CAP = 1024 * 1024

const capped = (cap: number) => {
  const chunks: Array<Buffer> = []
  let size = 0
  let truncated = false
  return {
    push: (b: Buffer) => {
      const room = cap - size
      if (b.length > room) truncated = true
      const part = b.length > room ? b.subarray(0, Math.max(0, room)) : b
      chunks.push(part)
      size += part.length
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
    truncated: () => truncated
  }
}

export interface LocalBashOptions {
  /** A directory searched first for commands (fake `pct`, `qm`, `pvesh`: see `fakePveTools`). */
  readonly binDir?: string
}

export const makeLocalBash = (local: LocalBashOptions = {}): SshTransportShape => ({
  endpoint: "local bash",
  exec: (script, options) =>
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      const secs = Math.max(1, Math.ceil(options.timeoutMs / 1000))
      const result = yield* Effect.async<Omit<ExecResult, "durationMs">, SshUnavailable>((resume) => {
        const env = local.binDir === undefined
          ? process.env
          : { ...process.env, PATH: `${local.binDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}` }
        const child = spawn("bash", ["-c", timeoutWrap(secs, script, "bash")], { stdio: ["pipe", "pipe", "pipe"], env })
        const out = capped(options.maxOutputBytes ?? DEFAULT_CAP)
        const err = capped(options.maxOutputBytes ?? DEFAULT_CAP)
        child.stdout.on("data", out.push)
        child.stderr.on("data", err.push)
        child.on("error", (e) => resume(Effect.fail(new SshUnavailable({ message: `local bash: ${e.message}` }))))
        child.on("close", (code, signal) =>
          resume(Effect.succeed({
            stdout: out.text(),
            stderr: err.text(),
            exitCode: code,
            ...(signal === null ? {} : { signal }),
            timedOut: code === 124,
            stdoutTruncated: out.truncated(),
            stderrTruncated: err.truncated()
          })))
        child.stdin.on("error", () => {})
        child.stdin.end(options.stdin ?? "")
        return Effect.sync(() => void child.kill("SIGKILL"))
      })
      return { ...result, durationMs: (yield* Clock.currentTimeMillis) - started }
    })
})

/** The local bash as the node's root shell (tests run it on paths inside a fresh temp directory). */
export const LocalBash: Layer.Layer<SshTransport> = Layer.sync(SshTransport, () => makeLocalBash())

/** The local bash with the fake PVE tools of `fakePveTools(binDir)` first on its PATH. */
export const localBashWith = (options: LocalBashOptions): Layer.Layer<SshTransport> =>
  Layer.sync(SshTransport, () => makeLocalBash(options))

const PCT = `#!/bin/bash
# pct for one always-running container whose root is this machine's /
case "$1" in
  status) echo "status: running" ;;
  exec) shift 2; while [ "$1" != "--" ]; do shift; done; shift; exec "$@" ;;
  push)
    src=$3; dst=$4; shift 4; perms=0644; user=0; group=0
    while [ $# -gt 0 ]; do
      case "$1" in --perms) perms=$2 ;; --user) user=$2 ;; --group) group=$2 ;; esac; shift 2
    done
    cp -- "$src" "$dst" && chown -- "$user:$group" "$dst" && chmod -- "$perms" "$dst" ;;
  *) echo "fake pct: $1 not supported" >&2; exit 255 ;;
esac
`

const QM = `#!/bin/bash
# qm for one VM whose agent runs commands on this machine
case "$1 $2" in
  "guest cmd") exit 0 ;;
  "guest exec")
    shift 3; while [ "$1" != "--" ]; do shift; done; shift
    out=$(mktemp); err=$(mktemp)
    "$@" >"$out" 2>"$err" </dev/null; code=$?
    NODE_OUT=$out NODE_ERR=$err CODE=$code "${process.execPath}" -e '
      const fs = require("fs")
      const o = fs.readFileSync(process.env.NODE_OUT, "utf8"), e = fs.readFileSync(process.env.NODE_ERR, "utf8")
      console.log(JSON.stringify({ exitcode: Number(process.env.CODE), exited: 1, ...(o ? { "out-data": o } : {}), ...(e ? { "err-data": e } : {}) }, null, 3))'
    rm -f "$out" "$err" ;;
  *) echo "fake qm: $1 $2 not supported" >&2; exit 255 ;;
esac
`

const PVESH = `#!/bin/bash
# pvesh create /nodes/<node>/qemu/<vmid>/agent/file-write --file F --content C --encode 0
[ "$1" = create ] && [[ "$2" == */agent/file-write ]] || { echo "fake pvesh: $* not supported" >&2; exit 255; }
shift 2; file=; content=
while [ $# -gt 0 ]; do case "$1" in --file) file=$2 ;; --content) content=$2 ;; esac; shift 2; done
printf '%s' "$content" | base64 -d > "$file"
`

/** Writes fake `pct`, `qm` and `pvesh` into `binDir`: guests whose files are this machine's own. */
export const fakePveTools = (binDir: string): void => {
  for (const [name, text] of [["pct", PCT], ["qm", QM], ["pvesh", PVESH]] as const) {
    writeFileSync(join(binDir, name), text, { mode: 0o755 })
  }
}
