// ExposureWriter: exposures buffered in memory and inserted in batches off the request path.

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
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is stored (or has failed and is re-queued). */
  flush(): Promise<void> {
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
        await this.db.read((em) => new ExposureRepository(em).insertMany(chunk));
        written += chunk.length;
      }
    } catch (error) {
      // Keep the unwritten ones for the next flush: an exposure lost silently skews every analysis.
      this.logger.error({ err: error, count: batch.length - written }, "writing exposures failed; will retry");
      this.buffer = batch.slice(written).concat(this.buffer);
      if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), Math.max(this.options.flushMs, 1_000));
        this.timer.unref();
      }
    }
  }

  get pending(): number {
    return this.buffer.length;
  }
}
