// NotificationListener: one dedicated pg.Client LISTENing on the configuration channel, reconnecting
// with backoff (SPEC §10): never a pooled connection, which the pool could hand to a query.

import { Client } from "pg";
import { settlesWithin } from "../deadline";
import type { Logger } from "../logger";
import { CONFIG_CHANNEL } from "./config-change.repository";

export interface ListenerEvents {
  /** A notification on the channel: the raw payload, unparsed. */
  onNotification(payload: string): void;
  /** LISTEN is in place again (first connect or a reconnect): a catch-up must follow, notifications may have been missed. */
  onConnected(): void;
  onDisconnected(): void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Connected this long, the next failure starts from `initialMs` again. */
  readonly resetAfterMs: number;
}

/** 1 s doubling to 30 s, reset after 60 s connected (SPEC §10). */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/** ±50 % jitter, so instances that lost the database together do not come back in step. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.5 + random()));
}

/** A clean end waits for the server's answer; a hung server gets this long before the socket is cut. */
const CLOSE_WAIT_MS = 1_000;

async function endWithin(client: Client, ms: number): Promise<void> {
  // pg exposes no public way to cut a connection that does not answer: its socket is destroyed.
  if (!(await settlesWithin(client.end(), ms))) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

export class NotificationListener {
  private client: Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private connectedAt = 0;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly events: ListenerEvents,
    private readonly logger: Logger,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    private readonly connectTimeoutMs = 5_000,
  ) {
    this.delayMs = backoff.initialMs;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** The backend pid of the listening connection (tests terminate it), null while disconnected. */
  get backendPid(): number | null {
    return this.connected ? ((this.client as unknown as { processID?: number })?.processID ?? null) : null;
  }

  /** Connects; resolves after the first attempt, connected or not (a failure schedules the next). */
  start(): Promise<void> {
    return this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs, keepAlive: true, application_name: "tessera-listener" });
    this.client = client;
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      client.removeAllListeners("notification");
      // An error after `end` is expected; the client is dropped either way.
      client.on("error", () => undefined);
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = null;
      const wasConnected = this.connected;
      this.connected = false;
      if (this.closed) return;
      if (wasConnected) {
        this.logger.warn({ err: error }, "configuration listener lost its connection; reconnecting");
        this.events.onDisconnected();
      }
      if (wasConnected && Date.now() - this.connectedAt >= this.backoff.resetAfterMs) this.delayMs = this.backoff.initialMs;
      this.schedule();
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel === CONFIG_CHANNEL) this.events.onNotification(message.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      this.logger.debug({ err: error }, "configuration listener could not connect");
      onLost(error);
      return;
    }
    if (lost || this.closed) {
      void client.end().catch(() => undefined);
      return;
    }
    this.connected = true;
    this.connectedAt = Date.now();
    this.logger.info("configuration listener connected");
    this.events.onConnected();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const wait = jittered(this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await endWithin(client, CLOSE_WAIT_MS);
  }
}
