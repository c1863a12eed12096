// GroupCommit: items written in groups, one write in flight at a time; each caller waits for its own group.

/** What a write reports per item: undefined when stored, else why that item alone was refused. */
export type ItemOutcomes = ReadonlyArray<unknown>;

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit, as databases do for their log: while one write is in flight, the items arriving
 * meanwhile wait together and go in one write as soon as it finishes. Under load the groups grow
 * by themselves, so writes per second stay few; alone, an item waits only for the end of the
 * event-loop turn it arrived in (so the items of one turn share a write).
 *
 * `write` stores a group and reports per item; if it throws, every item of the group fails with
 * that error (nothing of it was stored).
 */
export class GroupCommit<T> {
  private waiting: Array<Waiting<T>> = [];
  private writing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: (items: readonly T[]) => Promise<ItemOutcomes>,
    /** The most items in one write (a statement's parameters are bounded). */
    private readonly maxGroup: number,
  ) {}

  /** Resolves once `item` is stored; rejects if its write failed. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(this.writeAll);
      }
    });
  }

  /** Resolves when nothing is waiting or being written. */
  idle(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.waiting.length;
  }

  private readonly writeAll = async (): Promise<void> => {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup);
      let outcomes: ItemOutcomes;
      try {
        outcomes = await this.write(group.map((w) => w.item));
      } catch (error) {
        for (const w of group) w.reject(error);
        continue;
      }
      group.forEach((w, i) => (outcomes[i] === undefined ? w.resolve() : w.reject(outcomes[i])));
    }
    this.writing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  };
}
