import { Data, Duration, Effect } from "effect"
import type { Client as SshClient, ClientChannel } from "ssh2"
import { SshUnavailable } from "../../domain/Errors.js"

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024
/** How long closing a channel may wait for the server's CLOSE before the slot is given back anyway. */
const CLOSE_WAIT = Duration.seconds(2)

/** `client.exec` threw because the connection was already gone: the command was never sent, so it may be retried. */
export class NotConnected extends Data.TaggedError("NotConnected")<{ readonly client: SshClient }> {}

export interface ChannelOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
  readonly signal?: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
}

/** Keeps at most `cap` bytes of a stream; later bytes are read (so the channel drains) and dropped. */
const capped = (cap: number) => {
  const chunks: Array<Buffer> = []
  let size = 0
  let truncated = false
  return {
    push: (chunk: Buffer) => {
      const room = cap - size
      if (chunk.length > room) truncated = true
      if (room <= 0) return
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk
      chunks.push(kept)
      size += kept.length
    },
    text: () => Buffer.concat(chunks, size).toString("utf8"),
    truncated: () => truncated
  }
}

export interface ChannelRequest {
  readonly client: SshClient
  readonly endpoint: string
  readonly command: string
  readonly maxOutputBytes: number
  readonly stdin?: string | Uint8Array
}

/**
 * Runs one command on its own channel and resolves when the channel closes. Interruption (the caller's, or the
 * backstop's timeout) closes this channel only, and waits briefly for the server to confirm, so the channel slot is
 * really free when the effect ends. A connection lost mid-command is `SshUnavailable` with an unknown outcome.
 */
export const runChannel = (req: ChannelRequest): Effect.Effect<ChannelOutput, SshUnavailable | NotConnected> =>
  Effect.async<ChannelOutput, SshUnavailable | NotConnected>((resume) => {
    const { client, endpoint } = req
    const stdout = capped(req.maxOutputBytes)
    const stderr = capped(req.maxOutputBytes)
    let exit: { readonly code: number | null; readonly signal?: string } | undefined
    let stream: ClientChannel | undefined
    let closed = false
    let abandoned = false
    const onClosed: Array<() => void> = []
    let settled = false

    const markClosed = () => {
      closed = true
      client.off("close", onLost)
      for (const f of onClosed.splice(0)) f()
    }
    const settle = (effect: Effect.Effect<ChannelOutput, SshUnavailable | NotConnected>) => {
      if (settled) return
      settled = true
      resume(effect)
    }
    const lost = (why: string) =>
      settle(
        Effect.fail(new SshUnavailable({ message: `SSH to ${endpoint}: ${why}; the command's outcome is unknown` }))
      )
    const finish = () => {
      if (exit === undefined) return lost("the channel closed without an exit status")
      settle(Effect.succeed({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: exit.code,
        ...(exit.signal === undefined ? {} : { signal: exit.signal }),
        stdoutTruncated: stdout.truncated(),
        stderrTruncated: stderr.truncated()
      }))
    }
    function onLost() {
      markClosed()
      if (exit !== undefined) return finish()
      lost("the connection was lost while the command ran")
    }
    client.on("close", onLost)

    try {
      client.exec(req.command, (err, channel) => {
        if (err !== undefined && err !== null) {
          // Channel open or exec request refused (a lost connection is reported by onLost first): never started.
          markClosed()
          return settle(
            Effect.fail(
              new SshUnavailable({ message: `SSH to ${endpoint}: could not start the command (${err.message})` })
            )
          )
        }
        stream = channel
        channel.on("data", (chunk: Buffer) => stdout.push(chunk))
        channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk))
        channel.on("exit", (code: number | null, signal?: string) => {
          exit = code === null && signal !== undefined ? { code, signal } : { code }
        })
        channel.on("close", () => {
          markClosed()
          // ssh2 emits close after stdout has ended; stderr's last buffered chunks may still be on their way.
          const err = channel.stderr
          if (err.readableEnded || err.destroyed) return finish()
          err.once("end", finish)
          err.once("close", finish)
        })
        if (abandoned) return channel.close()
        channel.end(req.stdin === undefined ? undefined : Buffer.from(req.stdin))
      })
    } catch {
      markClosed()
      settle(Effect.fail(new NotConnected({ client })))
    }

    return Effect.async<void>((done) => {
      if (closed) return done(Effect.void)
      onClosed.push(() => done(Effect.void))
      if (stream === undefined) abandoned = true
      else stream.close()
    }).pipe(
      // This runs as the interruption handler, which is uninterruptible: without `interruptible` the timeout could
      // never stop the wait, and a server that never confirms the close (sshd with a hung child) would hang us.
      Effect.interruptible,
      Effect.timeout(CLOSE_WAIT),
      Effect.ignore
    )
  })
