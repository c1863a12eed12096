// Readiness: the /readyz answer of SPEC §10, which never waits long on a database that hangs.

import { settlesWithin } from "../deadline";
import type { Database } from "../persistence/database";
import type { ConfigFollower, ListenerState } from "./config-follower";
import type { SnapshotStore } from "./snapshot-store";

export interface ReadinessReport {
  /** `unavailable` (503) until the first snapshot is loaded; `degraded`: serving, but the database or the listener is down. */
  readonly status: "ready" | "degraded" | "unavailable";
  readonly configVersion: number | null;
  readonly lastSyncAgeMs: number | null;
  readonly listener: ListenerState;
  readonly database: "reachable" | "unreachable";
}

/** A probe that has not answered by then counts as unreachable (it keeps running; the next report may use it). */
const PROBE_WAIT_MS = 500;

export class Readiness {
  private probe: Promise<boolean> | null = null;

  constructor(
    private readonly db: Database,
    private readonly store: SnapshotStore,
    private readonly follower: ConfigFollower,
  ) {}

  async report(): Promise<ReadinessReport> {
    const reachable = await this.databaseReachable();
    const loaded = this.store.isLoaded;
    const listener = this.follower.listenerState;
    const healthy = reachable && listener !== "reconnecting";
    return {
      status: !loaded ? "unavailable" : healthy ? "ready" : "degraded",
      configVersion: loaded ? this.store.version : null,
      lastSyncAgeMs: this.follower.lastSyncAgeMs,
      listener,
      database: reachable ? "reachable" : "unreachable",
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
