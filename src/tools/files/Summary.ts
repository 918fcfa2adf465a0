import { Option } from "effect"
import { createHash } from "node:crypto"
import { isLargeChange } from "../../domain/ChangeSize.js"
import { DEFAULT_LARGE_CHANGE } from "../../domain/ChangeSize.js"
import { isText, unifiedDiff } from "../../domain/TextDiff.js"
import type { AppConfigShape } from "../../services/AppConfig.js"
import type { Current } from "./PreImage.js"
import { currentBytes, currentSize } from "./PreImage.js"

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** Lines shown in a write's or revert's diff. */
export const DIFF_MAX_LINES = 200

const decoder = new TextDecoder("utf-8", { ignoreBOM: true })

/** Diff old → new when both sides are text (a missing side counts as empty); `null` for binary. */
export const diffOf = (path: string, before: Option.Option<Uint8Array>, after: Uint8Array | null) => {
  const old = Option.getOrElse(before, () => new Uint8Array())
  const neu = after ?? new Uint8Array()
  if (!isText(old) || !isText(neu)) {
    return { diff: null, diffTruncated: false, addedLines: 0, removedLines: 0 }
  }
  const d = unifiedDiff(decoder.decode(old), decoder.decode(neu), { path, maxLines: DIFF_MAX_LINES })
  return { diff: d.diff, diffTruncated: d.truncated, addedLines: d.addedLines, removedLines: d.removedLines }
}

/** The size, diff and large-change facts of replacing `current` by `next` (`null`: deletion). */
export const describeChange = (path: string, current: Current, next: Uint8Array | null, config: AppConfigShape) => {
  const before = currentBytes(current)
  const large = current.kind === "too-large"
    ? { large: true, reason: current.why }
    : isLargeChange(
      current.kind === "absent" ? Option.none() : before,
      next === null ? Option.none() : Option.some(next),
      { ...DEFAULT_LARGE_CHANGE, largeFileBytes: config.files.largeFileBytes }
    )
  return {
    newFile: current.kind === "absent",
    deleted: next === null,
    prevBytes: currentSize(current),
    newBytes: next?.length ?? 0,
    ...(current.kind === "too-large"
      ? { diff: null, diffTruncated: false, addedLines: 0, removedLines: 0 }
      : diffOf(path, before, next)),
    isLargeChange: large.large,
    ...(large.reason === undefined ? {} : { largeChangeReason: large.reason })
  }
}
