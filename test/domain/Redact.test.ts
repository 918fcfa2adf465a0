import { describe, expect, it } from "@effect/vitest"
import { isSecretKey, REDACTED, redactText, redactValue, stripControl } from "../../src/domain/Redact.js"

const UUID = "9f0c2b1e-4d3a-4c5b-8e7f-0a1b2c3d4e5f"

/** The plaintext must be gone, not merely accompanied by a marker. */
const gone = (input: string, secrets: ReadonlyArray<string>, extraKeys: ReadonlyArray<string> = []) => {
  const { count, text } = redactText(input, extraKeys)
  for (const s of secrets) expect(text).not.toContain(s)
  expect(text).toContain(REDACTED)
  expect(count).toBeGreaterThan(0)
  return text
}

describe("redactText", () => {
  it("redacts a multi-word Authorization header value to the end of the line", () => {
    const text = gone("GET / HTTP/1.1\nAuthorization: Bearer abc.def ghi-jkl\nHost: pve", [
      "abc.def",
      "ghi-jkl",
      "Bearer"
    ])
    expect(text).toBe(`GET / HTTP/1.1\nAuthorization: ${REDACTED}\nHost: pve`)
  })

  it("redacts PVE API token headers and bare PVE tokens, keeping the token id", () => {
    gone(`curl -H "Authorization: PVEAPIToken=root@pam!mcp=${UUID}" https://pve:8006`, [UUID])
    expect(gone(`PVEAPIToken=mcp@pve!observe=${UUID}`, [UUID])).toBe(`PVEAPIToken=mcp@pve!observe=${REDACTED}`)
    gone(`token mcp@pve!observe: ${UUID}`, [UUID])
    gone(`Proxy-Authorization: Basic dXNlcjpwYXNz\nx-api-key: k-123 456\nX-Auth-Token: t 1`, [
      "dXNl",
      "k-123",
      "456",
      "t 1"
    ])
  })

  it("redacts key=value and key: value pairs for secret-ish names", () => {
    const text = gone("export DB_PASSWORD=hunter2 USER=bob API_TOKEN='two words'", ["hunter2", "two words"])
    expect(text).toContain("USER=bob")
    gone("passwd=p1 secret=s1 apikey=a1 api_key=a2 access-key=a3 private_key=a4 client_secret=c1", [
      "p1",
      "s1",
      "a1",
      "a2",
      "a3",
      "a4",
      "c1"
    ])
    gone("credentials: correct horse battery staple", ["correct", "horse", "staple"])
    gone("auth_header = xyz", ["xyz"])
    expect(gone(`{"password":"a\\"b","user":"bob"}`, ["a\\\"b"])).toBe(`{"password":"${REDACTED}","user":"bob"}`)
    gone("wireguard_private_key = wg-key-9 psk=ps9", ["wg-key-9", "ps9"])
    gone("mysql --password hunter3 -u root", ["hunter3"])
  })

  it("redacts URL credentials, keeping the user", () => {
    expect(gone("postgres://admin:s3cr3t@db:5432/app", ["s3cr3t"])).toBe(`postgres://admin:${REDACTED}@db:5432/app`)
    gone("https://u:p@ss:w0rd@example.com/x", ["p@ss", "w0rd"])
  })

  it("redacts AWS, GitHub and JWT-like tokens", () => {
    gone("key AKIAIOSFODNN7EXAMPLE here", ["AKIAIOSFODNN7EXAMPLE"])
    gone("ghp_0123456789abcdefghijABCDEFGHIJ012345 and github_pat_11ABCDEFG0123456789_abcdefghijklmnop", [
      "ghp_0123",
      "github_pat_11"
    ])
    gone("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end", ["eyJhbGci", "c2lnbmF0dXJl"])
  })

  it("redacts PEM private key blocks, also when the END line is missing", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
    expect(gone(`before\n${pem}\nafter`, ["b3BlbnNzaC1rZXk", "AAAA"])).toBe(`before\n${REDACTED}\nafter`)
    gone("-----BEGIN RSA PRIVATE KEY-----\nMIIEtorn", ["MIIEtorn"])
  })

  it("leaves ordinary text alone and honours extra keys, escaped literally", () => {
    expect(redactText("status: running, vmid=100, ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI")).toEqual({
      text: "status: running, vmid=100, ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI",
      count: 0
    })
    gone("smtp_relay=host1 a.b=2", ["host1"], ["smtp_relay"])
    expect(redactText("axb=1", ["a.b"]).count).toBe(0)
    expect(redactText("name=x", [""]).count).toBe(0)
  })
})

describe("redactValue", () => {
  it("redacts secret keys whole and walks nested values", () => {
    const input = {
      vmid: 100,
      Password: "hunter2",
      nested: { apiToken: { id: "t1", value: "tok-XYZ" }, list: ["secret=s3", "plain"] },
      cipassword: null
    }
    const { count, value } = redactValue(input)
    const json = JSON.stringify(value)
    for (const s of ["hunter2", "tok-XYZ", "s3"]) expect(json).not.toContain(s)
    expect(value).toEqual({
      vmid: 100,
      Password: REDACTED,
      nested: { apiToken: REDACTED, list: [`secret=${REDACTED}`, "plain"] },
      cipassword: null
    })
    expect(count).toBe(3)
    expect(isSecretKey("author")).toBe(true)
    expect(redactValue({ mykey: "v" }, ["mykey"]).value).toEqual({ mykey: REDACTED })
  })
})

describe("stripControl", () => {
  it("removes control, bidi and zero-width characters but keeps newline and tab", () => {
    const input = "a\u0000b\tc\nd\r\u001be\u007f\u0085f\u202eg\u2066h\u200bi\ufeffj"
    expect(stripControl(input)).toBe("ab\tc\ndefghij")
    expect(stripControl("plain ünïcödé ✓")).toBe("plain ünïcödé ✓")
  })
})

describe("redaction gaps found by the hostile-output audit", () => {
  it("strips Unicode tag characters and redacts token.cfg lines", () => {
    expect(stripControl("a\u{E0041}\u{E007F}b")).toBe("ab")
    const line = redactText("mcp@pve!tok 5e1f0c9a-7d3b-4b7e-9c1a-0badc0ffee42")
    expect(line.count).toBe(1)
    expect(line.text).not.toContain("5e1f0c9a")
    expect(line.text).toContain("mcp@pve!tok")
  })
})
