import { Effect, Either, Option, Schema } from "effect"
import { privilegeFix, privilegeVerdict } from "../../domain/PrivilegeVerdict.js"
import { tierAllows } from "../../domain/Tier.js"
import { formatPrivileges, pveMajorOf, tierRoleName } from "../../domain/TierPrivileges.js"
import type { NodeLayers } from "../../layers/AppLayer.js"
import { readPrivileges } from "../../layers/PrivilegeCheck.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"
import { SshTransport } from "../../services/SshTransport.js"
import type { CheckResult } from "./Check.js"
import { bounded, fail, NODE_CHECK_TIMEOUT, ok, warn } from "./Check.js"

interface Failure {
  readonly _tag: string
  readonly message: string
  readonly expected?: string
  readonly presented?: string
}

const tls = (config: AppConfigShape) =>
  Option.match(config.api, {
    onNone: () => ({ pin: "simulated node", store: "PVE_API_KNOWN_CERTS_PATH" }),
    onSome: (a) => ({
      pin: Option.isSome(a.fingerprint)
        ? "certificate matches PVE_API_TLS_FINGERPRINT"
        : `certificate matches the fingerprint recorded in ${a.knownCertsPath}`,
      store: a.knownCertsPath
    })
  })

const apiFailure = (config: AppConfigShape, endpoint: string, e: Failure): CheckResult => {
  if (e._tag === "PinMismatch") {
    return fail(
      "api",
      `TLS pin mismatch at ${endpoint}: the node presented ${e.presented ?? "?"}, pinned is ${e.expected ?? "?"}`,
      "verify the certificate out of band (on the node: openssl x509 -in /etc/pve/local/pve-ssl.pem -noout " +
        `-fingerprint -sha256); if it is the node's, set PVE_API_TLS_FINGERPRINT=${e.presented ?? "<it>"} or ` +
        `remove the "${endpoint}" entry from ${tls(config).store}`
    )
  }
  if (e._tag === "ApiUnauthorized") {
    return fail(
      "api",
      `${endpoint} refused the token (401): ${e.message}`,
      "the token is wrong, deleted or expired: " +
        `re-run homelab-mcp setup, or check PVE_API_TOKEN_ID and PVE_API_TOKEN_SECRET`
    )
  }
  return fail("api", `${endpoint} unreachable: ${e.message}`, "check PVE_API_BASE_URL, the network, and pveproxy")
}

const Version = Schema.Struct({ version: Schema.String })

/** `GET /version` through the pinned channel, then the token's privileges versus the tier. */
const apiChecks = (config: AppConfigShape) =>
  Effect.gen(function*() {
    const api = yield* ProxmoxApi
    const version = yield* api.request({ method: "GET", path: "/version" }).pipe(
      Effect.flatMap(Schema.decodeUnknown(Version)),
      Effect.either
    )
    if (Either.isLeft(version)) {
      const first = apiFailure(config, api.endpoint, version.left)
      return [first, fail("privileges", "not checked: the API is not reachable")]
    }
    const reached = ok("api", `PVE ${version.right.version} at ${api.endpoint}, ${tls(config).pin}`)
    return [reached, yield* privilegesCheck(config)]
  })

const privilegesCheck = (config: AppConfigShape) =>
  Effect.map(readPrivileges(NODE_CHECK_TIMEOUT), (reading): CheckResult => {
    const tokenId = Option.map(config.api, (a) => a.tokenId)
    const verdict = privilegeVerdict(config.tier, reading, { strict: config.privileges.strict, tokenId })
    if (Either.isLeft(verdict)) {
      return fail("privileges", verdict.left.message.replace(/; fix: .*$/, ""), verdict.left.fix)
    }
    const status = verdict.right
    if (status.status === "unchecked") return warn("privileges", status.warning ?? "not checked")
    const pve = Option.getOrElse(pveMajorOf(status.pveVersion ?? ""), () => 9 as const)
    if (status.status === "broader") {
      return warn(
        "privileges",
        `token broader than tier ${config.tier}: ${formatPrivileges(status.excess)}`,
        `give it only the role ${tierRoleName(config.tier)}: ${privilegeFix(config.tier, pve, tokenId)}`
      )
    }
    return ok("privileges", `exactly what tier ${config.tier} needs on PVE ${status.pveVersion ?? "?"}`)
  })

const sshCheck = (config: AppConfigShape) =>
  Effect.gen(function*() {
    const ssh = yield* SshTransport
    const result = yield* ssh.exec("true", { timeoutMs: 3000 }).pipe(Effect.either)
    const settings = Option.getOrUndefined(config.ssh)
    if (Either.isRight(result)) {
      const pin = settings === undefined
        ? "simulated node"
        : Option.isSome(settings.fingerprint)
        ? "host key matches SSH_HOST_KEY_FINGERPRINT"
        : `host key matches the fingerprint recorded in ${settings.knownHostsPath}`
      return result.right.exitCode === 0
        ? ok("ssh", `${settings?.user ?? "root"}@${ssh.endpoint} runs commands, ${pin}`)
        : fail("ssh", `\`true\` exited ${result.right.exitCode ?? result.right.signal ?? "?"} on ${ssh.endpoint}`)
    }
    return sshFailure(config, ssh.endpoint, result.left)
  })

const sshFailure = (config: AppConfigShape, endpoint: string, e: Failure): CheckResult => {
  const store = Option.match(config.ssh, { onNone: () => "SSH_KNOWN_HOSTS_PATH", onSome: (s) => s.knownHostsPath })
  if (e._tag === "PinMismatch") {
    return fail(
      "ssh",
      `SSH host key mismatch at ${endpoint}: the node presented ${e.presented ?? "?"}, pinned is ${e.expected ?? "?"}`,
      "verify the key out of band (on the node's console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); if it " +
        `is the node's, set SSH_HOST_KEY_FINGERPRINT=${
          e.presented ?? "<it>"
        } or remove the "${endpoint}" entry from ${store}`
    )
  }
  return fail(
    "ssh",
    `${endpoint}: ${e.message}`,
    "check SSH_HOST, SSH_PORT and SSH_KEY_PATH; homelab-mcp setup " +
      "--tier companion installs the key in root's authorized_keys"
  )
}

/** API, pin and privileges (every tier), then SSH (companion and root); the two channels are checked concurrently. */
export const nodeChecks = (config: AppConfigShape, node: NodeLayers): Effect.Effect<ReadonlyArray<CheckResult>> => {
  const api = bounded(["api", "privileges"], NODE_CHECK_TIMEOUT, Effect.provide(apiChecks(config), node.api))
  const ssh = tierAllows(config.tier, "companion")
    ? bounded(
      ["ssh"],
      NODE_CHECK_TIMEOUT,
      Effect.scoped(Effect.provide(Effect.map(sshCheck(config), (c) => [c]), node.ssh))
    )
    : Effect.succeed([])
  return Effect.map(Effect.all([api, ssh], { concurrency: "unbounded" }), (groups) => groups.flat())
}
