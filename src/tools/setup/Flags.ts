import { Data, Either } from "effect"
import type { SelectableTier } from "../../domain/Tier.js"

/** `homelab-mcp setup` command line: every answer the interactive ceremony asks for, also as a flag. */

export type BootstrapMode = "auto" | "paste"
export type ClientKind = "claude-code" | "claude-desktop" | "print"

/** When the token expires: never, a number of days from now, or an absolute epoch (seconds). */
export type TokenExpire =
  | { readonly _tag: "Never" }
  | { readonly _tag: "Days"; readonly days: number }
  | { readonly _tag: "At"; readonly epoch: number }

export interface SetupFlags {
  readonly tier?: SelectableTier
  readonly nodeHost?: string
  readonly sshPort?: number
  readonly apiPort?: number
  readonly bootstrapMode?: BootstrapMode
  readonly bootstrapKey?: string
  readonly tokenExpire?: TokenExpire
  readonly client?: ClientKind
  readonly dryRun: boolean
  readonly yes: boolean
}

/** A command line setup cannot use; the message names the flag and what it accepts. */
export class SetupUsage extends Data.TaggedError("SetupUsage")<{ readonly message: string }> {}

export const SETUP_HELP = `Usage: homelab-mcp setup [options]

Provisions a Proxmox VE node for homelab-mcp in one pass: a least-privilege role for the tier and PVE version, the
user mcp@pve with a privilege-separated token, the ACLs, the TLS and SSH pins, at companion a dedicated SSH key;
then proves the token (GET /access/permissions and read-only requests that must be refused with 403) and registers
the server with your MCP client. Safe to re-run: only what differs is changed. Anything not given is asked for.

Options:
  --tier observe|operate|companion       the tier to provision (root is companion plus MCP_HOST_ROOT_ENABLED)
  --node-host HOST                       the node's address (IP or DNS name)
  --ssh-port N                           the node's SSH port (22)
  --api-port N                           the node's API port (8006)
  --bootstrap-mode auto|paste            auto: one root SSH connection from here (root password or
                                         --bootstrap-key); paste: print a script for the Proxmox web shell
                                         and read its result back, so no root credential touches this machine
  --bootstrap-key PATH                   an existing root SSH key for auto mode, instead of the root password
  --token-expire never|<N>d|YYYY-MM-DD   token expiry (default never)
  --client claude-code|claude-desktop|print
                                         register with Claude Code (claude mcp add), show the Claude Desktop
                                         config, or print only the mcpServers JSON on stdout (for scripts)
  --dry-run                              print every command and request; change nothing
  --yes                                  do not ask for confirmations (the host key and the plan); questions
                                         with a default (mode auto, client claude-code) take it
  --help                                 this text`

const TIERS: ReadonlyArray<SelectableTier> = ["observe", "operate", "companion"]
const MODES: ReadonlyArray<BootstrapMode> = ["auto", "paste"]
const CLIENTS: ReadonlyArray<ClientKind> = ["claude-code", "claude-desktop", "print"]
const BOOLEAN_FLAGS = new Set(["--dry-run", "--yes"])
const VALUE_FLAGS = new Set([
  "--tier",
  "--node-host",
  "--ssh-port",
  "--api-port",
  "--bootstrap-mode",
  "--bootstrap-key",
  "--token-expire",
  "--client"
])

const usage = (message: string) => Either.left(new SetupUsage({ message }))

const oneOf = <A extends string>(
  flag: string,
  allowed: ReadonlyArray<A>,
  value: string
): Either.Either<A, SetupUsage> =>
  (allowed as ReadonlyArray<string>).includes(value)
    ? Either.right(value as A)
    : usage(`${flag} must be ${allowed.join(", ")}; got ${JSON.stringify(value)}`)

const port = (flag: string, value: string): Either.Either<number, SetupUsage> =>
  /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535
    ? Either.right(Number(value))
    : usage(`${flag} must be a port number from 1 to 65535; got ${JSON.stringify(value)}`)

/** A host name or an IP literal (IPv6 with or without brackets); never a URL or a user@host. */
export const parseHost = (value: string): Either.Either<string, SetupUsage> => {
  const bare = value.trim().replace(/^\[(.*)\]$/, "$1")
  return /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(bare) || /^[0-9A-Fa-f:.]+$/.test(bare)
    ? Either.right(bare)
    : usage(`--node-host must be the node's IP or DNS name (no scheme, user or port); got ${JSON.stringify(value)}`)
}

export const parseExpire = (value: string): Either.Either<TokenExpire, SetupUsage> => {
  const v = value.trim()
  if (v === "never" || v === "0") return Either.right({ _tag: "Never" })
  const days = /^(\d{1,4})d$/.exec(v)
  if (days !== null && Number(days[1]) > 0) return Either.right({ _tag: "Days", days: Number(days[1]) })
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    return Either.right({ _tag: "At", epoch: Date.parse(`${v}T00:00:00Z`) / 1000 })
  }
  if (/^\d{9,11}$/.test(v)) return Either.right({ _tag: "At", epoch: Number(v) })
  return usage(`--token-expire must be never, a number of days (90d), a date (2027-01-31) or an epoch; got "${v}"`)
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const apply = (flags: Mutable<SetupFlags>, flag: string, value: string): Either.Either<void, SetupUsage> => {
  const set = <A>(e: Either.Either<A, SetupUsage>, put: (a: A) => void) => Either.map(e, put)
  switch (flag) {
    case "--tier":
      if (value === "root") {
        return usage("--tier root is not offered: provision companion, then enable root with MCP_HOST_ROOT_ENABLED")
      }
      return set(oneOf(flag, TIERS, value), (t) => (flags.tier = t))
    case "--node-host":
      return set(parseHost(value), (h) => (flags.nodeHost = h))
    case "--ssh-port":
      return set(port(flag, value), (p) => (flags.sshPort = p))
    case "--api-port":
      return set(port(flag, value), (p) => (flags.apiPort = p))
    case "--bootstrap-mode":
      return set(oneOf(flag, MODES, value), (m) => (flags.bootstrapMode = m))
    case "--bootstrap-key":
      return value.trim() === ""
        ? usage("--bootstrap-key needs a file path")
        : Either.right(void (flags.bootstrapKey = value))
    case "--token-expire":
      return set(parseExpire(value), (e) => (flags.tokenExpire = e))
    default:
      return set(oneOf(flag, CLIENTS, value), (c) => (flags.client = c))
  }
}

/** Parses the arguments after `setup`; `--help` is handled by the caller. */
export const parseSetupFlags = (argv: ReadonlyArray<string>): Either.Either<SetupFlags, SetupUsage> => {
  const flags: Mutable<SetupFlags> = { dryRun: false, yes: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const eq = arg.indexOf("=")
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg
    if (BOOLEAN_FLAGS.has(name)) {
      if (name !== arg) return usage(`${name} takes no value`)
      if (name === "--dry-run") flags.dryRun = true
      else flags.yes = true
      continue
    }
    if (!VALUE_FLAGS.has(name)) return usage(`unknown option ${JSON.stringify(arg)} (see homelab-mcp setup --help)`)
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || (name === arg && value.startsWith("--"))) return usage(`${name} needs a value`)
    const applied = apply(flags, name, value)
    if (Either.isLeft(applied)) return Either.left(applied.left)
  }
  if (flags.bootstrapKey !== undefined && flags.bootstrapMode === "paste") {
    return usage("--bootstrap-key is for --bootstrap-mode auto; paste mode uses no credential on this machine")
  }
  return Either.right(flags)
}
