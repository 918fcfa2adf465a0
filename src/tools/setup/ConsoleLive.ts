import { Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { Writable } from "node:stream"
import type { ClientRun } from "./Ports.js"
import { SetupClient, SetupConsole, SetupFailed } from "./Ports.js"

/**
 * The terminal: questions and progress on stderr, answers from stdin (line by line, so a piped or pasted block
 * is read in order), nothing on stdout but the product. A secret answer is not echoed.
 */

const ended = () => new SetupFailed({ message: "stdin ended before setup had its answer; nothing more was changed" })

export const SetupConsoleLive = Layer.scoped(
  SetupConsole,
  Effect.gen(function*() {
    const muted = { on: false }
    const echo = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (!muted.on) process.stderr.write(chunk)
        callback()
      }
    })
    const rl = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createInterface({ input: process.stdin, output: echo, terminal: process.stdin.isTTY === true })
      ),
      (rl) => Effect.sync(() => rl.close())
    )
    const queued: Array<string> = []
    let closed = false
    let waiter: ((line: string | undefined) => void) | undefined
    rl.on("line", (line) => (waiter === undefined ? queued.push(line) : waiter(line)))
    rl.on("close", () => {
      closed = true
      waiter?.(undefined)
    })
    const nextLine = Effect.async<string, SetupFailed>((resume) => {
      const line = queued.shift()
      if (line !== undefined) return resume(Effect.succeed(line))
      if (closed) return resume(Effect.fail(ended()))
      waiter = (l) => {
        waiter = undefined
        resume(l === undefined ? Effect.fail(ended()) : Effect.succeed(l))
      }
    })
    const write = (stream: NodeJS.WriteStream) => (text: string) => Effect.sync(() => void stream.write(text))
    return {
      info: write(process.stderr),
      out: write(process.stdout),
      ask: (question, secret = false) =>
        Effect.sync(() => {
          process.stderr.write(question)
          muted.on = secret
        }).pipe(
          Effect.zipRight(nextLine),
          Effect.ensuring(Effect.sync(() => {
            if (muted.on) process.stderr.write("\n")
            muted.on = false
          }))
        ),
      readBlock: (end) =>
        Effect.gen(function*() {
          const lines: Array<string> = []
          for (;;) {
            const line = yield* nextLine
            lines.push(line)
            if (line.trim() === end) return lines.join("\n")
          }
        })
    }
  })
)

/** `claude …` with its output collected (it goes to stderr if shown at all, never to our stdout). */
export const SetupClientLive = Layer.succeed(SetupClient, {
  claude: (args) =>
    Effect.async<ClientRun>((callback) => {
      let settled = false
      const resume = (run: ClientRun) => {
        if (settled) return
        settled = true
        callback(Effect.succeed(run))
      }
      const child = spawn("claude", [...args], { stdio: ["ignore", "pipe", "pipe"] })
      const output: Array<Buffer> = []
      child.stdout.on("data", (d: Buffer) => output.push(d))
      child.stderr.on("data", (d: Buffer) => output.push(d))
      child.once("error", (e: Error & { code?: string }) =>
        resume(e.code === "ENOENT" ? { _tag: "Missing" } : { _tag: "Ran", code: 127, output: e.message }))
      child.once("close", (code) =>
        resume({ _tag: "Ran", code: code ?? 1, output: Buffer.concat(output).toString("utf8") }))
    })
})
