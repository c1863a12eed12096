// SnapshotStore: holds the compiled configuration decisions read, swapped whole after each change.

import { type ConfigState, type Snapshot, compileSnapshot } from "../engine/snapshot";
import { type ConfigDelta, applyDelta, applyDeltaToRows } from "../engine/snapshot-delta";
import type { SlotHasher } from "../engine/slot-hasher";
import { DomainError } from "../engine/errors";
import type { Logger } from "../logger";

export type SnapshotListener = (state: ConfigState, snapshot: Snapshot) => void;

export class SnapshotStore {
  private current: Snapshot | null = null;
  private rows: ConfigState | null = null;
  private readonly swapListeners = new Set<SnapshotListener>();
  private layersCompiled = 0;

  constructor(
    private readonly hasher: SlotHasher,
    private readonly logger: Logger,
  ) {}

  /** The snapshot decisions read; replaced whole, never changed in place. */
  get snapshot(): Snapshot {
    if (this.current === null) throw new DomainError("UNAVAILABLE", "the configuration is not loaded yet: the database has not answered (file mode: no valid files yet)");
    return this.current;
  }

  get isLoaded(): boolean {
    return this.current !== null;
  }

  get version(): number {
    return this.snapshot.version;
  }

  /** The rows the snapshot was compiled from (the configuration cache file writes them). */
  get state(): ConfigState | null {
    return this.rows;
  }

  /** Layers compiled into a served snapshot since the process started: every layer of a whole load, a change's layers (SPEC §14's layer reloads). */
  get layerReloads(): number {
    return this.layersCompiled;
  }

  /** Called after every swap (the cache file listens). */
  onSwap(listener: SnapshotListener): () => void {
    this.swapListeners.add(listener);
    return () => this.swapListeners.delete(listener);
  }

  /** Compiles and swaps in a whole configuration. */
  replace(state: ConfigState): void {
    const started = performance.now();
    const snapshot = compileSnapshot(state, this.hasher);
    this.layersCompiled += snapshot.layers.size;
    this.swap(state, snapshot);
    this.logger.debug({ version: state.version, ms: Math.round(performance.now() - started) }, "configuration snapshot compiled");
  }

  /** Compiles again only the layers a change touched, and swaps the result in. */
  apply(delta: ConfigDelta): void {
    const started = performance.now();
    const current = this.snapshot;
    this.swap(this.rows === null ? null : applyDeltaToRows(this.rows, delta), applyDelta(current, delta));
    this.layersCompiled += delta.layerKeys.length;
    this.logger.debug({ version: delta.version, layers: delta.layerKeys.length, ms: Math.round(performance.now() - started) }, "configuration change applied");
  }

  private swap(state: ConfigState | null, snapshot: Snapshot): void {
    this.rows = state;
    this.current = snapshot;
    if (state !== null) for (const listener of this.swapListeners) listener(state, snapshot);
  }
}
