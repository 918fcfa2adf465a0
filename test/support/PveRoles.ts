/**
 * The built-in PVEAuditor role as security.md §1.2 lists it, written out independently of src/ so the tests check
 * the server's tables against the documentation, not against themselves.
 */
export const AUDITOR_8: ReadonlyArray<string> = [
  "Datastore.Audit",
  "Mapping.Audit",
  "Pool.Audit",
  "SDN.Audit",
  "Sys.Audit",
  "VM.Audit"
]

export const AUDITOR_9: ReadonlyArray<string> = [...AUDITOR_8, "VM.GuestAgent.Audit"]
