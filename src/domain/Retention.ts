/** One stored version as retention sees it: record and blob are one unit. */
export interface RetentionVersion {
  /** The record's path (`backupPath`). */
  readonly id: string
  /** The target's directory key. */
  readonly key: string
  readonly seq: number
  /** The blob the record points at (full versions only). */
  readonly blob?: string
}

export interface RetentionInput {
  readonly versions: ReadonlyArray<RetentionVersion>
  /** Size of every blob file present in the store, by name (orphans included). */
  readonly blobSizes: ReadonlyMap<string, number>
  /** Keep (and do not count) blobs no version points at: set when some record could not be read. */
  readonly keepOrphans?: boolean
  /** Ids that are never evicted: the newest revertible version of each target. */
  readonly protectedIds: ReadonlySet<string>
  /** Targets whose lock another writer holds: none of their versions is evicted. */
  readonly lockedKeys: ReadonlySet<string>
  /** The version about to be stored: its target, the blob it uses, and the bytes it adds (0 when the blob exists). */
  readonly incoming: { readonly key: string; readonly blob?: string; readonly newBytes: number }
  readonly perTargetCap: number
  readonly globalCapBytes: number
}

export interface RetentionPlan {
  /** Versions to remove (record first, then its blob if listed in `deleteBlobs`). */
  readonly evict: ReadonlyArray<RetentionVersion>
  /** Blobs no remaining version (nor the incoming one) uses: evicted versions' blobs and orphans. */
  readonly deleteBlobs: ReadonlyArray<string>
  /** Blob bytes kept after the plan, without the incoming version. */
  readonly bytesAfter: number
  /** Whether the store, with the incoming version, is still over the global cap. */
  readonly overCap: boolean
}

const bySeqDesc = (a: RetentionVersion, b: RetentionVersion) => b.seq - a.seq

/**
 * Plans eviction before a version is stored (pure). First each target keeps at most `perTargetCap` versions (the
 * incoming target one less, to make room); then, while the blobs plus the incoming bytes exceed the global cap,
 * versions go in order of how many newer versions their target has (deepest first, then lowest seq). Order never
 * comes from timestamps, so a wall clock that jumped cannot make everything look old. Never evicted: a protected
 * version, any version of a locked target, and a blob that a kept version still points at.
 */
export const planRetention = (input: RetentionInput): RetentionPlan => {
  const { incoming } = input
  const frozen = (v: RetentionVersion) =>
    input.protectedIds.has(v.id) || (v.key !== incoming.key && input.lockedKeys.has(v.key))
  const groups = new Map<string, Array<RetentionVersion>>()
  for (const v of input.versions) groups.set(v.key, [...(groups.get(v.key) ?? []), v])
  const evicted = new Set<string>()
  const depth = new Map<string, number>()
  for (const [key, group] of groups) {
    const sorted = [...group].sort(bySeqDesc)
    if (key === incoming.key || !input.lockedKeys.has(key)) {
      const limit = Math.max(0, key === incoming.key ? input.perTargetCap - 1 : input.perTargetCap)
      let room = limit - sorted.filter((v) => input.protectedIds.has(v.id)).length
      for (const v of sorted) {
        if (input.protectedIds.has(v.id)) continue
        if (room > 0) room--
        else evicted.add(v.id)
      }
    }
    sorted.filter((v) => !evicted.has(v.id)).forEach((v, i) => depth.set(v.id, i))
  }

  const refs = new Map<string, number>()
  const ref = (blob: string | undefined, delta: number) => {
    if (blob !== undefined) refs.set(blob, (refs.get(blob) ?? 0) + delta)
  }
  for (const v of input.versions) if (!evicted.has(v.id)) ref(v.blob, 1)
  ref(incoming.blob, 1)
  const named = new Set(input.versions.flatMap((v) => v.blob === undefined ? [] : [v.blob]))
  const orphans = new Set([...input.blobSizes.keys()].filter((b) => input.keepOrphans === true && !named.has(b)))
  const size = (blob: string) => input.blobSizes.get(blob) ?? 0
  let bytes = [...input.blobSizes.keys()].reduce((sum, b) => sum + ((refs.get(b) ?? 0) > 0 ? size(b) : 0), 0)

  // A blob that a frozen version keeps can never be freed: evicting its other versions would gain nothing.
  const pinned = new Set(input.versions.filter(frozen).flatMap((v) => v.blob === undefined ? [] : [v.blob]))
  if (incoming.blob !== undefined) pinned.add(incoming.blob)
  const candidates = input.versions
    .filter((v) => !evicted.has(v.id) && !frozen(v) && v.blob !== undefined && !pinned.has(v.blob))
    .sort((a, b) => (depth.get(b.id) ?? 0) - (depth.get(a.id) ?? 0) || a.seq - b.seq || a.key.localeCompare(b.key))
  for (const v of candidates) {
    if (bytes + incoming.newBytes <= input.globalCapBytes) break
    evicted.add(v.id)
    ref(v.blob, -1)
    if (v.blob !== undefined && refs.get(v.blob) === 0) bytes -= size(v.blob)
  }
  return {
    evict: input.versions.filter((v) => evicted.has(v.id)),
    deleteBlobs: [...input.blobSizes.keys()].filter((b) => (refs.get(b) ?? 0) <= 0 && !orphans.has(b)),
    bytesAfter: bytes,
    overCap: bytes + incoming.newBytes > input.globalCapBytes
  }
}
