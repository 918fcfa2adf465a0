import { DISK_NET_COMMANDS } from "./DiskNet.js"
import { DOCKER_COMMANDS } from "./DockerCommands.js"
import { FS_CHANGE_COMMANDS } from "./FsChange.js"
import { FS_COMMANDS } from "./FsCommands.js"
import { FS_MISC_COMMANDS } from "./FsMisc.js"
import { grep } from "./Grep.js"
import { JOURNAL_COMMANDS } from "./Journal.js"
import { NODE_COMMANDS } from "./NodeCommands.js"
import type { CommandSpec } from "./Proc.js"
import { PVE_COMMANDS } from "./PveCommands.js"
import { PVESH_COMMANDS } from "./Pvesh.js"
import { PVEUM_COMMANDS } from "./PveumCommands.js"
import { SED_AWK_COMMANDS } from "./SedAwk.js"
import { SYNC_LOCK_COMMANDS } from "./SyncLock.js"
import { SYSTEM_COMMANDS } from "./SystemCommands.js"
import { TEXT_COMMANDS } from "./TextCommands.js"
import { TEXT_TOOLS } from "./TextTools.js"
import { UNIT_COMMANDS } from "./UnitCommands.js"

/** Every command the simulated machines know (builtins aside), with where each is installed. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ...TEXT_COMMANDS,
  ...TEXT_TOOLS,
  ...SED_AWK_COMMANDS,
  grep: { run: grep },
  egrep: { run: (args, p) => grep(["-E", ...args], p) },
  ...FS_COMMANDS,
  ...FS_CHANGE_COMMANDS,
  ...FS_MISC_COMMANDS,
  ...SYNC_LOCK_COMMANDS,
  ...SYSTEM_COMMANDS,
  ...NODE_COMMANDS,
  ...DISK_NET_COMMANDS,
  ...UNIT_COMMANDS,
  ...JOURNAL_COMMANDS,
  ...PVE_COMMANDS,
  ...PVESH_COMMANDS,
  ...PVEUM_COMMANDS,
  ...DOCKER_COMMANDS
}
