import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Connection } from "ssh2"
import ssh2 from "ssh2"
import type { RootAuth } from "../../../src/tools/setup/Ports.js"
import { connectRoot } from "../../../src/tools/setup/SshBootstrap.js"
import { ed25519, fingerprintOfKey } from "../../support/FakeSshNode.js"

/** An in-process sshd for root: password `pw` or one client key; `echo hi` and `fail` as commands. */
const hostKey = ed25519()
const clientKey = ed25519()
const auths: Array<string> = []
let port = 0
let server: ssh2.Server

beforeAll(async () => {
  const allowed = ssh2.utils.parseKey(clientKey.public)
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (conn: Connection) => {
    conn.on("error", () => undefined)
    conn.on("authentication", (ctx) => {
      if (ctx.method !== "none") auths.push(ctx.method)
      if (ctx.method === "password" && ctx.username === "root" && ctx.password === "pw") return ctx.accept()
      if (ctx.method === "publickey" && !(allowed instanceof Error) && !Array.isArray(allowed)) {
        if (ctx.key.data.equals(allowed.getPublicSSH())) return ctx.accept()
      }
      ctx.reject(["password", "publickey"])
    })
    conn.on("ready", () =>
      conn.on("session", (accept) =>
        accept().on("exec", (acceptExec, _reject, info) => {
          const ch = acceptExec()
          if (info.command === "echo hi") ch.write("hi\n")
          else ch.stderr.write("oops\n")
          ch.exit(info.command === "echo hi" ? 0 : 3)
          ch.end()
        })))
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()))
  port = (server.address() as AddressInfo).port
})

afterAll(() => new Promise<void>((done) => server.close(() => done())))

const connect = (auth: RootAuth, accept: boolean, seen: Array<string> = []) =>
  connectRoot({
    host: "127.0.0.1",
    port,
    auth,
    confirmHostKey: (fp) => Effect.sync(() => (seen.push(fp), accept))
  })

const password = (pw: string): RootAuth => ({ _tag: "Password", password: Redacted.make(pw) })

describe("auto-mode root connection", () => {
  it.live("shows the ed25519 host key before authenticating, then runs commands", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const node = yield* connect(password("pw"), true, seen)
      expect(seen).toEqual([fingerprintOfKey(hostKey)])
      expect(node.hostKey).toBe(fingerprintOfKey(hostKey))
      expect(yield* node.run("echo hi")).toEqual({ stdout: "hi\n", stderr: "", code: 0 })
      expect(yield* node.run("fail")).toEqual({ stdout: "", stderr: "oops\n", code: 3 })
    }).pipe(Effect.scoped))

  it.live("a refused host key sends no credential", () =>
    Effect.gen(function*() {
      auths.length = 0
      const failed = yield* Effect.flip(Effect.scoped(connect(password("pw"), false)))
      expect(failed.message).toContain("was not confirmed; nothing was sent")
      expect(auths).toEqual([])
    }))

  it.live("a wrong password is named; a bootstrap key works instead of a password", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.flip(Effect.scoped(connect(password("nope"), true)))
      expect(failed.message).toContain("root login to 127.0.0.1")
      const path = join(mkdtempSync(join(tmpdir(), "homelab-mcp-key-")), "root_key")
      writeFileSync(path, clientKey.private, { mode: 0o600 })
      const node = yield* connect({ _tag: "Key", path }, true)
      expect((yield* node.run("echo hi")).code).toBe(0)
    }).pipe(Effect.scoped))
})
