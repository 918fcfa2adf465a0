/**
 * Which paths a simple command writes, removes or re-permissions (security.md §4.A A14: writers, not only `rm`).
 * Reads are never targets: `cat /etc/pve/user.cfg` and `cp /etc/pve/storage.cfg /root/` are fine. Pure.
 */
import type { Word } from "./Lexer.js"
import type { Segment } from "./Segments.js"

export type TargetKind = "write" | "remove" | "meta"

export interface Target {
  readonly word: Word
  readonly kind: TargetKind
  /** The operation also covers everything below the path (`rm -r`, `chmod -R`, `mv`, `find -delete`). */
  readonly recursive: boolean
}

/** Positional arguments: options and the values of `valued` options skipped; everything after `--` counts. */
export const positionals = (args: ReadonlyArray<Word>, valued: ReadonlyArray<string> = []): Array<Word> => {
  const out: Array<Word> = []
  let options = true
  for (let i = 0; i < args.length; i++) {
    const w = args[i]
    if (w === undefined) continue
    if (options && w.text === "--") options = false
    else if (options && w.text.startsWith("-") && w.text !== "-") {
      if (valued.includes(w.text)) i++
    } else out.push(w)
  }
  return out
}

/** A long flag, or a short-option cluster containing one of `short` (`-rf`, `-Rv`). */
export const hasFlag = (args: ReadonlyArray<Word>, long: ReadonlyArray<string>, short = ""): boolean => {
  const cluster = short === "" ? undefined : new RegExp(`^-[A-Za-z]*[${short}][A-Za-z]*$`)
  return args.some((w) => long.includes(w.text) || cluster?.test(w.text) === true)
}

const strip = (w: Word, n: number): Word => ({ ...w, text: w.text.slice(n), prefix: w.prefix.slice(n) })

/** The value of `-x VALUE` or `--long=VALUE`. */
export const optionValue = (args: ReadonlyArray<Word>, names: ReadonlyArray<string>): Word | undefined => {
  for (let i = 0; i < args.length; i++) {
    const w = args[i]
    if (w === undefined) continue
    if (names.includes(w.text)) return args[i + 1]
    const long = names.find((n) => n.startsWith("--") && w.text.startsWith(`${n}=`))
    if (long !== undefined) return strip(w, long.length + 1)
  }
  return undefined
}

const WRITE_REDIRECTS = new Set([">", ">>", ">|", "&>", "&>>", "<>"])
const EDITORS = new Set(["vi", "vim", "nvim", "nano", "ed", "ex", "emacs", "pico", "joe", "mcedit", "sudoedit"])
const COPIERS: Readonly<Record<string, ReadonlyArray<string>>> = {
  cp: ["-S", "--suffix"],
  install: ["-m", "-o", "-g", "-S", "--mode", "--owner", "--group", "--suffix"],
  ln: ["-S", "--suffix"],
  link: [],
  rsync: ["-e", "--rsh", "-f", "--filter", "--exclude", "--include", "-B", "--block-size", "-T", "--temp-dir"],
  scp: ["-c", "-F", "-i", "-J", "-l", "-o", "-P", "-S"]
}
const PERMS = new Set(["chmod", "chown", "chgrp"])
const CREATORS: Readonly<Record<string, ReadonlyArray<string>>> = {
  touch: ["-d", "-r", "-t", "--date", "--reference"],
  mkdir: ["-m", "--mode"],
  mkfifo: ["-m", "--mode"],
  mknod: ["-m", "--mode"],
  mkswap: ["-L", "-U", "-p", "--label", "--uuid", "--pagesize"]
}

const inPlaceFiles = (name: string, args: ReadonlyArray<Word>): Array<Word> => {
  const inPlace = name === "sed"
    ? args.some((w) => /^-[nErsuz]*i/.test(w.text) || w.text.startsWith("--in-place"))
    : args.some((w) => /^-[0-9pnlaws]*i/.test(w.text))
  if (!inPlace) return []
  const scriptOpt = name === "sed" ? ["-e", "-f", "--expression", "--file"] : ["-e", "-E"]
  const files = positionals(args, [...scriptOpt, "-l", "-M", "-I"])
  return hasFlag(args, scriptOpt) ? files : files.slice(1)
}

