// DirectoryWatch: calls back soon after anything in a few folders changes, however it changed: a file
// written in place or in parts, replaced by rename, deleted, or a Kubernetes ConfigMap's `..data` link
// swapped (the folder itself then points elsewhere).

import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger";

/** Events come in bursts (a write is several); one reload a burst. Small: a change is to be served within 100 ms. */
const SETTLE_MS = 5;
/**
 * The safety net under the watchers (an inotify event lost, a folder made after the start, a mount
 * replaced): every folder's listing, sizes and times compared this often.
 */
const POLL_MS = 1_000;

/** What a folder holds now: its real path and each entry's name, size and change time (a cheap stat each). */
function fingerprint(dir: string): string {
  try {
    const real = fs.realpathSync(dir);
    const parts = [real];
    for (const name of fs.readdirSync(real).sort()) {
      try {
        const stat = fs.statSync(path.join(real, name));
        parts.push(`${name}:${stat.size}:${stat.mtimeMs}:${stat.ino}`);
      } catch {
        parts.push(`${name}:gone`);
      }
    }
    return parts.join("\n");
  } catch {
    return "(unreadable)";
  }
}

export class DirectoryWatch {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  /** The real path each folder's watcher follows: a swapped link means watching again. */
  private readonly watchedReal = new Map<string, string>();
  private prints: string[];
  private timer: NodeJS.Timeout | null = null;
  private readonly poller: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly dirs: readonly string[],
    private readonly changed: () => void,
    private readonly logger: Logger,
  ) {
    this.prints = dirs.map(fingerprint);
    this.watchAll();
    this.poller = setInterval(() => this.poll(), POLL_MS);
    this.poller.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private watchAll(): void {
    // Each folder wholly; in each parent only the folders' own names and `..` entries (a ConfigMap swaps
    // `..data`, and with it the folders, in the parent). Two folders may share a parent: one watcher, both names.
    const names = new Map<string, Set<string> | "all">();
    for (const dir of this.dirs) names.set(dir, "all");
    for (const dir of this.dirs) {
      const parent = path.dirname(dir);
      const seen = names.get(parent);
      if (seen === "all") continue;
      names.set(parent, (seen ?? new Set<string>()).add(path.basename(dir)));
    }
    for (const [folder, watched] of names) {
      this.watchFolder(folder, watched === "all" ? () => true : (file) => file === null || watched.has(file) || file.startsWith(".."));
    }
  }

  private watchFolder(dir: string, relevant: (file: string | null) => boolean): void {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return;
    }
    if (this.watchers.has(dir) && this.watchedReal.get(dir) === real) return;
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
    try {
      const watcher = fs.watch(real, { persistent: false }, (_event, file) => {
        if (relevant(file === null ? null : String(file))) this.schedule();
      });
      watcher.on("error", (error) => {
        this.logger.warn({ dir, err: error }, "a configuration folder cannot be watched any more; polling finds its changes");
        watcher.close();
        if (this.watchers.get(dir) === watcher) this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
      this.watchedReal.set(dir, real);
    } catch (error) {
      this.logger.warn({ dir, err: error }, "a configuration folder cannot be watched; polling finds its changes");
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, SETTLE_MS);
  }

  private fire(): void {
    if (this.closed) return;
    this.prints = this.dirs.map(fingerprint);
    // A folder that is now another one (a swapped link) is watched where it points now.
    this.watchAll();
    try {
      this.changed();
    } catch (error) {
      this.logger.error({ err: error }, "reloading the configuration files failed");
    }
  }

  private poll(): void {
    if (this.closed) return;
    const prints = this.dirs.map(fingerprint);
    if (prints.some((p, i) => p !== this.prints[i])) this.schedule();
  }
}
