// StickyView: one request's view of stored assignments, as the engine's ActorLookups.

import type { ActorLookups } from "../engine/decide";
import type { CompiledExperiment } from "../engine/snapshot";
import type { ActorPair } from "../persistence/assignment.repository";
import type { BoundedPairMap } from "./bounded-pair-map";
import type { RecentMisses } from "./recent-misses";

/**
 * Answers from the process-wide cache of stored assignments (they never change, so
 * positives are cached), then from what this request loaded; anything else is
 * reported as not loaded and remembered in `pending`, to be fetched in one batch.
 */
export class StickyView implements ActorLookups {
  // Made on first use: most requests are answered from the cache alone and need none of them.
  /** Loaded this request: vid, or null when the table has no row. */
  private loaded: Map<string, Map<string, number | null>> | null = null;
  /** Rows this request inserted: deciding again must still call them BUCKET, not STICKY. */
  private ours: Map<string, Set<string>> | null = null;
  pending: ActorPair[] = [];
  private pendingKeys: Set<string> | null = null;

  constructor(
    private readonly cache: BoundedPairMap<number>,
    private readonly misses: RecentMisses | null,
  ) {}

  sticky(experiment: string, actor: string): number | null | undefined {
    if (this.ours?.get(experiment)?.has(actor)) return null;
    return this.stored(experiment, actor);
  }

  heldByGroup(experiment: CompiledExperiment, actor: string): boolean {
    for (const peer of experiment.groupPeers) {
      if (this.stored(peer, actor) != null) return true;
    }
    return false;
  }

  /** Records what a batch load found: a vid per found pair, null for the rest. */
  learn(pairs: readonly ActorPair[], found: ReadonlyArray<ActorPair & { vid: number }>): void {
    for (const f of found) {
      this.remember(f.experiment, f.actor, f.vid);
      this.cache.set(f.experiment, f.actor, f.vid);
    }
    // Only the pairs without a row are misses: a found one, evicted from the cache later, must be read again.
    for (const p of pairs) {
      if (this.loaded?.get(p.experiment)?.get(p.actor) != null) continue;
      this.remember(p.experiment, p.actor, null);
      this.misses?.add(p.experiment, p.actor);
    }
    this.pending = [];
    this.pendingKeys = null;
  }

  /** Records a row this request wrote itself. */
  wrote(experiment: string, actor: string, vid: number): void {
    this.remember(experiment, actor, vid);
    const ours = (this.ours ??= new Map());
    let mine = ours.get(experiment);
    if (mine === undefined) ours.set(experiment, (mine = new Set()));
    mine.add(actor);
  }

  /** Records a row some other writer stored first. */
  found(experiment: string, actor: string, vid: number): void {
    this.remember(experiment, actor, vid);
  }

  private stored(experiment: string, actor: string): number | null | undefined {
    const cached = this.cache.get(experiment, actor);
    if (cached !== undefined) return cached;
    const known = this.loaded?.get(experiment)?.get(actor);
    if (known !== undefined) return known;
    if (this.misses?.has(experiment, actor)) return null;
    const key = `${experiment}\u0000${actor}`;
    const pendingKeys = (this.pendingKeys ??= new Set());
    if (!pendingKeys.has(key)) {
      pendingKeys.add(key);
      this.pending.push({ experiment, actor });
    }
    return undefined;
  }

  private remember(experiment: string, actor: string, vid: number | null): void {
    const loaded = (this.loaded ??= new Map());
    let inner = loaded.get(experiment);
    if (inner === undefined) loaded.set(experiment, (inner = new Map()));
    inner.set(actor, vid);
  }
}
