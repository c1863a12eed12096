// RecentMisses: (experiment, actor) pairs found without a stored assignment, believed for a short while.

import { BoundedPairMap } from "./bounded-pair-map";

/**
 * Without it, an actor whose targeting rule is false would cost a database read on every
 * decision (step 4, the stored assignment, comes before step 5, the rule). A miss is
 * trusted for at most two periods of `ttlMs`, then asked again. This instance's own
 * writes go to the positive cache, which is consulted first, so the only staleness is an
 * assignment another instance stored within that window for an actor this instance now
 * finds outside the rule. A bucketed decision is never decided on a miss alone: its
 * first-wins write reads back what is stored.
 */
export class RecentMisses {
  private current: BoundedPairMap<true>;
  private previous: BoundedPairMap<true>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    ttlMs: number,
    private readonly capacity = 100_000,
  ) {
    this.current = new BoundedPairMap(capacity);
    this.previous = new BoundedPairMap(capacity);
    this.timer = setInterval(() => this.age(), ttlMs);
    this.timer.unref();
  }

  has(experiment: string, actor: string): boolean {
    return this.current.get(experiment, actor) === true || this.previous.get(experiment, actor) === true;
  }

  add(experiment: string, actor: string): void {
    this.current.set(experiment, actor, true);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private age(): void {
    this.previous = this.current;
    this.current = new BoundedPairMap(this.capacity);
  }
}
