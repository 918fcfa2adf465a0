import { timingSafeEqual } from "node:crypto"
import type { AddressInfo } from "node:net"
import type { Connection, ParsedKey, ServerChannel } from "ssh2"
import ssh2 from "ssh2"
import { fingerprintOf } from "../../src/domain/Fingerprint.js"

/**
 * An in-process ssh2 server standing in for a PVE node: ed25519 (or other) host key, public-key client auth, and an
 * exec handler that understands the transport's `timeout … bash -c '<script>'` wrapper and a few fake scripts.
 */
export interface KeyPair {
  readonly private: string
  readonly public: string
}

export const ed25519 = (): KeyPair => ssh2.utils.generateKeyPairSync("ed25519")
export const ecdsa = (): KeyPair => ssh2.utils.generateKeyPairSync("ecdsa", { bits: 256 })

const parsed = (text: string): ParsedKey => {
  const key = ssh2.utils.parseKey(text)
  const first = Array.isArray(key) ? key[0] : key
  if (first === undefined || first instanceof Error) throw new Error("bad test key")
  return first
}

/** `SHA256:<b64>` of a public key, as OpenSSH prints it. */
export const fingerprintOfKey = (pair: KeyPair): string => fingerprintOf(parsed(pair.public).getPublicSSH())

export interface NodeStats {
  connections: number
  /** Authentication requests other than "none". */
  auths: number
  openChannels: number
  maxOpenChannels: number
  readonly commands: Array<string>
}

export interface FakeNode {
  readonly port: number
  readonly stats: NodeStats
  readonly close: () => Promise<void>
}

const WRAPPER = /^timeout --signal=TERM --kill-after=5 (\d+) bash -c (.*)$/s

/** Reads one POSIX shell word made of bare characters, '…' runs and \-escapes (what shQuote produces). */
export const unquote = (word: string): string => {
  let out = ""
  for (let i = 0; i < word.length; i++) {
    const c = word[i]
    if (c === "'") {
      const end = word.indexOf("'", i + 1)
      out += word.slice(i + 1, end)
      i = end
    } else if (c === "\\") {
      out += word[++i] ?? ""
    } else {
      out += c
    }
  }
  return out
}

const finish = (ch: ServerChannel, code: number, stdout = "", stderr = "") => {
  // stderr first: the ssh2 server drops extended data still queued behind a full window when the channel ends.
  if (stderr !== "") ch.stderr.write(stderr)
  if (stdout !== "") ch.write(stdout)
  ch.exit(code)
  ch.end()
}

const runScript = (script: string, ch: ServerChannel, conn: Connection) => {
  if (script === "echo hi") return finish(ch, 0, "hi\n")
  if (script === "fail") return finish(ch, 3, "partial\n", "oops\n")
  if (script === "exit 124") return finish(ch, 124)
  if (script === "big") return finish(ch, 0, "x".repeat(5 * 1024 * 1024), "e".repeat(100))
  if (script === "killed") {
    ch.exit("KILL")
    return ch.end()
  }
  if (script === "slow") return void setTimeout(() => finish(ch, 0, "done\n"), 150)
  if (script === "drop") return void setTimeout(() => conn.end(), 50)
  if (script === "cat") {
    const chunks: Array<Buffer> = []
    ch.on("data", (d: Buffer) => chunks.push(d))
    ch.on("end", () => finish(ch, 0, Buffer.concat(chunks).toString("utf8")))
    return
  }
  if (script === "hang") return
  finish(ch, 127, "", `unknown fake script: ${script}\n`)
}

export const startFakeNode = (opts: {
  readonly hostKey: KeyPair
  readonly clientKey: KeyPair
  readonly port?: number
}): Promise<FakeNode> => {
  const allowed = parsed(opts.clientKey.public)
  const stats: NodeStats = { connections: 0, auths: 0, openChannels: 0, maxOpenChannels: 0, commands: [] }
  const conns = new Set<Connection>()
  const server = new ssh2.Server({ hostKeys: [opts.hostKey.private] }, (conn) => {
    stats.connections++
    conns.add(conn)
    conn.on("close", () => conns.delete(conn))
    conn.on("error", () => undefined) // Not in @types/ssh2, but on every Connection: no Nagle delay on loopback round trips.
    ;(conn as Connection & { setNoDelay: (on: boolean) => void }).setNoDelay(true)
    conn.on("authentication", (ctx) => {
      if (ctx.method !== "none") stats.auths++
      if (ctx.method !== "publickey") return ctx.reject(["publickey"])
      const data = allowed.getPublicSSH()
      const same = ctx.key.algo === allowed.type && ctx.key.data.length === data.length &&
        timingSafeEqual(ctx.key.data, data)
      if (!same) return ctx.reject(["publickey"])
      if (ctx.signature === undefined) return ctx.accept()
      return allowed.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) === true
        ? ctx.accept()
        : ctx.reject(["publickey"])
    })
    conn.on("ready", () => {
      conn.on("session", (accept) => {
        const session = accept()
        stats.openChannels++
        stats.maxOpenChannels = Math.max(stats.maxOpenChannels, stats.openChannels)
        session.on("close", () => stats.openChannels--)
        session.on("exec", (acceptExec, _reject, info) => {
          // "stall": never answer the exec request and never close, like sshd whose session wrapper hangs.
          if (info.command.includes("stall")) return void stats.commands.push(info.command)
          const ch = acceptExec()
          stats.commands.push(info.command)
          const m = WRAPPER.exec(info.command)
          if (m === null) return finish(ch, 127, "", "not wrapped in timeout\n")
          runScript(unquote(m[2] ?? ""), ch, conn)
        })
      })
    })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        port,
        stats,
        close: () =>
          new Promise<void>((done) => {
            for (const c of conns) c.end()
            server.close(() => done())
          })
      })
    })
  })
}
