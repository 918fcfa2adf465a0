import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { Census } from "../domain/Census.js"
import { AppConfig } from "../services/AppConfig.js"
import { CensusStore } from "../services/CensusStore.js"

const decode = Schema.decodeUnknown(Schema.parseJson(Census))
const fileName = (ts: string) => `${ts.replace(/[:.]/g, "-")}.json`

export const makeCensusStore = (dir: string, retention = 30) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const names = fs.readDirectory(dir).pipe(
      Effect.map((all) => all.filter((n) => n.endsWith(".json")).sort()),
      Effect.orElseSucceed((): ReadonlyArray<string> => [])
    )
    const latest = Effect.gen(function*() {
      const all = yield* names
      for (const name of [...all].reverse()) {
        const parsed = yield* fs.readFileString(`${dir}/${name}`).pipe(Effect.flatMap(decode), Effect.option)
        if (Option.isSome(parsed)) return parsed
      }
      return Option.none<Census>()
    })
    const save = (census: Census) =>
      Effect.gen(function*() {
        yield* fs.makeDirectory(dir, { recursive: true, mode: 0o700 })
        const path = `${dir}/${fileName(census.ts)}`
        const tmp = `${path}.tmp`
        yield* fs.writeFileString(tmp, JSON.stringify(census, null, 2), { mode: 0o600 })
        yield* fs.rename(tmp, path)
        const all = yield* names
        yield* Effect.forEach(all.slice(0, Math.max(0, all.length - retention)), (n) => fs.remove(`${dir}/${n}`))
        return Option.some(path)
      }).pipe(
        Effect.catchAll((e) =>
          Effect.logWarning(`census snapshot not saved in ${dir}: ${e.message}`).pipe(Effect.as(Option.none<string>()))
        )
      )
    return CensusStore.of({ dir, latest, save })
  })

export const CensusStoreFs = Layer.effect(
  CensusStore,
  Effect.flatMap(AppConfig, (config) => makeCensusStore(config.censusDir, config.census.retentionCap))
)
