import type { Effect, Redacted, Scope } from "effect"
import { Context, Data } from "effect"

/**
 * The edges of `homelab-mcp setup`, as ports so that the ceremony runs against a simulated node in tests: the
 * terminal (prompts on stderr, answers on stdin; stdout is reserved), the node's root shell, the node's API, and
 * the MCP client's CLI.
 */

/** Any step that cannot go on; the message says what happened and what to do. Never carries a secret. */
export class SetupFailed extends Data.TaggedError("SetupFailed")<{ readonly message: string }> {}

export interface CommandResult {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

/** One root shell on the node, open for the whole run. */
export interface SetupNodeShape {
  readonly run: (command: string) => Effect.Effect<CommandResult, SetupFailed>
  /** `SHA256:<b64>` of the ed25519 host key this connection was made to (and the user confirmed). */
  readonly hostKey: string
}

export type RootAuth =
  | { readonly _tag: "Password"; readonly password: Redacted.Redacted<string> }
  | { readonly _tag: "Key"; readonly path: string }

export interface ConnectRequest {
  readonly host: string
  readonly port: number
  readonly auth: RootAuth
  /** Decides on the presented host key before any credential is sent; false refuses the connection. */
  readonly confirmHostKey: (fingerprint: string) => Effect.Effect<boolean>
}

export class SetupBootstrap extends Context.Tag("homelab-mcp/SetupBootstrap")<SetupBootstrap, {
  /** One root connection (auto mode); closed with the scope. */
  readonly connect: (request: ConnectRequest) => Effect.Effect<SetupNodeShape, SetupFailed, Scope.Scope>
}>() {}

export interface ApiCall {
  readonly host: string
  readonly port: number
  /** The certificate fingerprint the connection must present; nothing is sent to any other. */
  readonly pin: string
  readonly tokenId: string
  readonly secret: Redacted.Redacted<string>
  /** Below `/api2/json`, query included. */
  readonly path: string
}

export interface ApiReply {
  readonly status: number
  /** The parsed JSON body (`{ data: … }` on PVE), or undefined when there was none. */
  readonly body: unknown
}

export class SetupApi extends Context.Tag("homelab-mcp/SetupApi")<SetupApi, {
  /** `SHA256:<b64>` of the leaf certificate the API port presents (a TLS handshake, nothing sent). */
  readonly certificate: (host: string, port: number) => Effect.Effect<string, SetupFailed>
  /** One GET with the token, over a connection pinned to `pin`. */
  readonly get: (call: ApiCall) => Effect.Effect<ApiReply, SetupFailed>
}>() {}

export class SetupConsole extends Context.Tag("homelab-mcp/SetupConsole")<SetupConsole, {
  /** Progress and questions: stderr. */
  readonly info: (text: string) => Effect.Effect<void>
  /** The product (`--client print`, the JSON fallback): stdout. */
  readonly out: (text: string) => Effect.Effect<void>
  /** Reads one answer; `secret` does not echo. Fails when stdin ends. */
  readonly ask: (question: string, secret?: boolean) => Effect.Effect<string, SetupFailed>
  /** Reads lines until one equals `end` (included); fails when stdin ends first. */
  readonly readBlock: (end: string) => Effect.Effect<string, SetupFailed>
}>() {}

export type ClientRun = { readonly _tag: "Missing" } | {
  readonly _tag: "Ran"
  readonly code: number
  readonly output: string
}

export class SetupClient extends Context.Tag("homelab-mcp/SetupClient")<SetupClient, {
  /** Runs `claude <args>`; Missing when it is not on PATH. */
  readonly claude: (args: ReadonlyArray<string>) => Effect.Effect<ClientRun>
}>() {}

/** Where setup keeps its local state and what it registers. */
export interface SetupEnv {
  readonly dataDir: string
  /** True when the data directory was chosen with HOMELAB_MCP_DATA_DIR: the server is told to use it too. */
  readonly passDataDir: boolean
  /** This machine's host name, for the key comment `homelab-mcp@<host>`. */
  readonly clientHost: string
  /** How the MCP client starts the server: `node /abs/dist/server.cjs`. */
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** Where Claude Desktop reads its configuration on this OS. */
  readonly desktopConfigPath: string
}
