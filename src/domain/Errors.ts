import { Schema } from "effect"

/** Arguments did not match the tool's input schema; one line per issue. */
export class InvalidArguments extends Schema.TaggedError<InvalidArguments>()("InvalidArguments", {
  message: Schema.String,
  issues: Schema.Array(Schema.String)
}) {}

export class ToolTimeout extends Schema.TaggedError<ToolTimeout>()("ToolTimeout", {
  message: Schema.String,
  tool: Schema.String,
  timeoutMs: Schema.Number
}) {}

export class ApiUnauthorized extends Schema.TaggedError<ApiUnauthorized>()("ApiUnauthorized", {
  message: Schema.String
}) {}

export class ApiForbidden extends Schema.TaggedError<ApiForbidden>()("ApiForbidden", {
  message: Schema.String,
  path: Schema.optionalWith(Schema.String, { exact: true }),
  privilege: Schema.optionalWith(Schema.String, { exact: true })
}) {}

export class ApiNotFound extends Schema.TaggedError<ApiNotFound>()("ApiNotFound", {
  message: Schema.String,
  path: Schema.String
}) {}

export class ApiTimeout extends Schema.TaggedError<ApiTimeout>()("ApiTimeout", {
  message: Schema.String,
  timeoutMs: Schema.Number
}) {}

export class PinMismatch extends Schema.TaggedError<PinMismatch>()("PinMismatch", {
  message: Schema.String,
  channel: Schema.Literal("tls", "ssh"),
  endpoint: Schema.String,
  expected: Schema.String,
  presented: Schema.String
}) {}

export class ApiUnavailable extends Schema.TaggedError<ApiUnavailable>()("ApiUnavailable", {
  message: Schema.String
}) {}

export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  message: Schema.String,
  status: Schema.Number
}) {}

export class NotConfigured extends Schema.TaggedError<NotConfigured>()("NotConfigured", {
  message: Schema.String
}) {}

export class GuestNotFound extends Schema.TaggedError<GuestNotFound>()("GuestNotFound", {
  message: Schema.String,
  vmid: Schema.Number
}) {}

export class TaskFailed extends Schema.TaggedError<TaskFailed>()("TaskFailed", {
  message: Schema.String,
  upid: Schema.String,
  exitStatus: Schema.String,
  logTail: Schema.Array(Schema.String)
}) {}

export class StateNotReached extends Schema.TaggedError<StateNotReached>()("StateNotReached", {
  message: Schema.String,
  vmid: Schema.Number,
  expected: Schema.String,
  actual: Schema.String
}) {}

export class ConfirmationRequired extends Schema.TaggedError<ConfirmationRequired>()("ConfirmationRequired", {
  message: Schema.String
}) {}

export class ConfirmationDeclined extends Schema.TaggedError<ConfirmationDeclined>()("ConfirmationDeclined", {
  message: Schema.String
}) {}

export class AuditUnavailable extends Schema.TaggedError<AuditUnavailable>()("AuditUnavailable", {
  message: Schema.String
}) {}

/** The SSH connection could not be made or was lost (refused, reset, auth failure, handshake error). */
export class SshUnavailable extends Schema.TaggedError<SshUnavailable>()("SshUnavailable", {
  message: Schema.String
}) {}

/** A command outlived its node-side timeout and the client backstop closed its channel. */
export class SshTimeout extends Schema.TaggedError<SshTimeout>()("SshTimeout", {
  message: Schema.String,
  timeoutMs: Schema.Number
}) {}

/** The server's guardrails refuse this (denylist, protected set, path rules). Says what, never how to get around it. */
export class GuardRefused extends Schema.TaggedError<GuardRefused>()("GuardRefused", {
  message: Schema.String,
  rule: Schema.String
}) {}

/** Too many rollbacks of one target in the window (ADR-021): a loop that needs a human. */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  message: Schema.String,
  target: Schema.String,
  recentCount: Schema.Number,
  limit: Schema.Number,
  windowMs: Schema.Number
}) {}

