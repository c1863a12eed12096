// ConfigFollower: keeps this instance's snapshot at the newest configuration version (SPEC §10) and
// hands every change event, once and in version order, to whoever listens (subscriptions).

import { settlesWithin } from "../deadline";
import type { Logger } from "../logger";
import type { ConfigState } from "../engine/snapshot";
import type { ConfigDelta } from "../engine/snapshot-delta";
import { CatchUpRepository } from "../persistence/catch-up.repository";
import { type ConfigChangeEvent, ConfigChangeRepository } from "../persistence/config-change.repository";
import { ConfigStateRepository } from "../persistence/config-state.repository";
import type { Database } from "../persistence/database";
import { NotificationListener } from "../persistence/notification-listener";
import type { SnapshotStore } from "./snapshot-store";

interface CatchUpResult {
  readonly version: number;
  readonly events: readonly ConfigChangeEvent[];
  readonly full?: ConfigState;
  readonly delta?: ConfigDelta;
}

export type ListenerState = "connected" | "reconnecting" | "in-process";

export type ChangeListener = (events: readonly ConfigChangeEvent[]) => void;

export interface ConfigFollowerOptions {
  /** How often versions are compared in case a notification was lost. */
  readonly reconcileMs: number;
  /** PostgreSQL URL to LISTEN on; null on PGlite, where every change is made in this process. */
  readonly listenUrl: string | null;
}

/** A catch-up touching more layers than this reloads everything (one read instead of many ANY lists). */
const MAX_DELTA_LAYERS = 200;

/** Notifications are `{"version":N}`; anything longer is not ours. */
const MAX_PAYLOAD = 256;

/** The version a notification announces, or null when it is malformed (then a catch-up decides). */
export function announcedVersion(payload: string): number | null {
  if (payload.length > MAX_PAYLOAD) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    const version = (parsed as { version?: unknown } | null)?.version;
    return typeof version === "number" && Number.isSafeInteger(version) && version >= 0 ? version : null;
  } catch {
    return null;
  }
}

export class ConfigFollower {
  private readonly changeListeners = new Set<ChangeListener>();
  /** The next catch-up, not started yet: later callers join it, since it will read their change too. */
  private queued: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();
  private lastEmitted = -1;
  private lastSyncAt: number | null = null;
  private listener: NotificationListener | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly store: SnapshotStore,
    private readonly logger: Logger,
    private readonly options: ConfigFollowerOptions,
  ) {}

  /**
   * Starts listening and reconciling; resolves after the listener's first attempt, so an instance
   * that says it started is following. The first catch-up (the caller's) loads the snapshot.
   */
  async startFollowing(): Promise<void> {
    if (this.reconcileTimer === null) {
      this.reconcileTimer = setInterval(() => void this.catchUpLogged("reconcile"), this.options.reconcileMs);
      this.reconcileTimer.unref();
    }
    if (this.options.listenUrl !== null && this.listener === null) {
      this.listener = new NotificationListener(
        this.options.listenUrl,
        {
          onNotification: (payload) => this.notified(payload),
          onConnected: () => void this.catchUpLogged("listener connected"),
          onDisconnected: () => undefined,
        },
        this.logger,
      );
      await this.listener.start();
    }
  }

  get listenerState(): ListenerState {
    if (this.options.listenUrl === null) return "in-process";
    return this.listener?.isConnected ? "connected" : "reconnecting";
  }

  /** The listening connection's backend pid (tests terminate it). */
  get listenerPid(): number | null {
    return this.listener?.backendPid ?? null;
  }

  /** Milliseconds since the database last confirmed the snapshot is current; null before the first load. */
  get lastSyncAgeMs(): number | null {
    return this.lastSyncAt === null ? null : Date.now() - this.lastSyncAt;
  }

  /** Calls `listener` with every change event from now on, in version order, each once. */
  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Reads the change events after the snapshot's version and applies them. Resolves once a
   * catch-up that started after this call is done; concurrent callers share one.
   */
  catchUp(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(async () => {
      this.queued = null;
      await this.sync();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = null;
    await this.listener?.close();
    // A catch-up in flight on a hung database ends with its query timeout; the stop does not wait for it.
    await settlesWithin(this.running, 1_000);
  }

  private notified(payload: string): void {
    const version = announcedVersion(payload);
    // Stale and duplicate notifications cost nothing; a malformed one costs at most a catch-up.
    if (version !== null && this.store.isLoaded && version <= this.store.version) return;
    void this.catchUpLogged(version === null ? "malformed notification" : "notification");
  }

  private catchUpLogged(why: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.catchUp().catch((error: unknown) => {
      this.logger.warn({ err: error, why }, "configuration catch-up failed; the last snapshot keeps serving");
    });
  }

  private async sync(): Promise<void> {
    const from = this.store.isLoaded ? this.store.version : null;
    const started = performance.now();
    const read = from === null ? await this.readWhole(null) : await this.readSince(from);
    this.lastSyncAt = Date.now();
    if (from !== null && read.version < from) {
      this.logger.warn({ from, to: read.version }, "the database's configuration version went back: reloaded whole");
    }
    const readMs = performance.now() - started;
    if (read.full) this.store.replace(read.full);
    else if (read.delta) this.store.apply(read.delta);
    else return;
    this.emit(read.events, read.version);
    this.logger.debug({ from, to: read.version, full: read.full !== undefined, readMs: Math.round(readMs), ms: Math.round(performance.now() - started) }, "caught up");
  }

  /** The changes after `from` as a delta when they form one, else everything. */
  private async readSince(from: number): Promise<CatchUpResult> {
    const since = await this.db.read((em) => new CatchUpRepository(em).readSince(from));
    if (since.version === from) return { version: from, events: [] };
    const { events, version } = since;
    // Versions committed without an event (before the events existed) leave a hole only a full load fills.
    const contiguous = events.length === version - from && events.every((e, i) => e.version === from + 1 + i);
    if (!contiguous || since.delta.layerKeys.length > MAX_DELTA_LAYERS) return this.readWhole(from);
    return { version, events, delta: since.delta };
  }

  /** Everything, with the events after `from` read in the same consistent view (none on a first load). */
  private readWhole(from: number | null): Promise<CatchUpResult> {
    return this.db.consistentRead(async (em) => {
      const full = await new ConfigStateRepository(em).load();
      const events = from === null || full.version < from ? [] : await new ConfigChangeRepository(em).after(from);
      return { version: full.version, events, full };
    });
  }

  private emit(events: readonly ConfigChangeEvent[], version: number): void {
    const fresh = events.filter((e) => e.version > this.lastEmitted);
    this.lastEmitted = Math.max(this.lastEmitted, version);
    if (fresh.length === 0) return;
    for (const listener of this.changeListeners) {
      try {
        listener(fresh);
      } catch (error) {
        this.logger.error({ err: error }, "a configuration change listener failed");
      }
    }
  }
}
