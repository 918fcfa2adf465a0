/**
 * Path validation for every path parameter (spec §5.3, security.md §4.B) and the write-side protected set. Pure.
 *
 * Bytes are compared as given (ext4 treats NFC and NFD names as different files), so the returned path is the
 * caller's own path with only `//`, `.` and a trailing `/` removed. NFKC folding is used only to refuse lookalikes
 * of denied paths (`/ｐｒｏｃ/…`) and of `..` (`．．`), never to rewrite the path.
 */
import { Either } from "effect"
import { components, hasPathControl, isUnder, normalizeLexical, utf8Bytes } from "./guard/Text.js"

export const DEFAULT_PATH_DENYLIST: ReadonlyArray<string> = ["/proc", "/sys", "/dev"]
/** Linux PATH_MAX and NAME_MAX. */
export const MAX_PATH_BYTES = 4096
export const MAX_NAME_BYTES = 255
/** No real path is this deep; bounds the work and refuses `/a/a/a/…` padding. */
export const MAX_PATH_COMPONENTS = 256

export interface PathRules {
  /** When non-empty, the path must equal or lie below one of these prefixes. */
  readonly allow?: ReadonlyArray<string>
  /** The path must not equal or lie below any of these prefixes (default `/proc`, `/sys`, `/dev`). */
  readonly deny: ReadonlyArray<string>
}

const fail = (reason: string): Either.Either<string, string> => Either.left(reason)

/** Validates an absolute POSIX path; Right is the normalised path, Left the reason it was refused. */
export const validatePath = (path: string, rules: PathRules): Either.Either<string, string> => {
  if (path === "") return fail("path must not be empty")
  if (path.includes("\u0000")) return fail("path must not contain a NUL byte")
  if (hasPathControl(path)) {
    return fail("path must not contain control, zero-width or bidirectional-override characters")
  }
  if (!path.startsWith("/")) return fail("path must be absolute (POSIX), starting with /")
  if (utf8Bytes(path) > MAX_PATH_BYTES) return fail(`path is longer than ${MAX_PATH_BYTES} bytes`)
  const parts = components(path)
  const folded = components(path.normalize("NFKC"))
  if (parts.includes("..") || folded.includes("..")) return fail("path must not contain '..' components")
  if (parts.some((p) => utf8Bytes(p) > MAX_NAME_BYTES)) {
    return fail(`a path component is longer than ${MAX_NAME_BYTES} bytes`)
  }
  if (parts.length > MAX_PATH_COMPONENTS) return fail(`path has more than ${MAX_PATH_COMPONENTS} components`)
  const normalised = `/${parts.join("/")}`
  const lookalike = `/${folded.join("/")}`
  const denied = rules.deny.find((d) => isUnder(normalised, d) || isUnder(lookalike, d))
  if (denied !== undefined) return fail(`path is under the denied prefix ${normalizeLexical(denied)}`)
  const allow = rules.allow ?? []
  if (allow.length > 0 && !allow.some((a) => isUnder(normalised, a))) {
    return fail(`path is outside the allowed prefixes (${allow.map(normalizeLexical).join(", ")})`)
  }
  return Either.right(normalised)
}

/**
 * The write-side protected set: files that hold cluster membership, privileges or our own access channel. Writes,
 * moves and deletes of these are refused at every tier; reading them stays allowed (spec §12.1), and secret
 * redaction of reads is a separate concern (security.md §2.3 item 7). `*` matches exactly one path component.
 *
 * Decisions:
 * - `/etc/ssh/sshd_config` and `sshd_config.d` ARE protected: they carry `PermitRootLogin` and `AuthorizedKeysFile`
 *   (privilege), and a bad edit can cut the SSH channel every revert depends on. Hardening sshd stays a human job.
 * - Any file named `authorized_keys` / `authorized_keys2` is protected wherever it is: a new key is persistent
 *   access outside the audit trail. On PVE `/root/.ssh/authorized_keys` links to `/etc/pve/priv/authorized_keys`.
 * - The rest of `/etc/pve` (storage.cfg, guest configs) is NOT protected here: `write_file` backs the old content
 *   up and audits it, so such edits are revertible. Shell commands get the whole of `/etc/pve` (CommandGuard).
 */
export const PROTECTED_PATHS: ReadonlyArray<string> = [
  "/etc/pve/priv", // authkey.key, token.cfg (all API token secrets), shadow.cfg, storage passwords, tfa.cfg
  "/etc/pve/user.cfg", // users, groups, roles, ACLs, tokens
  "/etc/pve/domains.cfg", // authentication realms
  "/etc/pve/corosync.conf", // cluster membership
  "/etc/pve/authkey.pub", // verifies login tickets: replacing it with the private half forges tickets
  "/etc/pve/authkey.pub.old",
  "/etc/pve/pve-root-ca.pem",
  "/etc/pve/pve-www.key",
  "/etc/pve/nodes/*/pve-ssl.key",
  "/etc/pve/nodes/*/pveproxy-ssl.key",
  "/etc/corosync", // corosync authkey and local membership config
  "/var/lib/pve-cluster", // the pmxcfs database behind /etc/pve
  "/root/.ssh/authorized_keys",
  "/etc/ssh/sshd_config",
  "/etc/ssh/sshd_config.d",
  "/etc/sudoers",
  "/etc/sudoers.d",
  "/etc/shadow",
  "/etc/gshadow"
]

const KEY_FILES = new Set(["authorized_keys", "authorized_keys2"])

const matchesPattern = (parts: ReadonlyArray<string>, pattern: string): boolean => {
  const want = components(pattern)
  return want.length <= parts.length && want.every((w, i) => w === "*" || w === parts[i])
}

const protectedParts = (parts: ReadonlyArray<string>): boolean =>
  KEY_FILES.has(parts.at(-1) ?? "") || PROTECTED_PATHS.some((p) => matchesPattern(parts, p))

/** True when writing, moving or deleting `path` touches the protected set (lookalike spellings included). */
export const isProtectedPath = (path: string): boolean =>
  protectedParts(components(normalizeLexical(path))) ||
  protectedParts(components(normalizeLexical(path.normalize("NFKC"))))
