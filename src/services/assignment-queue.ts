// AssignmentQueue: first assignments decide gave while the database was unreachable, written first-wins once it is back.

import type { Logger } from "../logger";
import { type ActorPair, AssignmentRepository, type BatchWriteOutcome, type NewAssignment } from "../persistence/assignment.repository";
import { type Database, isUnavailable } from "../persistence/database";
import type { ActorMemory } from "./actor-memory";
import type { DatabaseCircuit } from "./database-circuit";

export interface AssignmentQueueOptions {
  /** Assignments held at most; past that new ones are dropped (and counted). */
  readonly max: number;
  /** How long one batched write may take (0: no deadline). */
  readonly writeTimeoutMs: number;
  readonly batchSize?: number;
  /** A failed write is retried after this long, doubling up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/** What the queue has done since the process started (for metrics). */
export interface AssignmentQueueCounts {
  /** Assignments taken in. */
  readonly queued: number;
  /** Written by this queue. */
  readonly written: number;
  /** Found stored by another writer first (that row decides from then on). */
  readonly superseded: number;
  /** Not taken in (the queue was full), or refused by the database. */
  readonly dropped: number;
  /** Waiting now. */
  readonly pending: number;
}

export const pairKey = (p: ActorPair): string => `${p.experiment}\u0000${p.actor}`;

/** Drops are logged at most this often (an outage under load drops many per second). */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Holds each (experiment, actor) once, the first answer given; the oldest are written first. The
 * write is the same first-wins insert decide makes: a row another writer (another instance, or
 * `assign`) stored meanwhile wins, and memory learns it, so from then on the stored row decides.
 * Full, it keeps what it holds and drops the newcomers: those actors were answered most recently,
 * by their slot, which is what they are answered again while their row cannot be read.
 */
export class AssignmentQueue {
  private readonly rows = new Map<string, NewAssignment>();
  private queued = 0;
  private written = 0;
  private superseded = 0;
  private dropped = 0;
  private lastDropLog = 0;
  private failures = 0;
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly batchSize: number;

  constructor(
    private readonly db: Database,
    private readonly memory: ActorMemory,
    private readonly circuit: DatabaseCircuit,
    private readonly logger: Logger,
    private readonly options: AssignmentQueueOptions,
  ) {
    this.batchSize = options.batchSize ?? 1_000;
    circuit.onClose(() => void this.flush());
  }

  get size(): number {
    return this.rows.size;
  }

  get counts(): AssignmentQueueCounts {
    const { queued, written, superseded, dropped } = this;
    return { queued, written, superseded, dropped, pending: this.rows.size };
  }

  /** The vid queued for the pair, if any. */
  vidOf(experiment: string, actor: string): number | undefined {
    return this.rows.get(pairKey({ experiment, actor }))?.vid;
  }

  add(rows: readonly NewAssignment[]): void {
    let dropped = 0;
    for (const row of rows) {
      const key = pairKey(row);
      if (this.rows.has(key)) continue;
      if (this.rows.size >= this.options.max) {
        dropped++;
        continue;
      }
      this.rows.set(key, row);
      this.queued++;
    }
    if (dropped > 0) this.countDropped(dropped, "assignment queue full: new assignments dropped (their actors stay bucketed by slot)");
    // Queued for a reason other than an open circuit (a deadline passed on a slow database): retry on a timer.
    if (!this.circuit.isOpen) this.scheduleRetry();
  }

  /** Writes everything queued; resolves when written, or when the attempt failed (a retry is then scheduled). */
  flush(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.writing ??= this.writeAll().finally(() => (this.writing = null));
    return this.writing;
  }

  /** One last write (the database may be back without the probe knowing yet); what is left is logged as lost. */
  async close(): Promise<void> {
    if (this.rows.size > 0) await this.flush();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.rows.size > 0) this.logger.error({ lost: this.rows.size, ...this.counts }, "queued assignments not written at shutdown: the database is unreachable");
    else if (this.queued > 0 || this.dropped > 0) this.logger.info(this.counts, "assignment queue at shutdown");
  }

  private async writeAll(): Promise<void> {
    while (this.rows.size > 0) {
      const batch: NewAssignment[] = [];
      for (const row of this.rows.values()) {
        batch.push(row);
        if (batch.length === this.batchSize) break;
      }
      try {
        this.settle(batch, await this.insert(batch));
      } catch (error) {
        if (!isRefused(error)) return this.failed(error);
        // The database refuses a row (a NUL character in an actor, say): kept, it would block every later one.
        for (const row of batch) {
          try {
            this.settle([row], await this.insert([row]));
          } catch (rowError) {
            if (!isRefused(rowError)) return this.failed(rowError);
            this.rows.delete(pairKey(row));
            this.countDropped(1, "queued assignment refused by the database: dropped", rowError);
          }
        }
      }
    }
    if (this.failures > 0) this.logger.info(this.counts, "queued assignments written");
    this.failures = 0;
  }

  private insert(batch: readonly NewAssignment[]): Promise<BatchWriteOutcome> {
    return this.db.withDeadline(this.options.writeTimeoutMs, (em) => new AssignmentRepository(em).insertManyFirstWins(batch), { transaction: true });
  }

  /** Memory learns what is stored now; the batch leaves the queue. */
  private settle(batch: readonly NewAssignment[], outcome: BatchWriteOutcome): void {
    this.circuit.reset();
    const vidOf = new Map(batch.map((row) => [pairKey(row), row.vid]));
    for (const p of outcome.inserted) this.memory.rememberStored(p.experiment, p.actor, vidOf.get(pairKey(p))!);
    for (const p of outcome.existing) this.memory.rememberStored(p.experiment, p.actor, p.vid);
    for (const p of outcome.excluded) this.memory.rememberStored(p.holder, p.actor, p.vid);
    this.written += outcome.inserted.length;
    this.superseded += outcome.existing.length + outcome.excluded.length;
    for (const row of batch) this.rows.delete(pairKey(row));
  }

  private failed(error: unknown): void {
    this.failures++;
    if (isUnavailable(error)) this.circuit.trip(error);
    this.logger.warn({ err: error, pending: this.rows.size, attempt: this.failures }, "writing queued assignments failed; will retry");
    this.scheduleRetry();
  }

  /** After a failure, or a queueing without an open circuit: the next attempt, backing off. */
  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const base = this.options.retryMs ?? 1_000;
    const wait = Math.min(base * 2 ** Math.max(0, this.failures - 1), this.options.maxRetryMs ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // While the circuit is open its probe decides when to try: it flushes on closing.
      if (!this.circuit.isOpen) void this.flush();
    }, wait);
    this.retryTimer.unref();
  }

  private countDropped(count: number, message: string, error?: unknown): void {
    this.dropped += count;
    const now = Date.now();
    if (now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.lastDropLog = now;
    this.logger.warn({ err: error, dropped: this.dropped, max: this.options.max }, message);
  }
}

/** A value the database will never store (see translateDriverError): retrying cannot help. */
const isRefused = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "BAD_USER_INPUT";
