import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { decidePin, fingerprintOf, normalizeFingerprint } from "../../src/domain/Fingerprint.js"

// sha256("hello")
const B64 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"
const HEX = "2C:F2:4D:BA:5F:B0:A3:0E:26:E8:3B:2A:C5:B9:E2:9E:1B:16:1E:5C:1F:A7:42:5E:73:04:33:62:93:8B:98:24"
const FP = `SHA256:${B64}`
const OTHER = fingerprintOf(Buffer.from("other"))

describe("normalizeFingerprint", () => {
  const accepted: ReadonlyArray<readonly [string, string]> = [
    ["canonical", FP],
    ["lower-case prefix with padding", `sha256:${B64}=`],
    ["bare base64", B64],
    ["bare base64 with padding and spaces", `  ${B64}=\n`],
    ["ssh-keygen -lf line", `256 SHA256:${B64} root@pve (ED25519)`],
    ["colon hex, upper case", HEX],
    ["colon hex, lower case", HEX.toLowerCase()],
    ["openssl x509 -fingerprint line", `sha256 Fingerprint=${HEX}`],
    ["old openssl line", `SHA256 Fingerprint=${HEX}`],
    ["plain hex", HEX.replace(/:/g, "")]
  ]
  for (const [name, input] of accepted) {
    it(`accepts ${name}`, () => expect(normalizeFingerprint(input)).toStrictEqual(Option.some(FP)))
  }

  const rejected: ReadonlyArray<readonly [string, string]> = [
    ["empty", ""],
    ["too short base64", "SHA256:abc"],
    ["base64 of 31 bytes", Buffer.alloc(31, 1).toString("base64")],
    ["non-canonical last character", `SHA256:${B64.slice(0, -1)}R`],
    ["MD5 colon hex (16 bytes)", HEX.split(":").slice(0, 16).join(":")],
    ["31-byte colon hex", HEX.split(":").slice(0, 31).join(":")],
    ["other algorithm token", `256 MD5:${B64} root@pve`],
    ["garbage", "not a fingerprint"]
  ]
  for (const [name, input] of rejected) {
    it(`rejects ${name}`, () => expect(normalizeFingerprint(input)).toStrictEqual(Option.none()))
  }

  it("fingerprintOf a certificate agrees with openssl's colon-hex output", () => {
    const pem = readFileSync(join(import.meta.dirname, "..", "fixtures", "tls", "a.pem"), "utf8")
    const cert = new X509Certificate(pem)
    expect(fingerprintOf(cert.raw)).toBe(Option.getOrThrow(normalizeFingerprint(cert.fingerprint256)))
    expect(fingerprintOf(cert.raw)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it("fingerprintOf has no padding", () => expect(fingerprintOf(Buffer.from("hello"))).toBe(FP))
})

describe("decidePin", () => {
  const none = Option.none<string>()
  it("explicit pin, match: accept", () =>
    expect(decidePin({ pinned: Option.some(FP), recorded: none, presented: FP })).toStrictEqual({ _tag: "Accept" }))
  it("explicit pin, mismatch: refuse even when the store agrees", () =>
    expect(decidePin({ pinned: Option.some(FP), recorded: Option.some(OTHER), presented: OTHER })).toStrictEqual({
      _tag: "Refuse",
      expected: FP,
      source: "pin"
    }))
  it("explicit pin wins over a stale store", () =>
    expect(decidePin({ pinned: Option.some(FP), recorded: Option.some(OTHER), presented: FP })).toStrictEqual({
      _tag: "Accept"
    }))
  it("no pin, recorded match: accept", () =>
    expect(decidePin({ pinned: none, recorded: Option.some(FP), presented: FP })).toStrictEqual({ _tag: "Accept" }))
  it("no pin, recorded in another accepted form: accept", () =>
    expect(decidePin({ pinned: none, recorded: Option.some(HEX), presented: FP })).toStrictEqual({ _tag: "Accept" }))
  it("no pin, recorded mismatch: refuse from the store", () =>
    expect(decidePin({ pinned: none, recorded: Option.some(FP), presented: OTHER })).toStrictEqual({
      _tag: "Refuse",
      expected: FP,
      source: "store"
    }))
  it("no pin, nothing recorded: accept and record", () =>
    expect(decidePin({ pinned: none, recorded: none, presented: FP })).toStrictEqual({ _tag: "AcceptAndRecord" }))
})
