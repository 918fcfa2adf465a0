import { Schema } from "effect"

/** An absolute POSIX path without NUL, `.`/`..` segments or repeated slashes, at most 4096 bytes. */
export const AbsolutePath = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(4096),
  Schema.pattern(/^\/(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]*$/),
  Schema.annotations({
    title: "path",
    description: "Absolute path (starts with /), without . or .. segments.",
    message: () => "must be an absolute path starting with / and without . or .. segments or NUL bytes"
  })
)
