import { Effect, Either, Option } from "effect"
import type { SelectableTier } from "../../domain/Tier.js"
import type { BootstrapMode, ClientKind, SetupFlags, TokenExpire } from "./Flags.js"
import { parseHost } from "./Flags.js"
import { SetupConsole, SetupFailed } from "./Ports.js"

/** Fills in what the flags left out, by asking on stderr; an invalid answer is asked again. */

export interface Answers {
  readonly tier: SelectableTier
  readonly host: string
  readonly sshPort: number
  readonly apiPort: number
  readonly mode: BootstrapMode
  readonly bootstrapKey: Option.Option<string>
  /** Only when given: re-runs without it leave an existing token's expiry alone. */
  readonly expire: Option.Option<TokenExpire>
  readonly client: ClientKind
  readonly dryRun: boolean
  readonly yes: boolean
}

const TIER_MENU = `Which tier?
  [1] observe    read-only: list guests, status, census, health. Enforced by Proxmox (PVEAuditor token).
  [2] operate    + start, stop, restart guests. Enforced by Proxmox (role HomelabMCP-Operate).
  [3] companion  + commands in containers and VMs, logs, snapshots over root SSH with a dedicated key.
                 Enforced by this server's guardrails, not by Proxmox.
Start at observe; re-run setup to change tier.
`

const MODE_MENU = `How should setup reach the node as root, once?
  [1] auto   SSH from here with the root password (or --bootstrap-key)
  [2] paste  print a script for the Proxmox web shell (Datacenter > node > Shell); no root credential here
`

const CLIENT_MENU = `Register with which client?
  [1] claude-code     claude mcp add (user scope)
  [2] claude-desktop  show the config block for Claude Desktop
  [3] print           print the mcpServers JSON to stdout
`

/** Asks from a numbered menu; with `--yes` a question that has a default is not asked. */
const choose = <A extends string>(menu: string, options: ReadonlyArray<A>, fallback?: A, yes = false) =>
  Effect.gen(function*() {
    if (yes && fallback !== undefined) return fallback
    const io = yield* SetupConsole
    yield* io.info(menu)
    for (;;) {
      const answer = (yield* io.ask(`Choice${fallback === undefined ? "" : ` [${fallback}]`}: `)).trim()
      if (answer === "" && fallback !== undefined) return fallback
      const picked = options.find((o, i) => answer === String(i + 1) || answer === o)
      if (picked !== undefined) return picked
      yield* io.info(`Please answer 1-${options.length} or a name.\n`)
    }
  })

const askHost = Effect.gen(function*() {
  const io = yield* SetupConsole
  for (;;) {
    const parsed = parseHost(yield* io.ask("Node address (IP or DNS name): "))
    if (Either.isRight(parsed)) return parsed.right
    yield* io.info(`${parsed.left.message}\n`)
  }
})

export const completeAnswers = (flags: SetupFlags): Effect.Effect<Answers, SetupFailed, SetupConsole> =>
  Effect.gen(function*() {
    const tier = flags.tier ?? (yield* choose(TIER_MENU, ["observe", "operate", "companion"] as const))
    const host = flags.nodeHost ?? (yield* askHost)
    const mode = flags.bootstrapMode ??
      (flags.bootstrapKey === undefined
        ? yield* choose(MODE_MENU, ["auto", "paste"] as const, "auto", flags.yes)
        : "auto")
    const client = flags.client ??
      (yield* choose(CLIENT_MENU, ["claude-code", "claude-desktop", "print"] as const, "claude-code", flags.yes))
    return {
      tier,
      host,
      sshPort: flags.sshPort ?? 22,
      apiPort: flags.apiPort ?? 8006,
      mode,
      bootstrapKey: Option.fromNullable(flags.bootstrapKey),
      expire: Option.fromNullable(flags.tokenExpire),
      client,
      dryRun: flags.dryRun,
      yes: flags.yes
    }
  })

/** Asks yes/no (default no); `--yes` answers yes without asking. */
export const confirm = (yes: boolean, question: string): Effect.Effect<boolean, SetupFailed, SetupConsole> =>
  yes
    ? Effect.succeed(true)
    : Effect.flatMap(SetupConsole, (io) => io.ask(`${question} [y/N] `)).pipe(
      Effect.map((a) => /^y(es)?$/i.test(a.trim()))
    )

/** The epoch seconds for `--token-expire` (0 = never). */
export const expireEpoch = (expire: TokenExpire, nowMs: number): number =>
  expire._tag === "Never"
    ? 0
    : expire._tag === "At"
    ? expire.epoch
    : Math.floor(nowMs / 1000) + expire.days * 86_400

export const abort = (why: string) => new SetupFailed({ message: `${why}; nothing was changed` })
