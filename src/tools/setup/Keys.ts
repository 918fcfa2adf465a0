import { Effect, Option } from "effect"
import { promises as fsp } from "node:fs"
import { dirname, join } from "node:path"
import ssh2 from "ssh2"
import { SetupFailed } from "./Ports.js"

/**
 * The dedicated companion key: generated here (ed25519), kept at `<data>/ssh/id_ed25519` (0600), installed in the
 * node's `/root/.ssh/authorized_keys` with the comment `homelab-mcp@<client host>`, removed again on a downgrade.
 */

export interface LocalKey {
  /** OpenSSH private key text. */
  readonly privateKey: string
  /** The authorized_keys line: `ssh-ed25519 <blob> <comment>`. */
  readonly publicLine: string
  readonly blob: string
}

export const KEY_MARK = "homelab-mcp"

/** `homelab-mcp@<host>`: one line per client machine, so one machine's downgrade leaves the others' keys alone. */
export const keyComment = (clientHost: string): string =>
  `${KEY_MARK}@${clientHost.replace(/[^A-Za-z0-9._-]/g, "-") || "client"}`

export const localKeyPath = (dataDir: string): string => join(dataDir, "ssh", "id_ed25519")

/** The key type, blob and comment of an authorized_keys line (options before the type are skipped). */
export const parseKeyLine = (line: string): Option.Option<{ readonly blob: string; readonly comment: string }> => {
  const words = line.trim().split(/\s+/)
  const at = words.findIndex((w) => /^(ssh-|ecdsa-|sk-)/.test(w))
  const blob = at < 0 ? undefined : words[at + 1]
  return line.trim().startsWith("#") || blob === undefined
    ? Option.none()
    : Option.some({ blob, comment: words.slice(at + 2).join(" ") })
}

/** The lines of `text` that are this client's key: its blob, or (when the local key is lost) its comment. */
export const ownKeyLines = (
  text: string,
  mark: { readonly comment: string; readonly blob: Option.Option<string> }
): ReadonlyArray<string> =>
  text.split("\n").filter((line) =>
    Option.match(parseKeyLine(line), {
      onNone: () => false,
      onSome: (k) => k.comment === mark.comment || Option.contains(mark.blob, k.blob)
    })
  )

export const generateKey = (comment: string): LocalKey => {
  const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment })
  const blob = pair.public.trim().split(/\s+/)[1] ?? ""
  return { privateKey: pair.private, publicLine: `ssh-ed25519 ${blob} ${comment}`, blob }
}

const failed = (what: string, path: string) => (e: unknown) =>
  new SetupFailed({
    message: `cannot ${what} ${path}: ${
      typeof e === "object" && e !== null && "code" in e ? String(e.code) : String(e)
    }`
  })

/** The local key, when there is one (its public line rebuilt from the private key). */
export const readLocalKey = (dataDir: string, comment: string): Effect.Effect<Option.Option<LocalKey>, SetupFailed> => {
  const path = localKeyPath(dataDir)
  return Effect.tryPromise({ try: () => fsp.readFile(path, "utf8"), catch: (e) => e }).pipe(
    Effect.map((text) => {
      const parsed = ssh2.utils.parseKey(text)
      const key = Array.isArray(parsed) ? parsed[0] : parsed
      if (key === undefined || key instanceof Error || !key.isPrivateKey()) return Option.none<LocalKey>()
      const blob = key.getPublicSSH().toString("base64")
      return Option.some({ privateKey: text, publicLine: `ssh-ed25519 ${blob} ${comment}`, blob })
    }),
    Effect.catchAll((e) =>
      typeof e === "object" && e !== null && "code" in e && e.code === "ENOENT"
        ? Effect.succeed(Option.none<LocalKey>())
        : Effect.fail(failed("read the SSH key", path)(e))
    )
  )
}

/** Writes the key pair: directory 0700, private key 0600 (created exclusively: never overwrites a key). */
export const writeLocalKey = (dataDir: string, key: LocalKey): Effect.Effect<void, SetupFailed> => {
  const path = localKeyPath(dataDir)
  return Effect.tryPromise({
    try: async () => {
      await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 })
      await fsp.writeFile(path, key.privateKey, { mode: 0o600, flag: "wx" })
      await fsp.writeFile(`${path}.pub`, `${key.publicLine}\n`, { mode: 0o644 })
    },
    catch: failed("write the SSH key", path)
  })
}

export const deleteLocalKey = (dataDir: string): Effect.Effect<void, SetupFailed> => {
  const path = localKeyPath(dataDir)
  return Effect.tryPromise({
    try: () => Promise.all([fsp.rm(path, { force: true }), fsp.rm(`${path}.pub`, { force: true })]),
    catch: failed("delete the SSH key", path)
  })
}
