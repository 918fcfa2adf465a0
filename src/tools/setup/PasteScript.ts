import { Either, Option, Redacted } from "effect"
import { normalizeFingerprint } from "../../domain/Fingerprint.js"
import { shQuote } from "../../domain/Shell.js"
import type { SelectableTier } from "../../domain/Tier.js"
import { PVE_MAJORS, tierPrivileges, tierRoleIsBuiltin, tierRoleName } from "../../domain/TierPrivileges.js"
import { AUTHORIZED_KEYS, MCP_USER } from "./Inspect.js"
import { SELECTABLE, tokenIdOf } from "./Plan.js"

/**
 * Paste mode: one bash script for the Proxmox web shell that does what auto mode's plan does, without knowing the
 * node's state beforehand (every step is idempotent on its own), and prints a result block to paste back here. It
 * runs in its own non-interactive bash (a quoted here-document), so `!` in token ids is never history-expanded and
 * a failing step ends the script, not the web shell.
 */

export const BEGIN = "===HOMELAB-MCP-SETUP==="
export const END = "===END-HOMELAB-MCP-SETUP==="

export interface PasteInput {
  readonly tier: SelectableTier
  /** `--token-expire` as epoch seconds, when given. */
  readonly expire: Option.Option<number>
  readonly comment: string
  /** Companion: the public key line to install. */
  readonly install: Option.Option<{ readonly line: string; readonly blob: string }>
  /** Below companion: the local key's blob, if known (lines with `comment` are removed in any case). */
  readonly removeBlob: Option.Option<string>
}

const roleLines = (tier: SelectableTier): ReadonlyArray<string> => {
  if (tierRoleIsBuiltin(tier)) return []
  const [eight, nine] = PVE_MAJORS.map((v) => tierPrivileges(tier, v).join(","))
  return [
    `case "$MAJOR" in 8) P=${eight} ;; *) P=${nine} ;; esac`,
    `pveum role add "$R" --privs "$P" 2>/dev/null || pveum role modify "$R" --privs "$P"`
  ]
}

const keyLines = (input: PasteInput): ReadonlyArray<string> => {
  const K = AUTHORIZED_KEYS
  if (Option.isSome(input.install)) {
    const { blob, line } = input.install.value
    return [
      `mkdir -p /root/.ssh && chmod 700 /root/.ssh && touch ${K}`,
      `if ! grep -qF ${shQuote(` ${blob}`)} ${K}; then`,
      `  if [ -s ${K} ] && [ -n "$(tail -c1 ${K})" ]; then echo >> ${K}; fi`,
      `  printf '%s\\n' ${shQuote(line)} >> ${K}`,
      "fi"
    ]
  }
  const patterns = [
    `-e ${shQuote(` ${input.comment}$`)}`,
    ...Option.toArray(input.removeBlob).map((b) => `-e ${shQuote(` ${b}`)}`)
  ].join(" ")
  return [
    `if [ -f ${K} ]; then`,
    `  : > ${K}.homelab-mcp.tmp || exit 1`,
    `  LC_ALL=C grep -a -v ${patterns} ${K} >> ${K}.homelab-mcp.tmp; rc=$?`,
    `  if [ "$rc" -le 1 ]; then cat ${K}.homelab-mcp.tmp > ${K}; fi; rm -f ${K}.homelab-mcp.tmp`,
    `  [ "$rc" -le 1 ] || exit 1`,
    "fi"
  ]
}

export const pasteScript = (input: PasteInput): string => {
  const { tier } = input
  const role = tierRoleName(tier)
  const staleRoles = [...new Set(SELECTABLE.map(tierRoleName))].filter((r) => r !== role)
  const otherTokens = SELECTABLE.filter((t) => t !== tier)
  const expire = Option.match(input.expire, { onNone: () => "", onSome: (e) => ` --expire ${e}` })
  return [
    "bash <<'HOMELAB_MCP_SETUP'",
    `# homelab-mcp setup, paste mode: ${tier} tier. Review it, then run it once as root.`,
    "set -euo pipefail",
    `U=${MCP_USER}; T=${tier}; R=${role}`,
    `MAJOR=$(pveversion | sed -n 's#^pve-manager/\\([0-9]*\\)\\..*#\\1#p')`,
    `[ "\${MAJOR:-0}" -ge 8 ] || { echo "unsupported Proxmox VE: $(pveversion)" >&2; exit 1; }`,
    ...roleLines(tier),
    `pveum user add "$U" --comment homelab-mcp 2>/dev/null || true`,
    ...staleRoles.map((r) => `pveum acl delete / --users "$U" --roles ${r} 2>/dev/null || true`),
    ...otherTokens.map((t) => `pveum user token remove "$U" ${t} 2>/dev/null || true`),
    `pveum user token remove "$U" "$T" 2>/dev/null || true`,
    `J=$(pveum user token add "$U" "$T" --privsep 1${expire} --comment 'homelab-mcp ${tier} tier' --output-format json)`,
    `S=$(printf '%s' "$J" | sed -n 's/.*"value" *: *"\\([^"]*\\)".*/\\1/p')`,
    `pveum acl modify / --users "$U" --roles "$R"`,
    `pveum acl modify / --tokens ${shQuote(tokenIdOf(tier))} --roles "$R"`,
    ...keyLines(input),
    "C=/etc/pve/local/pveproxy-ssl.pem; [ -f \"$C\" ] || C=/etc/pve/local/pve-ssl.pem",
    `echo ${BEGIN}`,
    `echo "PVE_VERSION=$(pveversion)"`,
    `echo "NODE=$(hostname)"`,
    `echo "TOKEN_SECRET=$S"`,
    `echo "TLS_FINGERPRINT=$(openssl x509 -in "$C" -noout -fingerprint -sha256)"`,
    `echo "SSH_HOST_KEY=$(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)"`,
    `echo ${END}`,
    "HOMELAB_MCP_SETUP",
    ""
  ].join("\n")
}

export interface PasteResult {
  readonly version: string
  readonly node: string
  readonly secret: Redacted.Redacted<string>
  readonly tlsFingerprint: string
  readonly sshHostKey: string
}

/** Reads the block between the markers (surrounding text, blank lines and `\r` are ignored). */
export const parsePasteBlock = (text: string): Either.Either<PasteResult, string> => {
  const lines = text.split("\n").map((l) => l.trim())
  const from = lines.indexOf(BEGIN)
  const to = lines.indexOf(END)
  if (from < 0 || to < from) return Either.left(`paste everything from ${BEGIN} to ${END}`)
  const values = new Map(
    lines.slice(from + 1, to).filter((l) => l.includes("=")).map((
      l
    ) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])
  )
  const secret = values.get("TOKEN_SECRET") ?? ""
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(secret)) {
    return Either.left("TOKEN_SECRET is missing or not a PVE token secret (the script's token step failed?)")
  }
  const tls = normalizeFingerprint(values.get("TLS_FINGERPRINT") ?? "")
  if (Option.isNone(tls)) return Either.left("TLS_FINGERPRINT is missing or not a SHA-256 fingerprint")
  const ssh = normalizeFingerprint(values.get("SSH_HOST_KEY") ?? "")
  if (Option.isNone(ssh)) return Either.left("SSH_HOST_KEY is missing or not a SHA-256 fingerprint")
  const node = (values.get("NODE") ?? "").split(".")[0] ?? ""
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node)) return Either.left("NODE is missing or not a node name")
  return Either.right({
    version: values.get("PVE_VERSION") ?? "",
    node,
    secret: Redacted.make(secret),
    tlsFingerprint: tls.value,
    sshHostKey: ssh.value
  })
}
