import { createHash } from "node:crypto"
import { resolve } from "node:path"

/** A blob's name: the SHA-256 of the pre-image it holds, lowercase hex. */
export const SHA256 = /^[0-9a-f]{64}$/
/** A target directory's name: `targetKey` of its descriptor. */
export const TARGET_KEY = /^[0-9a-f]{16}$/
/** A version record's name: `<seq>.json`. */
export const RECORD_NAME = /^([1-9][0-9]{0,14})\.json$/

export const sha256Hex = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

/** The key of a descriptor string (the same as `targetKey` of the target it names). */
export const keyOfDescriptor = (descriptor: string): string => sha256Hex(descriptor).slice(0, 16)

/** An audit id as it may appear in a file name. */
const safeId = (auditId: string) => auditId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80)

/** The prefix of temp files: `tmp-`, or `tmp-<auditId>-` for the files of one write. */
export const tempPrefix = (auditId?: string): string => auditId === undefined ? "tmp-" : `tmp-${safeId(auditId)}-`

/** Paths inside the store: `targets/<key>/<seq>.json`, `blobs/<sha256>`, `locks/<name>.lock`. */
export const makeLayout = (storeDir: string) => {
  const dir = resolve(storeDir)
  return {
    dir,
    blobs: `${dir}/blobs`,
    targets: `${dir}/targets`,
    locks: `${dir}/locks`,
    blobPath: (sha: string) => `${dir}/blobs/${sha}`,
    targetDir: (key: string) => `${dir}/targets/${key}`,
    recordPath: (key: string, seq: number) => `${dir}/targets/${key}/${seq}.json`
  }
}

export type Layout = ReturnType<typeof makeLayout>

/** The seq a record file name stands for, or undefined for any other name. */
export const seqOfName = (name: string): number | undefined => {
  const m = RECORD_NAME.exec(name)
  return m?.[1] === undefined ? undefined : Number(m[1])
}
