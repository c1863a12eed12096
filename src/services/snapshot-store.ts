// SnapshotStore: holds the current compiled configuration and swaps it after each committed change.

import { type Snapshot, compileSnapshot } from "../engine/snapshot";
import type { SlotHasher } from "../engine/slot-hasher";
import type { Logger } from "../logger";
import { ConfigStateRepository } from "../persistence/config-state.repository";
import type { Database } from "../persistence/database";

export class SnapshotStore {
  private current: Snapshot | null = null;
  /** The next reload, not started yet: later callers join it, since it will see their change too. */
  private queued: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly hasher: SlotHasher,
    private readonly logger: Logger,
  ) {}

  /** The snapshot decisions read; replaced whole, never changed in place. */
  get snapshot(): Snapshot {
    if (this.current === null) throw new Error("configuration not loaded yet");
    return this.current;
  }

  get isLoaded(): boolean {
    return this.current !== null;
  }

  /**
   * Reloads after a committed change. Resolves once a load that started after this
   * call has been swapped in; concurrent callers share one load.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(async () => {
      this.queued = null;
      await this.load();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const started = performance.now();
    const state = await this.db.consistentRead((em) => new ConfigStateRepository(em).load());
    const snapshot = compileSnapshot(state, this.hasher);
    // A slower, older load must never replace a newer snapshot.
    if (this.current === null || snapshot.version >= this.current.version) this.current = snapshot;
    this.logger.debug({ version: snapshot.version, ms: Math.round(performance.now() - started) }, "configuration snapshot loaded");
  }
}
