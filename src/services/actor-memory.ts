// ActorMemory: what this process knows of each actor's stored assignments and exposures, bounded in size.

/** One actor's facts, by experiment key; each map is made on first use. */
export class ActorRecord {
  /** The vid stored in the database. A stored row never changes, so this is never stale. */
  stored: Map<string, number> | null = null;
  /** The vid of the last exposure recorded (one exposure per experiment, actor and variant). */
  exposed: Map<string, number> | null = null;
  /** Experiments found without a stored row, with when that was asked (ms since the epoch). */
  absent: Map<string, number> | null = null;

  /** What the record costs, in the units of ActorMemory's capacity. */
  get weight(): number {
    return RECORD_WEIGHT + weightOf(this.stored) + weightOf(this.exposed) + weightOf(this.absent);
  }
}

/**
 * Costs in facts (one map entry; 36-55 bytes a fact measured with these weights): an actor's record with its key and its entry
 * in a generation costs about three, a map made for it about two more.
 */
const RECORD_WEIGHT = 3;
const MAP_WEIGHT = 2;
const weightOf = (map: Map<string, number> | null): number => (map === null ? 0 : MAP_WEIGHT + map.size);

/**
 * Keyed by actor, not by (experiment, actor) pair: a decision looks its actor up once and then
 * reads small per-actor maps by experiment keys, which are interned strings. Two generations:
 * a record read in the old one is moved to the young one, and when the young one has taken in
 * `capacity / 2` facts' worth the old one is dropped whole (least recently used half, O(1)).
 */
export class ActorMemory {
  private young = new Map<string, ActorRecord>();
  private old = new Map<string, ActorRecord>();
  private youngEntries = 0;

  /**
   * @param capacity facts held at most, about: stored, exposed and absent entries over all actors,
   *   with what each actor's record costs besides (see RECORD_WEIGHT).
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
    if (aged !== undefined) {
      this.young.set(actor, aged);
      this.grew(aged.weight);
    }
    return aged;
  }

  /** The actor's record, made when new. */
  record(actor: string): ActorRecord {
    let record = this.find(actor);
    if (record === undefined) {
      record = new ActorRecord();
      this.young.set(actor, record);
      this.grew(RECORD_WEIGHT);
    }
    return record;
  }

  /** A row stored in the database (read, or written by this process). */
  rememberStored(experiment: string, actor: string, vid: number): void {
    const record = this.record(actor);
    const stored = (record.stored ??= this.newMap());
    if (!stored.has(experiment)) this.grew(1);
    stored.set(experiment, vid);
    record.absent?.delete(experiment);
  }

  /** No row was stored when the database was asked at `askedAt`. */
  rememberAbsent(experiment: string, actor: string, askedAt: number): void {
    // Never believed: not worth the room.
    if (this.absenceTtlMs === 0) return;
    const record = this.record(actor);
    if (record.stored?.has(experiment)) return;
    const absent = (record.absent ??= this.newMap());
    if (!absent.has(experiment)) this.grew(1);
    absent.set(experiment, askedAt);
  }

  /** An exposure recorded for `record`'s actor (from `record()`). */
  rememberExposed(record: ActorRecord, experiment: string, vid: number): void {
    const exposed = (record.exposed ??= this.newMap());
    if (!exposed.has(experiment)) this.grew(1);
    exposed.set(experiment, vid);
  }

  /** Whether `record` says the experiment has no row for its actor, still believed at `now`. */
  isAbsent(record: ActorRecord, experiment: string, now: number): boolean {
    const askedAt = record.absent?.get(experiment);
    return askedAt !== undefined && now - askedAt < this.absenceTtlMs;
  }

  private newMap(): Map<string, number> {
    this.grew(MAP_WEIGHT);
    return new Map();
  }

  private grew(entries: number): void {
    this.youngEntries += entries;
    if (this.youngEntries >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
      this.youngEntries = 0;
    }
  }
}