/** The guest is not in the state the operation needs (a stopped container for pct exec, an agent that is down). */
export class GuestNotReady extends Schema.TaggedError<GuestNotReady>()("GuestNotReady", {
  message: Schema.String,
  vmid: Schema.Number
}) {}

/** A fixed command on the node failed; the message carries its (redacted) stderr. */
export class NodeCommandFailed extends Schema.TaggedError<NodeCommandFailed>()("NodeCommandFailed", {
  message: Schema.String,
  exitCode: Schema.NullOr(Schema.Number)
}) {}

/** The file does not exist on the node, in the container or in the VM (decided by an explicit test, never by a copy's exit code). */
export class FileNotFound extends Schema.TaggedError<FileNotFound>()("FileNotFound", {
  message: Schema.String,
  path: Schema.String
}) {}

/** The file is over a size cap (read cap, agent write cap). */
export class FileTooLarge extends Schema.TaggedError<FileTooLarge>()("FileTooLarge", {
  message: Schema.String,
  path: Schema.String,
  sizeBytes: Schema.Number,
  capBytes: Schema.Number
}) {}

/** The target is a directory, device, FIFO, socket, or a symlink the call may not follow. */
export class NotRegularFile extends Schema.TaggedError<NotRegularFile>()("NotRegularFile", {
  message: Schema.String,
  path: Schema.String,
  fileType: Schema.String
}) {}

/** Compare-and-swap failed: the file is not what the caller (or the write protocol) last saw. Nothing was written. */
export class ContentChanged extends Schema.TaggedError<ContentChanged>()("ContentChanged", {
  message: Schema.String,
  path: Schema.String,
  expectedSha256: Schema.NullOr(Schema.String),
  actualSha256: Schema.NullOr(Schema.String)
}) {}

/** An exact find-and-replace edit could not be applied (`not_found`, `not_unique`, `no_change`, `not_text`). */
export class EditFailed extends Schema.TaggedError<EditFailed>()("EditFailed", {
  message: Schema.String,
  reason: Schema.Literal("not_found", "not_unique", "no_change", "not_text"),
  count: Schema.Number
}) {}

/** The local backup store cannot keep the pre-image (disk full, I/O error, over cap); the write did not start. */
export class BackupUnavailable extends Schema.TaggedError<BackupUnavailable>()("BackupUnavailable", {
  message: Schema.String,
  dir: Schema.String
}) {}

/** No such backup version (unknown path, outside the store, or no version for the target). */
export class BackupNotFound extends Schema.TaggedError<BackupNotFound>()("BackupNotFound", {
  message: Schema.String
}) {}

/** A stored pre-image is missing or does not hash to its name: that version cannot be restored. */
export class BackupDamaged extends Schema.TaggedError<BackupDamaged>()("BackupDamaged", {
  message: Schema.String,
  backupPath: Schema.String
}) {}

export type SshFailure = SshUnavailable | SshTimeout | PinMismatch

export type ApiFailure =
  | ApiUnauthorized
  | ApiForbidden
  | ApiNotFound
  | ApiTimeout
  | PinMismatch
  | ApiUnavailable
  | ApiError

export type ToolFailure =
  | ApiFailure
  | InvalidArguments
  | ToolTimeout
  | NotConfigured
  | GuestNotFound
  | TaskFailed
  | StateNotReached
  | ConfirmationRequired
  | ConfirmationDeclined
  | AuditUnavailable
  | SshUnavailable
  | SshTimeout
  | GuardRefused
  | CircuitOpen
  | GuestNotReady
  | NodeCommandFailed
  | FileNotFound
  | FileTooLarge
  | NotRegularFile
  | ContentChanged
  | EditFailed
  | BackupUnavailable
  | BackupNotFound
  | BackupDamaged

/**
 * Failures that mean the node's identity or our credentials are wrong. Multi-section tools (census, health) never
 * fold these into a per-section error: the whole call fails closed with them.
 */
export const isTrustFailure = (e: { readonly _tag: string }): e is PinMismatch | ApiUnauthorized =>
  e._tag === "PinMismatch" || e._tag === "ApiUnauthorized"
