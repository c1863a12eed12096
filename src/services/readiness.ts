// Readiness: the /readyz answer of SPEC §10, which never waits long on a database that hangs.

import { settlesWithin } from "../deadline";
import type { Database } from "../persistence/database";
import type { ConfigFollower, ListenerState } from "./config-follower";
import type { FileConfigStatus } from "./file-configuration";
import type { SnapshotStore } from "./snapshot-store";

export interface ReadinessReport {
  /**
   * `unavailable` (503) until the first snapshot is loaded; `degraded`: serving, but the database or the
   * listener is down, or (file mode) a file was refused and the last good configuration serves.
   */
  readonly status: "ready" | "degraded" | "unavailable";
  readonly configVersion: number | null;
  /** Since the database (file mode: the files) last confirmed the configuration served. */
  readonly lastSyncAgeMs: number | null;
  /** `none`: STORAGE=none. */
  readonly listener: ListenerState | "none";
  readonly database: "reachable" | "unreachable" | "none";
  /** File mode only: where the configuration comes from, and the refused file if one is. */
  readonly config?: FileConfigStatus;
}

/** File mode's side of readiness. */
export interface FileReadiness {
  readonly status: FileConfigStatus;
  readonly lastGoodAgeMs: number | null;
}

/** A probe that has not answered by then counts as unreachable (it keeps running; the next report may use it). */
const PROBE_WAIT_MS = 500;

export class Readiness {
  private probe: Promise<boolean> | null = null;

  constructor(
    private readonly db: Database,
    private readonly store: SnapshotStore,
    private readonly follower: ConfigFollower,
    private readonly files: FileReadiness | null = null,
  ) {}

  async report(): Promise<ReadinessReport> {
    const absent = this.db.isAbsent;
    const reachable = !absent && (await this.databaseReachable());
    // In file mode, ready once the files themselves are served (on a database the snapshot holds the database's before).
    const loaded = this.store.isLoaded && (this.files === null || this.files.lastGoodAgeMs !== null);
    const listener = absent ? "none" : this.follower.listenerState;
    const fileStatus = this.files?.status;
    const healthy = (absent || (reachable && listener !== "reconnecting")) && (fileStatus === undefined || fileStatus.error === null);
    return {
      status: !loaded ? "unavailable" : healthy ? "ready" : "degraded",
      configVersion: loaded ? this.store.version : null,
      lastSyncAgeMs: this.files === null ? this.follower.lastSyncAgeMs : this.files.lastGoodAgeMs,
      listener,
      database: absent ? "none" : reachable ? "reachable" : "unreachable",
      ...(fileStatus === undefined ? {} : { config: fileStatus }),
    };
  }

  private async databaseReachable(): Promise<boolean> {
    if (this.probe === null) {
      const probe = this.db.isReachable().then((ok) => {
        this.probe = null;
        return ok;
      });
      this.probe = probe;
    }
    const probe = this.probe;
    return (await settlesWithin(probe, PROBE_WAIT_MS)) && (await probe);
  }
}
