import type { Scope } from "effect"
import { Effect, Logger, Option } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeSshTransport } from "../../src/layers/SshTransportLive.js"
import type { SshSettings } from "../../src/services/AppConfig.js"
import { ed25519, fingerprintOfKey } from "./FakeSshNode.js"
import type { ExecHandler } from "./HostileSshNode.js"
import { startHostileNode } from "./HostileSshNode.js"

/** A hostile in-process SSH node with a pinned host key and the live transport pointed at it. */
export const hostileSsh = (prefix: string) => {
  const tmp = mkdtempSync(join(tmpdir(), prefix))
  const host = ed25519()
  const keyPath = join(tmp, "id_ed25519")
  writeFileSync(keyPath, ed25519().private, { mode: 0o600 })
  let seq = 0
  const settingsFor = (port: number): SshSettings => ({
    host: "127.0.0.1",
    port,
    user: "root",
    keyPath,
    fingerprint: Option.some(fingerprintOfKey(host)),
    knownHostsPath: join(tmp, `run-${++seq}`, "known_hosts.json"),
    reconnectDelayMs: 100,
    commandGraceMs: 300
  })
  const liveNode = (handler: ExecHandler) =>
    Effect.gen(function*() {
      const n = yield* Effect.acquireRelease(
        Effect.promise(() => startHostileNode(host, handler)),
        (x) => Effect.promise(() => x.close())
      )
      return { node: n, ssh: yield* makeSshTransport(settingsFor(n.port)) }
    })
  const run = <A, E>(self: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.provide(Effect.scoped(self), Logger.remove(Logger.defaultLogger))
  return { tmp, liveNode, run }
}
