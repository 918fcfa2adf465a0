import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SetupApiLive } from "../../../src/tools/setup/ApiLive.js"
import { SetupApi } from "../../../src/tools/setup/Ports.js"
import { fingerprintOfCert, json, startServer } from "../../support/PveTlsServer.js"

describe("setup's API client", () => {
  it.live("pins from a bare handshake, then sends the token only to that certificate", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => startServer("a", () => json({ "/": { "Sys.Audit": 1 } })))
      yield* Effect.addFinalizer(() => Effect.promise(() => server.close()))
      const api = yield* SetupApi
      const pin = yield* api.certificate("127.0.0.1", server.port)
      expect(pin).toBe(fingerprintOfCert("a"))
      expect(server.requests).toEqual([])
      const call = {
        host: "127.0.0.1",
        port: server.port,
        pin,
        tokenId: "mcp@pve!observe",
        path: "/access/permissions"
      }
      const reply = yield* api.get({ ...call, secret: Redacted.make("s3cret") })
      expect(reply).toEqual({ status: 200, body: { data: { "/": { "Sys.Audit": 1 } } } })
      expect(server.requests[0]?.target).toBe("/api2/json/access/permissions")
      expect(server.requests[0]?.headers.get("authorization")).toBe("PVEAPIToken=mcp@pve!observe=s3cret")
      server.useCert("b")
      const refused = yield* Effect.flip(api.get({ ...call, secret: Redacted.make("s3cret") }))
      expect(refused.message).toContain(`not the pinned ${pin}`)
      expect(server.requests).toHaveLength(1)
    }).pipe(Effect.scoped, Effect.provide(SetupApiLive)))
})
