// DataDirLock: one process per PGlite data directory, held by a lock file beside it that names its owner.
//
// PGlite writes a postmaster.pid, but with a fixed fake pid (-42) and without checking it: two
// processes opened one directory, both wrote, and an experiment was gone after a restart. This is
// PostgreSQL's own scheme for its data directory (postmaster.pid): a file created with O_EXCL
// holding the owner's pid, stale once that process is gone. flock(2) would free itself when the
// process dies, but Node has no binding for it without a native addon; a pid file needs none, and
// the pid's start time (Linux) tells a reused pid from the owner, so a stale lock never blocks a
// restart. The file sits beside the directory, not in it: PGlite's initdb wants the directory new.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

interface Owner {
  readonly pid: number;
  readonly host: string;
  /** The process's start time in clock ticks since boot (Linux /proc), null where unknown. */
  readonly started: string | null;
}

export class DataDirInUseError extends Error {
  constructor(dir: string, lockFile: string, owner: Owner | null) {
    const who = owner === null ? "a process that left an unreadable lock file" : `process ${owner.pid}${owner.host === os.hostname() ? "" : ` on ${owner.host}`}`;
    super(
      `PGlite data directory ${dir} is in use by ${who} (lock file ${lockFile}). ` +
        `Only one process may open a PGlite directory: stop that process, or give this one another PGLITE_DIR ` +
        `(for several instances, use PostgreSQL with DATABASE_URL). If no such process runs, remove the lock file.`,
    );
    this.name = "DataDirInUseError";
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/** Lock files held by this process: a second open of one directory in the same process is refused too. */
const held = new Set<string>();

/** An unreadable lock file is re-read this often, this many times: its creator may be writing it now. */
const UNREADABLE_RETRY_MS = 50;
const UNREADABLE_RETRIES = 20;

/** Takes the directory for this process, or throws DataDirInUseError naming the process that has it. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = lockFileOf(dir);
  if (held.has(file)) throw new DataDirInUseError(dir, file, me());
  let unreadable = 0;
  for (;;) {
    if (create(file, me())) break;
    const owner = readOwner(file);
    if (owner === "missing") continue;
    if (owner === null) {
      if (++unreadable > UNREADABLE_RETRIES) throw new DataDirInUseError(dir, file, null);
      await new Promise((resolve) => setTimeout(resolve, UNREADABLE_RETRY_MS));
      continue;
    }
    if (isRunning(owner)) throw new DataDirInUseError(dir, file, owner);
    takeOverStale(file, owner);
  }
  held.add(file);
  const onExit = () => removeIfMine(file);
  // A process that exits without closing its database (process.exit) still frees the directory.
  process.once("exit", onExit);
  return {
    file,
    release() {
      process.off("exit", onExit);
      held.delete(file);
      removeIfMine(file);
    },
  };
}

/** `<dir>.lock` beside the directory, by its real path: two spellings of one directory share one lock. */
export function lockFileOf(dir: string): string {
  const absolute = path.resolve(dir);
  const real = fs.existsSync(absolute) ? fs.realpathSync(absolute) : path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
  return `${real}.lock`;
}

const me = (): Owner => ({ pid: process.pid, host: os.hostname(), started: startTimeOf(process.pid) });

/** O_EXCL: exactly one process creates the file; false when it exists. */
function create(file: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The owner named in `file`; "missing" if there is no file, null if it cannot be read as one. */
function readOwner(file: string): Owner | "missing" | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Owner;
    return Number.isInteger(owner.pid) && typeof owner.host === "string" ? owner : null;
  } catch {
    return null;
  }
}

const sameOwner = (a: Owner, b: Owner): boolean => a.pid === b.pid && a.host === b.host && a.started === b.started;

function isRunning(owner: Owner): boolean {
  // Another host's pid cannot be checked from here: assume it runs.
  if (owner.host !== os.hostname()) return true;
  // Our own pid, not held by us: a previous process that had it (a container restarted, say).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  const started = startTimeOf(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/**
 * Moves the stale file aside under a name of our own, so that of two processes taking over the
 * same stale lock only one removes it; if what was moved is a fresh lock another process has just
 * created, it is put back, and the next look finds that owner running.
 */
function takeOverStale(file: string, stale: Owner): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readOwner(aside);
  if (moved === "missing" || (moved !== null && sameOwner(moved, stale))) {
    fs.rmSync(aside, { force: true });
    return;
  }
  try {
    fs.linkSync(aside, file);
  } catch (error) {
    // EEXIST: a third process has created one meanwhile; it is the owner now.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST" && moved !== null) create(file, moved);
  }
  fs.rmSync(aside, { force: true });
}

function removeIfMine(file: string): void {
  const owner = readOwner(file);
  if (owner !== null && owner !== "missing" && sameOwner(owner, me())) fs.rmSync(file, { force: true });
}

/** Linux: field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
function startTimeOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}
