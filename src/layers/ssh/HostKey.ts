import { Effect, Option } from "effect"
import { PinMismatch, SshUnavailable } from "../../domain/Errors.js"
import { decidePin } from "../../domain/Fingerprint.js"
import type { SshSettings } from "../../services/AppConfig.js"
import { readPin, recordPin } from "../PinStore.js"

/** The only host-key algorithm offered to the server: the setup pins the node's ed25519 key. */
export const HOST_KEY_ALGORITHM = "ssh-ed25519"

export interface HostKeyPolicy {
  /** The pin decision for a presented `SHA256:<b64>` fingerprint; records it on first use. */
  readonly verify: (presented: string) => Effect.Effect<void, PinMismatch | SshUnavailable>
  /** The error for a server that offers no ed25519 host key (`offered`: its list, when known). */
  readonly algorithmMismatch: (offered: string | undefined) => Effect.Effect<never, PinMismatch | SshUnavailable>
}

const keyscan = (host: string) =>
  `on the node's console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or from here: ` +
  `ssh-keyscan -t ed25519 ${host} | ssh-keygen -lf -`

const mismatchMessage = (
  settings: SshSettings,
  endpoint: string,
  expected: string,
  presented: string,
  source: "pin" | "store"
) =>
  `SSH host key of ${endpoint} does not match the ${
    source === "pin"
      ? "pinned SSH_HOST_KEY_FINGERPRINT"
      : `fingerprint recorded on first use in ${settings.knownHostsPath}`
  }; the connection was refused before authenticating (no key or command was sent). Expected ${expected}, ` +
  `presented ${presented} (${HOST_KEY_ALGORITHM}). A reinstalled node is the usual cause, a machine in the middle ` +
  `the dangerous one. Verify the new key out of band (${keyscan(settings.host)}), then ` +
  (source === "pin"
    ? "update SSH_HOST_KEY_FINGERPRINT."
    : `delete the "${endpoint}" entry in ${settings.knownHostsPath} (or set SSH_HOST_KEY_FINGERPRINT to it).`) +
  " Not retried automatically."

const storeFailure = (endpoint: string, why: string) =>
  new SshUnavailable({ message: `SSH host-key check for ${endpoint} failed closed: ${why}` })

/** Pin decisions for one SSH endpoint (`host:port` is the TOFU store key), shared by every connect attempt. */
export const makeHostKeyPolicy = (settings: SshSettings): HostKeyPolicy => {
  const endpoint = `${settings.host}:${settings.port}`
  const store = settings.knownHostsPath
  // One TOFU decision at a time in this process, so concurrent first connects record once.
  const tofu = Effect.unsafeMakeSemaphore(1)

  const expected: Effect.Effect<Option.Option<string>, SshUnavailable> = Option.isSome(settings.fingerprint)
    ? Effect.succeed(settings.fingerprint)
    : Effect.mapError(readPin(store, endpoint), (e) => storeFailure(endpoint, e.message))

  const decide = (presented: string) =>
    Effect.gen(function*() {
      const recorded = Option.isSome(settings.fingerprint) ? Option.none<string>() : yield* expected
      const decision = decidePin({ pinned: settings.fingerprint, recorded, presented })
      switch (decision._tag) {
        case "Accept":
          return
        case "AcceptAndRecord":
          yield* Effect.mapError(recordPin(store, endpoint, presented), (e) => storeFailure(endpoint, e.message))
          yield* Effect.logWarning(
            `SSH host key of ${endpoint} pinned on first use as ${presented} (${HOST_KEY_ALGORITHM}) in ${store}; ` +
              `verify it out of band (${keyscan(settings.host)})`
          )
          return
        case "Refuse":
          return yield* new PinMismatch({
            channel: "ssh",
            endpoint,
            expected: decision.expected,
            presented,
            message: mismatchMessage(settings, endpoint, decision.expected, presented, decision.source)
          })
      }
    })

  const algorithmMismatch = (offered: string | undefined) =>
    Effect.flatMap(expected, (pin): Effect.Effect<never, PinMismatch | SshUnavailable> => {
      const offers = offered === undefined || offered === "" ? "other host-key types" : offered
      const message = `SSH host-key algorithm mismatch at ${endpoint}: only an ${HOST_KEY_ALGORITHM} host key is ` +
        `accepted, but the server offers ${offers}; the connection was refused before authenticating. ` +
        "A Proxmox node has /etc/ssh/ssh_host_ed25519_key unless it was removed (regenerate with ssh-keygen -A, " +
        "then verify the new fingerprint out of band" +
        (Option.isSome(pin) ? " and re-pin); a server without it may also be a machine in the middle." : ").")
      return Option.isSome(pin)
        ? Effect.fail(
          new PinMismatch({
            channel: "ssh",
            endpoint,
            expected: pin.value,
            presented: `no ${HOST_KEY_ALGORITHM} host key (offers ${offers})`,
            message
          })
        )
        : Effect.fail(new SshUnavailable({ message }))
    })

  return {
    verify: Option.isSome(settings.fingerprint) ? decide : (fp) => tofu.withPermits(1)(decide(fp)),
    algorithmMismatch
  }
}
