import { Effect, Either } from "effect"
import type { GuestType } from "../../../domain/Ids.js"
import type { SimGuest } from "../SimState.js"
import { absPath, changeFs, readBytes, view, writeText } from "./Files.js"
import { lookup } from "./Fs.js"
import { namesOf } from "./FsCommands.js"
import type { Proc, Target } from "./Proc.js"
import { fail, freshEnv, stateNow } from "./Proc.js"
import { pveArgs } from "./PveFormat.js"
import { findGuest } from "./PveGuest.js"

/** A guest's processes from the node: `pct push` / `pct pull` and the helpers `pct exec` and `qm guest` share. */

/** A process in the guest: its own environment, the caller's streams. */
export const guestProc = (p: Proc, g: SimGuest, stdin = p.stdin): Proc => {
  const target: Target = { kind: "guest", vmid: g.vmid }
  return { ...p, target, env: freshEnv(target, g.system.hostname), stdin }
}

export const withGuest = (
  p: Proc,
  type: GuestType,
  raw: string | undefined,
  f: (g: SimGuest) => Effect.Effect<number>
) =>
  Effect.flatMap(stateNow(p), (s) => {
    const g = findGuest(s, type, raw)
    return Either.isLeft(g) ? fail(p, g.left, 255) : f(g.right)
  })

/** A user or group given by name (looked up in the guest) or number. */
const idOf = (name: string, byName: (n: number) => string): number | undefined => {
  if (/^\d+$/.test(name)) return Number(name)
  for (let n = 0; n < 70_000; n++) if (byName(n) === name) return n
  return undefined
}

/** Ownership after `pct push --user/--group` (PVE sets them on the new file, inside the container's id range). */
const chownPushed = (inGuest: Proc, to: string, user: string | undefined, group: string | undefined) =>
  Effect.gen(function*() {
    if (user === undefined && group === undefined) return Either.void
    const names = namesOf(yield* view(inGuest))
    const uid = user === undefined ? undefined : idOf(user, names.user)
    const gid = group === undefined ? undefined : idOf(group, names.group)
    if (user !== undefined && uid === undefined) return Either.left(`unknown user '${user}'`)
    if (group !== undefined && gid === undefined) return Either.left(`unknown group '${group}'`)
    return yield* changeFs(inGuest, (fs) =>
      Either.map(lookup(fs, absPath(inGuest, to)), (found) => ({
        ...fs,
        [found.path]: { ...found.file, uid: uid ?? found.file.uid, gid: gid ?? found.file.gid }
      })))
  })

/** `pct push <vmid> <file> <destination> [--perms] [--user] [--group]` and `pct pull <vmid> <path> <destination>`. */
export const pushPull = (p: Proc, push: boolean, args: ReadonlyArray<string>) => {
  const o = pveArgs(args)
  const [raw, from, to] = o.pos
  return withGuest(p, "lxc", raw, (g) =>
    Effect.gen(function*() {
      if (from === undefined || to === undefined) {
        return yield* fail(
          p,
          `400 not enough arguments\npct ${push ? "push" : "pull"} <vmid> <path> <destination> [OPTIONS]`,
          255
        )
      }
      if (g.status !== "running") {
        return yield* fail(p, `can only ${push ? "push files to" : "pull files from"} a running VM`, 255)
      }
      const inGuest = guestProc(p, g)
      const data = yield* readBytes(push ? p : inGuest, from)
      if (Either.isLeft(data)) {
        return yield* fail(p, `failed to open ${from} for reading: ${data.left}`, 255)
      }
      const perms = o.get("perms")
      if (perms !== undefined && !/^(0?[0-7]{1,4}|0x[0-9a-fA-F]+)$/.test(perms)) {
        return yield* fail(p, `400 Parameter verification failed.\nperms: value does not match the regex pattern`, 255)
      }
      const mode = perms === undefined ? undefined : perms.startsWith("0x") ? parseInt(perms, 16) : parseInt(perms, 8)
      const written = yield* writeText(push ? inGuest : p, to, data.right, false, mode)
      if (Either.isLeft(written)) return yield* fail(p, `failed to open ${to} for writing: ${written.left}`, 255)
      if (!push) return 0
      const owned = yield* chownPushed(inGuest, to, o.get("user"), o.get("group"))
      return Either.isLeft(owned) ? yield* fail(p, `failed to set ownership of ${to}: ${owned.left}`, 255) : 0
    }))
}
