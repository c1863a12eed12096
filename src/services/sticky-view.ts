// StickyView: one request's view of stored assignments, as the engine's ActorLookups.

import type { ActorLookups } from "../engine/decide";
import type { CompiledExperiment } from "../engine/snapshot";
import type { ActorPair } from "../persistence/assignment.repository";
import type { ActorMemory, ActorRecord } from "./actor-memory";

/**
 * Answers from the process-wide ActorMemory (stored rows, and rows known to be absent), then
 * from what this request loaded; anything else is reported as not loaded and remembered in
 * `pending`, to be fetched in one batch.
 */
export class StickyView implements ActorLookups {
  // Made on first use: most requests are answered from memory alone and need none of them.
  /** Loaded this request: vid, or null when the table has no row. */
  private loaded: Map<string, Map<string, number | null>> | null = null;
  /** Rows this request inserted: deciding again must still call them BUCKET, not STICKY. */
  private ours: Map<string, Set<string>> | null = null;
  pending: ActorPair[] = [];
  private pendingKeys: Set<string> | null = null;
  /** The last actor looked up and its record: a decision asks about one actor layer after layer. */
  private lastActor: string | null = null;
  private lastRecord: ActorRecord | undefined = undefined;
  private now: number | null = null;

  constructor(
    private readonly memory: ActorMemory,
    /** The snapshot's exclusion groups: the keys of each group's RUNNING and CONCLUDED experiments. */
    private readonly groups: ReadonlyMap<string, readonly string[]>,
  ) {}

  sticky(experiment: string, actor: string): number | null | undefined {
    if (this.ours?.get(experiment)?.has(actor)) return null;
    return this.stored(experiment, actor);
  }

  heldByGroup(experiment: CompiledExperiment, actor: string): boolean {
    const members = experiment.exclusionGroup === null ? undefined : this.groups.get(experiment.exclusionGroup);
    if (members === undefined) return false;
    for (const peer of members) {
      if (peer !== experiment.key && this.stored(peer, actor) != null) return true;
    }
    return false;
  }

  /** Records what a batch load asked at `askedAt` found: a vid per found pair, null for the rest. */
  learn(pairs: readonly ActorPair[], found: ReadonlyArray<ActorPair & { vid: number }>, askedAt: number): void {
    for (const f of found) {
      this.remember(f.experiment, f.actor, f.vid);
      this.memory.rememberStored(f.experiment, f.actor, f.vid);
    }
    // Only the pairs without a row are absent: a found one, forgotten later, must be read again.
    for (const p of pairs) {
      if (this.loaded?.get(p.experiment)?.get(p.actor) != null) continue;
      this.remember(p.experiment, p.actor, null);
      this.memory.rememberAbsent(p.experiment, p.actor, askedAt);
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
    if (actor !== this.lastActor) {
      this.lastActor = actor;
      this.lastRecord = this.memory.find(actor);
    }
    const record = this.lastRecord;
    const vid = record?.stored?.get(experiment);
    if (vid !== undefined) return vid;
    const known = this.loaded?.get(experiment)?.get(actor);
    if (known !== undefined) return known;
    if (record !== undefined && this.memory.isAbsent(record, experiment, (this.now ??= Date.now()))) return null;
    const key = `${experiment}\u0000${actor}`;
    const pendingKeys = (this.pendingKeys ??= new Set());
    if (!pendingKeys.has(key)) {
      pendingKeys.add(key);
      this.pending.push({ experiment, actor });
    }
    return undefined;
  }

  private remember(experiment: string, actor: string, vid: number | null): void {
    // The memory may have learned of the actor meanwhile (another request, or this one after a write).
    this.lastActor = null;
    const loaded = (this.loaded ??= new Map());
    let inner = loaded.get(experiment);
    if (inner === undefined) loaded.set(experiment, (inner = new Map()));
    inner.set(actor, vid);
  }
}
