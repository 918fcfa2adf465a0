import { afterEach, describe, expect, it } from "vitest"
import type { RawServer } from "../support/RawServer.js"
import { INIT, INITIALIZED, startRaw } from "../support/RawServer.js"

let servers: Array<RawServer> = []
const start = () => {
  const s = startRaw()
  servers.push(s)
  s.send(INIT)
  s.send(INITIALIZED)
  return s
}
afterEach(() => {
  for (const s of servers) s.child.kill("SIGKILL")
  servers = []
})

const call = (id: number, name: string, args: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } })

describe("MCP protocol abuse (security.md §4.J)", () => {
  it("J1/J2: skips garbage, non-JSON-RPC JSON, id-less calls and batches, then still answers", async () => {
    const s = start()
    await s.response(1)
    s.send("{not json")
    s.send(JSON.stringify({ hello: "world" }))
    s.send(JSON.stringify({ jsonrpc: "2.0", method: "tools/call", params: { name: "pct_list", arguments: {} } }))
    s.send(JSON.stringify([{ jsonrpc: "2.0", id: 7, method: "tools/list" }]))
    s.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }))
    const listed = await s.response(2)
    expect((listed.result as { tools: Array<unknown> }).tools.length).toBe(8)
    for (const line of s.stdoutLines()) expect(() => JSON.parse(line)).not.toThrow()
  })

  it("J3: a call before initialize and an unknown protocol version get answers, and the server keeps going", async () => {
    const s = startRaw()
    servers.push(s)
    s.send(call(11, "pct_list", {}))
    const early = await s.response(11)
    expect(early.error !== undefined || early.result !== undefined).toBe(true)
    s.send(JSON.stringify({
      jsonrpc: "2.0",
      id: 12,
      method: "initialize",
      params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "old", version: "0" } }
    }))
    const init = await s.response(12)
    // The server answers with a version it supports instead of echoing an unknown one.
    expect((init.result as { protocolVersion?: string }).protocolVersion).not.toBe("1999-01-01")
    s.send(INITIALIZED)
    s.send(JSON.stringify({ jsonrpc: "2.0", id: 13, method: "tools/list" }))
    expect(((await s.response(13)).result as { tools: Array<unknown> }).tools.length).toBe(8)
  })

  it("J5: deep nesting and 1e309 are refused as arguments without crashing", async () => {
    const s = start()
    await s.response(1)
    s.send(
      `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"qm_agent_ping","arguments":{"vmid":1e309}}}`
    )
    const inf = await s.response(3)
    expect(JSON.stringify(inf)).toMatch(/INVALID_ARGUMENTS/)
    const deep = "[".repeat(100_000) + "]".repeat(100_000)
    s.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"pct_list","arguments":{"x":${deep}}}}`)
    s.send(call(5, "pct_list", {}))
    const after = await s.response(5)
    expect((after.result as { isError?: boolean }).isError).toBeFalsy()
  })

  it("J6: a 1 MiB argument is refused by the schema with the limit in the message", async () => {
    const s = start()
    await s.response(1)
    s.send(call(6, "list_backups", { path: `/${"a".repeat(1024 * 1024)}` }))
    const r = await s.response(6)
    expect(JSON.stringify(r)).toMatch(/INVALID_ARGUMENTS.*4096/)
  })

  it("J4: an enormous line does not hang the server: it answers afterwards or exits cleanly", async () => {
    const s = start()
    await s.response(1)
    s.send(`{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"pad":"${"x".repeat(12 * 1024 * 1024)}"}}`)
    s.send(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }))
    const outcome = await Promise.race([
      s.response(9, 15_000).then(() => "answered"),
      s.exited.then((code) => `exited ${code}`)
    ])
    expect(["answered", "exited 0"]).toContain(outcome)
  }, 30_000)

  it("J9: stdin EOF during a call ends the process cleanly", async () => {
    const s = start()
    await s.response(1)
    s.send(call(10, "describe_homelab", { saveSnapshot: false }))
    s.child.stdin.end()
    expect(await s.exited).toBe(0)
  })
})
