import type { AddressInfo } from "node:net"
import type { Connection, ServerChannel } from "ssh2"
import ssh2 from "ssh2"
import type { KeyPair } from "./FakeSshNode.js"
import { unquote } from "./FakeSshNode.js"

/**
 * An in-process ssh2 server whose exec behaviour the test supplies: the handler gets the unwrapped script (inside the
 * transport's `timeout … bash -c` wrapper) and the raw channel, so it can send binary bytes, never close, trickle,
 * and so on. Any public key is accepted (authentication is not what these tests look at). PTY requests are counted.
 */
export interface HostileStats {
  connections: number
  openChannels: number
  ptyRequests: number
  readonly commands: Array<string>
}

export type ExecHandler = (script: string, ch: ServerChannel, conn: Connection) => void

export interface HostileNode {
  readonly port: number
  readonly stats: HostileStats
  readonly close: () => Promise<void>
}

const WRAPPER = /^timeout --signal=TERM --kill-after=5 (\d+) bash -c (.*)$/s

export const startHostileNode = (hostKey: KeyPair, handler: ExecHandler): Promise<HostileNode> => {
  const stats: HostileStats = { connections: 0, openChannels: 0, ptyRequests: 0, commands: [] }
  const conns = new Set<Connection>()
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (conn) => {
    stats.connections++
    conns.add(conn)
    conn.on("close", () => conns.delete(conn))
    conn.on("error", () => undefined)
    conn.on("authentication", (ctx) => (ctx.method === "publickey" ? ctx.accept() : ctx.reject(["publickey"])))
    conn.on("ready", () => {
      conn.on("session", (accept) => {
        const session = accept()
        stats.openChannels++
        session.on("close", () => stats.openChannels--)
        session.on("pty", (acceptPty) => {
          stats.ptyRequests++
          acceptPty()
        })
        session.on("exec", (acceptExec, _reject, info) => {
          const ch = acceptExec()
          ch.on("error", () => undefined)
          stats.commands.push(info.command)
          const m = WRAPPER.exec(info.command)
          if (m === null) {
            ch.stderr.write("not wrapped in timeout\n")
            ch.exit(127)
            return ch.end()
          }
          handler(unquote(m[2] ?? ""), ch, conn)
        })
      })
    })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
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

/** Writes `total` bytes of `chunk` repeated, honouring back-pressure, then calls `then`. */
export const pump = (ch: ServerChannel, chunk: Buffer, total: number, then: () => void) => {
  let sent = 0
  const step = () => {
    while (sent < total) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
      sent += piece.length
      if (!ch.write(piece)) return void ch.once("drain", step)
    }
    then()
  }
  step()
}
