// ChangeStream: one subscriber's change events (SPEC §10): the stored ones after `since`, read page by
// page, then the live ones, in version order with no gap and no repeat, with a bound on what may wait.

import type { ConfigChangeEvent } from "../persistence/config-change.repository";
import type { ChangeListener } from "./config-follower";

/** Every change event from now on, in version order, each once (the ConfigFollower). */
export interface LiveChanges {
  onChange(listener: ChangeListener): () => void;
}

/** Stored change events after `version`, oldest first, at most `limit`. */
export type ReadChangesAfter = (version: number, limit: number) => Promise<ConfigChangeEvent[]>;

/** The transport end of a subscription: what it does when the subscriber falls too far behind. */
export interface Subscriber {
  /** End the subscriber's connection, telling it why and where to resume (the reason fits a close frame). */
  fellBehind(reason: string): void;
}

export interface ChangeStreamOptions {
  /** Replay the stored events after this version first; null: live events only. */
  readonly since: number | null;
  /** Where the subscriber would resume before it got anything (the version current at subscription). */
  readonly startVersion: number | null;
  readonly matches: (event: ConfigChangeEvent) => boolean;
  /** At most this many live events wait; one more and the subscriber fell behind. */
  readonly queueMax: number;
  readonly pageSize: number;
  readonly readAfter: ReadChangesAfter;
  readonly subscriber: Subscriber;
  /** Called once when the stream ends, for whatever reason. */
  readonly onEnd: (stream: ChangeStream, fellBehind: boolean) => void;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

export class ChangeStream implements AsyncIterableIterator<ConfigChangeEvent> {
  /** Events ready for the subscriber, oldest first: the rest of the last page, then live ones. */
  private readonly ready: ConfigChangeEvent[] = [];
  /** How many of `ready`, from its head, came from the stored page (not counted against the bound). */
  private pagedLeft = 0;
  /** Live events received during the replay, kept until the replay has read up to them. */
  private held: ConfigChangeEvent[] = [];
  /** Every event up to this version has been read or received (and sent when it matches). */
  private through: number;
  private replaying: boolean;
  private lastDelivered: number | null = null;
  private waiting: ((result: IteratorResult<ConfigChangeEvent>) => void) | null = null;
  private pageRead: Promise<unknown> | null = null;
  private ended = false;
  private readonly stopListening: () => void;

  constructor(
    live: LiveChanges,
    private readonly options: ChangeStreamOptions,
  ) {
    this.replaying = options.since !== null;
    this.through = options.since ?? -1;
    // Listening starts before the first stored page is read: an event committed after that read is
    // then sure to arrive live, and one read and received both is dropped by its version.
    this.stopListening = live.onChange((events) => this.receive(events));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The page read in flight, if any (closing waits for it before the database goes). */
  get pendingRead(): Promise<unknown> | null {
    return this.pageRead;
  }

  async next(): Promise<IteratorResult<ConfigChangeEvent>> {
    for (;;) {
      if (this.ended) return DONE;
      const event = this.ready.shift();
      if (event !== undefined) {
        if (this.pagedLeft > 0) this.pagedLeft--;
        this.lastDelivered = event.version;
        return { value: event, done: false };
      }
      if (!this.replaying) return new Promise((resolve) => (this.waiting = resolve));
      await this.readPage();
    }
  }

  async return(): Promise<IteratorResult<ConfigChangeEvent>> {
    this.end(false);
    return DONE;
  }

  /** Ends the stream: no more events, a pending `next` resolves done. */
  end(fellBehind: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.stopListening();
    this.ready.length = 0;
    this.held = [];
    this.waiting?.(DONE);
    this.waiting = null;
    this.options.onEnd(this, fellBehind);
  }

  private async readPage(): Promise<void> {
    const read = this.options.readAfter(this.through, this.options.pageSize);
    this.pageRead = read;
    let page: ConfigChangeEvent[];
    try {
      page = await read;
    } catch (error) {
      // The error ends the subscription (graphql-ws sends it); nothing may stay subscribed behind it.
      this.end(false);
      throw error;
    } finally {
      this.pageRead = null;
    }
    if (this.ended) return;
    for (const event of page) if (this.options.matches(event)) this.ready.push(event);
    this.pagedLeft = this.ready.length;
    const last = page[page.length - 1];
    if (last !== undefined) this.through = last.version;
    // A short page read everything committed when it started; anything later was received live.
    if (page.length < this.options.pageSize) this.goLive();
  }

  private goLive(): void {
    this.replaying = false;
    for (const event of this.held) if (event.version > this.through) this.ready.push(event);
    this.held = [];
  }

  private receive(events: readonly ConfigChangeEvent[]): void {
    if (this.ended) return;
    for (const event of events) {
      if (event.version <= this.through) continue;
      if (this.replaying) {
        if (this.options.matches(event)) this.held.push(event);
        continue;
      }
      this.through = event.version;
      if (!this.options.matches(event)) continue;
      if (this.waiting !== null) {
        const resolve = this.waiting;
        this.waiting = null;
        this.lastDelivered = event.version;
        resolve({ value: event, done: false });
      } else this.ready.push(event);
    }
    if (this.ready.length - this.pagedLeft + this.held.length > this.options.queueMax) this.fallBehind();
  }

  private fallBehind(): void {
    const resume = this.lastDelivered ?? this.options.since ?? this.options.startVersion;
    const where = resume === null ? "the last version received" : String(resume);
    this.end(true);
    this.options.subscriber.fellBehind(`fell behind: over ${this.options.queueMax} changes waiting; resubscribe with since=${where}`);
  }
}
