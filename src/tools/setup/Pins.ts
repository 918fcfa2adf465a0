import { Effect, Either } from "effect"
import { X509Certificate } from "node:crypto"
import { fingerprintOf } from "../../domain/Fingerprint.js"
import { read } from "./Inspect.js"
import type { SetupNodeShape } from "./Ports.js"
import { SetupApi, SetupConsole, SetupFailed } from "./Ports.js"
import { confirm } from "./Prompts.js"

/**
 * The two trust anchors setup pins. The SSH host key is shown for confirmation before the root credential is sent.
 * The API certificate is taken from a TLS handshake and must be the certificate file the node itself serves
 * (read over the confirmed SSH connection), so a machine in the middle of the API port is caught here.
 */

/** pveproxy serves `pveproxy-ssl.pem` (a custom or ACME certificate) when present, else `pve-ssl.pem`. */
export const CERT_COMMAND = "cat /etc/pve/local/pveproxy-ssl.pem 2>/dev/null || cat /etc/pve/local/pve-ssl.pem"

export const confirmHostKey = (endpoint: string, yes: boolean) => (fingerprint: string) =>
  Effect.gen(function*() {
    const io = yield* SetupConsole
    yield* io.info(
      `SSH host key of ${endpoint}: ${fingerprint} (ED25519)\n` +
        "  Compare it on the node's console (or the web shell): ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\n"
    )
    return yield* confirm(yes, "Is this the node's key? The root credential is sent only if it is.")
  }).pipe(Effect.orElseSucceed(() => false))

/** `SHA256:<b64>` of the first certificate in a PEM text. */
export const pemFingerprint = (pem: string): Either.Either<string, string> =>
  Either.try({ try: () => fingerprintOf(new X509Certificate(pem).raw), catch: () => "not a PEM certificate" })

/** The API certificate's fingerprint, checked against the file on the node. */
export const pinApi = (node: SetupNodeShape, host: string, port: number) =>
  Effect.gen(function*() {
    const presented = yield* Effect.flatMap(SetupApi, (api) => api.certificate(host, port))
    const onNode = pemFingerprint(yield* read(node, CERT_COMMAND))
    if (Either.isLeft(onNode)) {
      return yield* new SetupFailed({ message: "cannot read the node's API certificate (/etc/pve/local/*.pem)" })
    }
    if (onNode.right !== presented) {
      return yield* new SetupFailed({
        message: `the certificate presented at ${host}:${port} (${presented}) is not the node's own ` +
          `(${onNode.right}): a reverse proxy or a machine in the middle answers on that port. Nothing was changed.`
      })
    }
    yield* Effect.flatMap(SetupConsole, (io) => io.info(`API certificate of ${host}:${port}: ${presented} (pinned)\n`))
    return presented
  })
