/**
 * Commands that run another command (spec §5.1.1 "path prefixes", security.md §4.A A1/A6): how to find the inner
 * command behind their options. Data only; `Unwrap.ts` interprets it.
 */

export interface WrapSpec {
  /** Options that consume the next word as their value. */
  readonly values?: ReadonlyArray<string>
  /** Options whose value is a shell script (evaluated as its own script). */
  readonly scripts?: ReadonlyArray<string>
  /** Options whose value is split into words and run (`env -S`). */
  readonly split?: ReadonlyArray<string>
  /** Options after which nothing is executed (`command -v`). */
  readonly stops?: ReadonlyArray<string>
  /** Positional words before the inner command (`timeout DURATION`, `chroot DIR`, `ssh HOST`). */
  readonly positionals?: number
  /** The remaining words are joined into one shell script (`ssh host cmd…`, `watch cmd…`). */
  readonly join?: boolean
  /** Options that turn `join` off (`watch -x`). */
  readonly noJoin?: ReadonlyArray<string>
  /** The wrapper runs only its `scripts` options, never a trailing command (`su -c`). */
  readonly scriptOnly?: boolean
}

const SU: WrapSpec = {
  values: ["-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"],
  scripts: ["-c", "--command", "--session-command"],
  scriptOnly: true
}

const TRACE: WrapSpec = {
  values: ["-o", "-e", "-p", "-s", "-u", "-E", "-a", "-P", "-I", "-b", "-X", "-O", "-S", "-n", "-A"]
}

export const WRAPPERS: Readonly<Record<string, WrapSpec>> = {
  sudo: {
    values: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R", "--user", "--group", "--close-from"]
      .concat(["--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--command-timeout", "--chroot"])
  },
  doas: { values: ["-u", "-C"] },
  nohup: {},
  setsid: {},
  builtin: {},
  busybox: {},
  exec: { values: ["-a"] },
  command: { stops: ["-v", "-V"] },
  env: { values: ["-u", "--unset", "-C", "--chdir"], split: ["-S", "--split-string"] },
  nice: { values: ["-n", "--adjustment"] },
  ionice: { values: ["-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid", "-u", "--uid"] },
  timeout: { values: ["-s", "--signal", "-k", "--kill-after"], positionals: 1 },
  stdbuf: { values: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  time: { values: ["-f", "--format", "-o", "--output"] },
  xargs: {
    values: ["-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L", "-n", "--max-args", "-P", "--max-procs"]
      .concat(["-s", "--max-chars", "--process-slot-var"])
  },
  chroot: { values: ["--userspec", "--groups"], positionals: 1 },
  nsenter: { values: ["-t", "--target", "-S", "--setuid", "-G", "--setgid"] },
  unshare: { values: ["-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd"] },
  flock: {
    values: ["-w", "--wait", "--timeout", "-E", "--conflict-exit-code"],
    scripts: ["-c", "--command"],
    positionals: 1
  },
  taskset: { positionals: 1 },
  chrt: { positionals: 1 },
  strace: TRACE,
  ltrace: TRACE,
  watch: { values: ["-n", "--interval", "-q", "--equexit"], join: true, noJoin: ["-x", "--exec"] },
  su: SU,
  runuser: SU,
  script: {
    values: ["-E", "--echo", "-I", "--log-in", "-O", "--log-out", "-B", "--log-io", "-T", "--log-timing"],
    scripts: ["-c", "--command"],
    scriptOnly: true
  },
  sg: { scripts: ["-c"], positionals: 1, join: true },
  ssh: {
    values: ["-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S"]
      .concat(["-W", "-w", "-B", "-P"]),
    positionals: 1,
    join: true
  },
  "systemd-run": {
    values: ["-p", "--property", "-u", "--unit", "-H", "--host", "-M", "--machine", "-E", "--setenv", "--uid", "--gid"]
      .concat(["--nice", "--working-directory", "--slice", "--description", "--on-calendar", "--on-active"])
  },
  "lxc-attach": { values: ["-n", "--name", "-P", "--lxcpath", "-s", "--namespaces", "-v", "--set-var", "-u", "-g"] }
}

/** Shells whose `-c` script, here-string, heredoc or piped stdin is itself a script. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "rbash", "fish"])

/** Reserved words that may precede a command (`if reboot; then …`, `{ reboot; }`, `! cmd`). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "!",
  "{",
  "}",
  "coproc",
  "esac"
])