const byCommand = (seg: Segment): Array<Target> => {
  const args = seg.argv.slice(1)
  const all = (ws: ReadonlyArray<Word>, kind: TargetKind, recursive = false): Array<Target> =>
    ws.map((w) => ({ word: w, kind, recursive }))
  const name = seg.name
  if (name === "rm" || name === "rmdir" || name === "unlink") {
    return all(positionals(args), "remove", hasFlag(args, ["--recursive"], "rR"))
  }
  if (name === "shred" || name === "wipe" || name === "srm") return all(positionals(args, ["-n", "-s"]), "write")
  if (name === "truncate") return all(positionals(args, ["-s", "--size", "-r", "--reference"]), "write")
  if (name === "tee" || EDITORS.has(name)) return all(positionals(args), "write")
  if (name === "sed" || name === "perl") return all(inPlaceFiles(name, args), "write")
  if (name === "mv") {
    const dir = optionValue(args, ["-t", "--target-directory"])
    return [...all(positionals(args, ["-t", "-S", "--suffix"]), "remove", true), ...all(dir ? [dir] : [], "write")]
  }
  const copier = COPIERS[name]
  if (copier !== undefined) {
    const dir = optionValue(args, ["-t", "--target-directory"])
    const p = positionals(args, [...copier, "-t"])
    const dest = dir ?? (p.length >= 2 ? p.at(-1) : undefined)
    return all(dest === undefined ? [] : [dest], "write")
  }
  if (name === "dd") return all(args.filter((w) => w.text.startsWith("of=")).map((w) => strip(w, 3)), "write")
  if (PERMS.has(name) || name === "chattr" || name === "setfacl") {
    const valued = ["-m", "-M", "-x", "-X", "--set", "--set-file", "--modify", "--remove"]
    const p = positionals(args, name === "setfacl" ? valued : []).filter((w) => !/^[+=]/.test(w.text))
    const skipMode = PERMS.has(name) && !args.some((w) => w.text.startsWith("--reference"))
    return all(skipMode ? p.slice(1) : p, "meta", hasFlag(args, ["--recursive"], "R"))
  }
  const creator = CREATORS[name]
  if (creator !== undefined) {
    const p = positionals(args, creator)
    return all(name === "mknod" ? p.slice(0, 1) : p, "write")
  }
  if (name === "find" && args.some((w) => w.text === "-delete")) {
    const end = args.findIndex((w) => /^[-(!]/.test(w.text))
    return all(args.slice(0, end < 0 ? args.length : end), "remove", true)
  }
  if (name === "tar" && args.some((w) => /^(-[A-Za-z]*x|[A-Za-wyz]*x[A-Za-z]*$)|^--(extract|get)$/.test(w.text))) {
    const dir = optionValue(args, ["-C", "--directory"])
    return all(dir ? [dir] : [], "write", true)
  }
  const out = optionValue(
    args,
    name === "curl" ? ["-o", "--output"] : name === "wget" ? ["-O", "--output-document"] : []
  )
  const into = name === "unzip" ? optionValue(args, ["-d"]) : name === "wget" ? optionValue(args, ["-P"]) : undefined
  return [...all(out ? [out] : [], "write"), ...all(into ? [into] : [], "write", true)]
}

/** Paths the segment writes, removes or changes metadata of (redirect targets included). */
export const targetsOf = (seg: Segment): Array<Target> => [
  ...seg.redirects
    .filter((r) => WRITE_REDIRECTS.has(r.op) || (r.op === ">&" && !/^(\d+-?|-)$/.test(r.target.text)))
    .map((r) => ({ word: r.target, kind: "write" as const, recursive: false })),
  ...byCommand(seg)
]
