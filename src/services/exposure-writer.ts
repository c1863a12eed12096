// ExposureWriter: exposures written in batches, either buffered off the request path (decide) or stored before the answer (assign).

import { DomainError } from "../engine/errors";
import type { Logger } from "../logger";
import type { Database } from "../persistence/database";
import { type Exposure, ExposureRepository } from "../persistence/exposure.repository";
import { GroupCommit, type ItemOutcomes } from "./group-commit";

/** Rows in one INSERT: 7 parameters a row stays far below PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1_000;

export interface ExposureWriterOptions {
  /** Longest time an exposure waits before its batch is written. */
  readonly flushMs: number;
  /** A batch is written at once when this many are waiting. */
  readonly batchSize?: number;
  /** Beyond this many waiting (database down), the oldest are dropped and counted. */
  readonly maxBuffered?: number;
}

const NOTHING_IN_FLIGHT = () => 0;

export class ExposureWriter {
  private buffer: Exposure[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;
  private written = 0;
  /** How many of the batch being written are not stored yet. */
  private inFlight: () => number = NOTHING_IN_FLIGHT;
  /** A failed write's retry is scheduled: until it runs, a full batch does not write at once (no retry storm). */
  private retrying = false;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly stored = new GroupCommit<Exposure>((rows) => this.insertGroup(rows), ROWS_PER_INSERT);

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: ExposureWriterOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
  }

  /**
   * Stores one exposure before resolving: an acknowledged `assign` must not lose it, even to
   * kill -9. Exposures arriving while an insert is in flight go together in the next one
   * (group commit). Rejects, UNAVAILABLE when the database cannot be reached, if it was not stored.
   */
  store(exposure: Exposure): Promise<void> {
    return this.stored.add(exposure);
  }

  /** Buffers one exposure, written within `flushMs` (lost if the process dies first: decide's are deduplicated anyway). */
  record(exposure: Exposure): void {
    this.buffer.push(exposure);
    if (this.buffer.length > this.maxBuffered) {
      const excess = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
      this.logger.warn({ dropped: this.dropped }, "exposure buffer full: oldest exposures dropped");
    }
    if (this.buffer.length >= this.batchSize && !this.retrying) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is stored (or has failed and is re-queued), and stores in flight are done. */
  async flush(): Promise<void> {
    this.retrying = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => this.write(batch));
    await Promise.all([this.writing, this.stored.idle()]);
  }

  private async write(batch: Exposure[]): Promise<void> {
    let written = 0;
    this.inFlight = () => batch.length - written;
    try {
      while (written < batch.length) {
        const chunk = batch.slice(written, written + ROWS_PER_INSERT);
        try {
          await this.insert(chunk);
          written += chunk.length;
          this.written += chunk.length;
        } catch (error) {
          if (!isRefused(error)) throw error;
          // The database refuses a row (a NUL character, say): kept, it would block every later exposure.
          await this.insertRowByRow(chunk, (row, refusal) => {
            written++;
            if (refusal === undefined) {
              this.written++;
              return;
            }
            this.dropped++;
            this.logger.error({ err: refusal, exposure: row, dropped: this.dropped }, "exposure refused by the database: dropped");
          });
        }
      }
    } catch (error) {
      // Keep the unwritten ones for the next flush: an exposure lost silently skews every analysis.
      this.logger.error({ err: error, count: batch.length - written }, "writing exposures failed; will retry");
      this.buffer = batch.slice(written).concat(this.buffer);
      this.retrying = true;
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), Math.max(this.options.flushMs, 1_000));
        this.timer.unref();
      }
    } finally {
      this.inFlight = NOTHING_IN_FLIGHT;
    }
  }

  /** One INSERT for the group; if the database refuses a row, row by row, so only that row's caller fails. */
  private async insertGroup(rows: readonly Exposure[]): Promise<ItemOutcomes> {
    try {
      await this.insert(rows);
      this.written += rows.length;
      return [];
    } catch (error) {
      if (!isRefused(error)) throw error;
    }
    const outcomes: unknown[] = [];
    await this.insertRowByRow(rows, (_row, refusal) => {
      if (refusal === undefined) this.written++;
      outcomes.push(refusal);
    });
    return outcomes;
  }

  /** Each row on its own; `done` hears of each (undefined: stored). Throws on anything but a refusal. */
  private async insertRowByRow(rows: readonly Exposure[], done: (row: Exposure, refusal: unknown) => void): Promise<void> {
    for (const row of rows) {
      const refusal = await this.insert([row]).then(
        () => undefined,
        (error: unknown) => {
          if (!isRefused(error)) throw error;
          return error;
        },
      );
      done(row, refusal);
    }
  }

  private insert(rows: readonly Exposure[]): Promise<void> {
    return this.db.read((em) => new ExposureRepository(em).insertMany(rows));
  }

  /** Exposures not stored yet: waiting, and in a write not finished. */
  get unwritten(): number {
    return this.buffer.length + this.inFlight();
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Since the process started: stored (buffered and stored-before-the-answer alike), and lost (buffer full, or refused by the database). */
  get counts(): { readonly written: number; readonly dropped: number } {
    return { written: this.written, dropped: this.dropped };
  }
}

/** A value the database will never store (see translateDriverError): retrying cannot help. */
const isRefused = (error: unknown): boolean => error instanceof DomainError && error.code === "BAD_USER_INPUT";
