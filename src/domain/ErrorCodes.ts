import type { ToolFailure } from "./Errors.js"
import { redactText, stripControl } from "./Redact.js"

export interface ErrorView {
  readonly code: string
  readonly message: string
  readonly hint: string
}

type Hints = {
  readonly [K in ToolFailure["_tag"]]: (e: Extract<ToolFailure, { _tag: K }>) => readonly [string, string]
}

const table: Hints = {
  InvalidArguments: () => ["INVALID_ARGUMENTS", "Fix the listed arguments and call the tool again."],
  ToolTimeout:
    () => ["TIMEOUT", "The operation was stopped at its time limit; check the node's state before retrying."],
  ApiUnauthorized: () => [
    "UNAUTHORIZED",
    "The API token was rejected (wrong, deleted or expired token, or disabled user). The operator must fix PVE_API_TOKEN_ID / PVE_API_TOKEN_SECRET; retrying will not help."
  ],
  ApiForbidden: (e) => [
    "FORBIDDEN",
    `Proxmox RBAC refused this: the token of this tier lacks ${e.privilege ?? "the privilege"}${
      e.path === undefined ? "" : ` on ${e.path}`
    }. This is the tier boundary working; do not retry.`
  ],
  ApiNotFound: () => ["NOT_FOUND", "Check the id or name; list what exists first."],
  ApiTimeout: () => ["API_TIMEOUT", "The node did not answer in time; check the node's state before retrying."],
  PinMismatch: () => [
    "PIN_MISMATCH",
    "The node presented a different key than the pinned one, so nothing was sent. A human must verify the new fingerprint out of band and update the pin."
  ],
  ApiUnavailable: () => ["UNAVAILABLE", "The node could not be reached or answered garbage; retry later."],
  ApiError: () => ["API_ERROR", "Proxmox rejected the request; read its message."],
  NotConfigured: () => ["NOT_CONFIGURED", "This needs configuration the operator has not provided."],
  GuestNotFound: () => ["GUEST_NOT_FOUND", "Call pct_list or qm_list to see which guests exist."],
  TaskFailed: () => ["TASK_FAILED", "The Proxmox task ended with an error; its log tail says why."],
  StateNotReached: () => [
    "STATE_NOT_VERIFIED",
    "The task finished but the guest did not reach the state; check it with pct_list/qm_list."
  ],
  ConfirmationRequired: () => ["CONFIRMATION_REQUIRED", "Ask the user whether they want this done."],
  ConfirmationDeclined: () => ["DECLINED", "The user did not approve this action; do not retry it."],
  SshUnavailable: () => ["SSH_UNAVAILABLE", "The SSH connection to the node failed; it reconnects on the next call."],
  SshTimeout: () => [
    "SSH_TIMEOUT",
    "The command did not finish in time and its channel was closed; it may still have had effects on the node."
  ],
  GuardRefused: () => ["REFUSED", "The server's guardrails block this. Tell the user what you wanted to do and why."],
  CircuitOpen: () => [
    "CIRCUIT_OPEN",
    "Rollbacks of this target keep repeating: stop and hand back to the user instead of trying again."
  ],
  GuestNotReady:
    () => ["GUEST_NOT_READY", "The guest is not in a state that allows this; its state is in the message."],
  NodeCommandFailed: () => ["COMMAND_FAILED", "The command on the node failed; its error output is in the message."],
  FileNotFound: () => ["FILE_NOT_FOUND", "The file does not exist; check the path (list the directory first)."],
  FileTooLarge: () => [
    "FILE_TOO_LARGE",
    "Read a window with offset/maxBytes, or use an exec tool with head/tail/grep/wc."
  ],
  NotRegularFile:
    () => ["NOT_A_REGULAR_FILE", "Only regular files can be read or written; the type is in the message."],
  ContentChanged: () => [
    "CONTENT_CHANGED",
    "The file changed since it was read; nothing was written. Read it again and redo the change."
  ],
  EditFailed: () => [
    "EDIT_FAILED",
    "Read the file and pass an oldString that occurs exactly once (or set replaceAll)."
  ],
  BackupUnavailable: () => [
    "BACKUP_UNAVAILABLE",
    "The previous content could not be stored locally, so nothing was written. The operator must fix BACKUP_DIR (space, permissions)."
  ],
  BackupNotFound: () => ["BACKUP_NOT_FOUND", "Call list_backups for the target to see its versions."],
  BackupDamaged: () => [
    "BACKUP_DAMAGED",
    "This stored version is damaged or missing and cannot be restored; pick another version from list_backups."
  ],
  AuditUnavailable: () => [
    "AUDIT_UNAVAILABLE",
    "The audit log cannot be written, so no change is allowed. The operator must fix AUDIT_LOG_PATH."
  ]
}

/**
 * The one rendering of an error for the model and the audit log. Messages can carry node output (stderr, agent
 * replies), so they are always redacted and stripped of control characters here.
 */
export const viewError = (e: ToolFailure): ErrorView => {
  const hint = table[e._tag] as (e: ToolFailure) => readonly [string, string]
  const [code, text] = hint(e)
  return { code, message: redactText(stripControl(e.message)).text, hint: text }
}
