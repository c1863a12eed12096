// ExposureWriter: exposures buffered in memory and inserted in batches off the request path.

import { DomainError } from "../engine/errors";
import type { Logger } from "../logger";
import type { Database } from "../persistence/database";
import { type Exposure, ExposureRepository } from "../persistence/exposure.repository";

export interface ExposureWriterOptions {
  /** Longest time an exposure waits before its batch is written. */
  readonly flushMs: number;
  /** A batch is written at once when this many are waiting. */
  readonly batchSize?: number;
  /** Beyond this many waiting (database down), the oldest are dropped and counted. */
  readonly maxBuffered?: number;
}

export class ExposureWriter {
  private buffer: Exposure[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;
  /** A failed write's retry is scheduled: until it runs, a full batch does not write at once (no retry storm). */
  private retrying = false;
  private readonly batchSize: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: ExposureWriterOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
  }

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

  /** Writes everything buffered so far; resolves when it is stored (or has failed and is re-queued). */
  flush(): Promise<void> {
    this.retrying = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: Exposure[]): Promise<void> {
    let written = 0;
    try {
      while (written < batch.length) {
        const chunk = batch.slice(written, written + 1_000);
        try {
          await this.insert(chunk);
          written += chunk.length;
        } catch (error) {
          if (!isRefused(error)) throw error;
          // The database refuses a row (a NUL character, say): kept, it would block every later exposure.
          for (const row of chunk) {
            await this.insert([row]).catch((rowError: unknown) => {
              if (!isRefused(rowError)) throw rowError;
              this.dropped++;
              this.logger.error({ err: rowError, exposure: row, dropped: this.dropped }, "exposure refused by the database: dropped");
            });
            written++;
          }
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
    }
  }

  private insert(rows: readonly Exposure[]): Promise<void> {
    return this.db.read((em) => new ExposureRepository(em).insertMany(rows));
  }

  get pending(): number {
    return this.buffer.length;
  }
}

/** A value the database will never store (see translateDriverError): retrying cannot help. */
const isRefused = (error: unknown): boolean => error instanceof DomainError && error.code === "BAD_USER_INPUT";
