import { Layer } from "effect"
import type { SimRole } from "./ProxmoxApiSimulated.js"
import { ProxmoxApiSimulated } from "./ProxmoxApiSimulated.js"
import { SshTransportSimulated } from "./SshTransportSimulated.js"

/** The simulated node behind both ports: one shared state, so the API and the shell see the same guests. */
export const simulatedNode = (role: SimRole, statePath?: string) => {
  const sim = ProxmoxApiSimulated.layer(statePath === undefined ? { role } : { role, statePath })
  return Layer.merge(sim, SshTransportSimulated.pipe(Layer.provide(sim)))
}
