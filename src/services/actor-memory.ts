// ActorMemory: what this process knows of each actor's stored assignments and exposures, bounded by actors.

/** One actor's facts, by experiment key. */
export class ActorRecord {
  /** The vid stored in the database. A stored row never changes, so this is never stale. */
  readonly stored = new Map<string, number>();
  /** The vid of the last exposure recorded (one exposure per experiment, actor and variant). */
  readonly exposed = new Map<string, number>();
  /** Experiments found without a stored row, with when that was asked (ms since the epoch); made on first use. */
  absent: Map<string, number> | null = null;
}

/**
 * Keyed by actor, not by (experiment, actor) pair: a decision looks its actor up once and then
 * reads small per-actor maps by experiment keys, which are interned strings. Two generations:
 * a record read in the old one is moved to the young one, and when the young one holds
 * `capacity / 2` actors the old one is dropped whole (least recently used half, O(1)).
 */
export class ActorMemory {
  private young = new Map<string, ActorRecord>();
  private old = new Map<string, ActorRecord>();

  /**
   * @param absenceTtlMs how long "no stored row" is believed. Infinity when no other process can
   *   write assignments (the embedded database): every write of this process is remembered here.
   */
  constructor(
    readonly capacity: number,
    readonly absenceTtlMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError("capacity must be an integer ≥ 2");
    if (!(absenceTtlMs >= 0)) throw new RangeError("absenceTtlMs must be ≥ 0");
  }

  /** The actor's record, or undefined when nothing is known of it. */
  find(actor: string): ActorRecord | undefined {
    const young = this.young.get(actor);
    if (young !== undefined) return young;
    const aged = this.old.get(actor);
    if (aged !== undefined) this.keep(actor, aged);
    return aged;
  }

  /** The actor's record, made when new. */
  record(actor: string): ActorRecord {
    return this.find(actor) ?? this.keep(actor, new ActorRecord());
  }

  /** A row stored in the database (read, or written by this process). */
  rememberStored(experiment: string, actor: string, vid: number): void {
    const record = this.record(actor);
    record.stored.set(experiment, vid);
    record.absent?.delete(experiment);
  }

  /** No row was stored when the database was asked at `askedAt`. */
  rememberAbsent(experiment: string, actor: string, askedAt: number): void {
    const record = this.record(actor);
    if (record.stored.has(experiment)) return;
    (record.absent ??= new Map()).set(experiment, askedAt);
  }

  /** Whether `record` says the experiment has no row for its actor, still believed at `now`. */
  isAbsent(record: ActorRecord, experiment: string, now: number): boolean {
    const askedAt = record.absent?.get(experiment);
    return askedAt !== undefined && now - askedAt < this.absenceTtlMs;
  }

  private keep(actor: string, record: ActorRecord): ActorRecord {
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(actor, record);
    return record;
  }
}
