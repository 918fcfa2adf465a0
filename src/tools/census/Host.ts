import { Effect, Option } from "effect"
import { AppConfig } from "../../services/AppConfig.js"
import { ProxmoxApi } from "../../services/ProxmoxApi.js"

/** The node's address: SSH_HOST when set, else the API URL's host (never empty, issue #12 of the original). */
export const nodeHost = Effect.gen(function*() {
  const config = yield* AppConfig
  const api = yield* ProxmoxApi
  const ssh = Option.map(config.ssh, (s) => s.host).pipe(Option.filter((h) => h !== ""))
  if (Option.isSome(ssh)) return ssh.value
  return api.endpoint.replace(/:\d+$/, "")
})
