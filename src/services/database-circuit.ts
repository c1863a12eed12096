// DatabaseCircuit: whether decide believes the database unreachable, and the probe that finds it back.

import type { Logger } from "../logger";
import type { Database } from "../persistence/database";

export interface DatabaseCircuitOptions {
  /** How long a probe's `SELECT 1` may take. */
  readonly probeTimeoutMs: number;
  /** First probe after this long; each failed probe doubles the wait, up to `maxProbeIntervalMs`. */
  readonly probeIntervalMs?: number;
  readonly maxProbeIntervalMs?: number;
}

/**
 * Open once a read or write of stored assignments failed for want of a database: from then on
 * decide answers without asking it (no request waits for the deadline again), and a background
 * probe asks instead, closing the circuit on the first answer. A write that succeeds closes it too.
 */
export class DatabaseCircuit {
  private openSince: number | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private probeWaitMs: number;
  private stopped = false;
  private readonly listeners: Array<() => void> = [];
  private readonly probeIntervalMs: number;
  private readonly maxProbeIntervalMs: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: DatabaseCircuitOptions,
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 250;
    this.maxProbeIntervalMs = options.maxProbeIntervalMs ?? 5_000;
    this.probeWaitMs = this.probeIntervalMs;
  }

  /** True while the database is believed unreachable. */
  get isOpen(): boolean {
    return this.openSince !== null;
  }

  /** Calls `listener` each time the database is found back. */
  onClose(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A read or write found no database: stop asking it on the request path, probe in the background. */
  trip(error: unknown): void {
    if (this.openSince !== null || this.stopped) return;
    this.openSince = Date.now();
    this.probeWaitMs = this.probeIntervalMs;
    this.logger.warn({ err: error }, "database unreachable: deciding from memory and slots, queueing new assignments");
    this.db.dropIdleConnections();
    if (!this.probing) this.scheduleProbe();
  }

  /** The database answered: requests may ask it again. */
  reset(): void {
    if (this.openSince === null) return;
    const ms = Date.now() - this.openSince;
    this.openSince = null;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.logger.info({ ms }, "database reachable again");
    for (const listener of this.listeners) listener();
  }

  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private scheduleProbe(): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => void this.probe(), this.probeWaitMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    this.probeTimer = null;
    if (this.openSince === null || this.stopped) return;
    this.probing = true;
    const reachable = await this.db.isReachable(this.options.probeTimeoutMs);
    this.probing = false;
    if (reachable) {
      this.reset();
      return;
    }
    if (this.openSince === null) return;
    this.probeWaitMs = Math.min(this.probeWaitMs * 2, this.maxProbeIntervalMs);
    this.scheduleProbe();
  }
}
