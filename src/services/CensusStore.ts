import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { Census } from "../domain/Census.js"

/** Local store of redacted census snapshots, for drift. */
export interface CensusStoreShape {
  readonly dir: string
  readonly latest: Effect.Effect<Option.Option<Census>>
  /** Saves and applies retention; returns the snapshot's path, or none when it could not be written. */
  readonly save: (census: Census) => Effect.Effect<Option.Option<string>>
}

export class CensusStore extends Context.Tag("homelab-mcp/CensusStore")<CensusStore, CensusStoreShape>() {}
