// ConfigChangeFeed: configuration change events for clients (SPEC §10): `configChanges` reads the stored
// ones, `configChanged` subscribers get stored then live ones; the follower's stream is the one source.

import { validateServices } from "../engine/definition";
import { badInput } from "../engine/errors";
import type { Logger } from "../logger";
import type { AccessKey } from "./access-key";
import { type ConfigChangeEvent, ConfigChangeRepository } from "../persistence/config-change.repository";
import type { Database } from "../persistence/database";
import { ChangeStream, type LiveChanges, type ReadChangesAfter, type Subscriber } from "./change-stream";

export type { ConfigChangeEvent } from "../persistence/config-change.repository";
export type { Subscriber } from "./change-stream";

export const DEFAULT_CHANGES_LIMIT = 100;
export const MAX_CHANGES_LIMIT = 1_000;
/** Stored events are replayed this many at a time (at most the queue bound: a page waits for the subscriber too). */
const REPLAY_PAGE = 100;

export const NOT_OVER_GRAPHQL_WS = "subscriptions are served over graphql-ws (protocol graphql-transport-ws) on /graphql, not by POST or GET";

export interface ChangeFilter {
  /** Only changes touching one of these services; null: every change. */
  readonly services?: readonly string[] | null;
  /** Replay the stored changes after this version first; null: live changes only. */
  readonly since?: number | null;
}

export interface ConfigChangeFeedOptions {
  /** How many live changes may wait for one subscriber (SUBSCRIBER_QUEUE_MAX). */
  readonly queueMax: number;
  /** The configuration version this instance serves; null before the first load. */
  readonly currentVersion: () => number | null;
}

/** Reads stored change events from the database. */
export function storedChanges(db: Database): ReadChangesAfter {
  return (version, limit) => db.read((em) => new ConfigChangeRepository(em).after(version, limit));
}

function validateSince(since: number): void {
  if (!Number.isSafeInteger(since) || since < 0) throw badInput("since", "since must be a configuration version, 0 or more");
}

/** A change touches a service when its services (before and after the change) name it; one touching none reaches only unfiltered subscribers. */
function matcherOf(services: readonly string[] | null | undefined): (event: ConfigChangeEvent) => boolean {
  if (services == null) return () => true;
  if (services.length === 0) throw badInput("services", "services must name at least one service; omit it for every change");
  validateServices("services", services);
  const wanted = new Set(services);
  return (event) => event.services.some((service) => wanted.has(service));
}

/**
 * What a key may see (SPEC §13): api_key changes only ADMIN keys (and AUTH=off), and an SDK key
 * limited to services only changes touching one of them.
 */
function visibleTo(viewer: AccessKey | null): ((event: ConfigChangeEvent) => boolean) | null {
  if (viewer === null || viewer.role === "ADMIN") return null;
  const scope = viewer.services;
  return (event) => event.kind !== "api_key" && (scope === null || event.services.some((service) => scope.has(service)));
}

export class ConfigChangeFeed {
  private readonly streams = new Set<ChangeStream>();
  private fellBehind = 0;

  constructor(
    private readonly readAfter: ReadChangesAfter,
    private readonly live: LiveChanges,
    private readonly logger: Logger,
    private readonly options: ConfigChangeFeedOptions,
  ) {}

  /** Open subscriptions. */
  get subscriberCount(): number {
    return this.streams.size;
  }

  /** Subscriptions ended because their subscriber fell behind, since start. */
  get fellBehindCount(): number {
    return this.fellBehind;
  }

  /** The stored change events after `since`, oldest first. */
  async list(since: number, limit: number | null | undefined, viewer: AccessKey | null): Promise<ConfigChangeEvent[]> {
    validateSince(since);
    const count = limit ?? DEFAULT_CHANGES_LIMIT;
    if (!Number.isInteger(count) || count < 1 || count > MAX_CHANGES_LIMIT) {
      throw badInput("limit", `limit must be an integer in [1, ${MAX_CHANGES_LIMIT}], got ${count}`);
    }
    const visible = visibleTo(viewer);
    if (visible === null) return this.readAfter(since, count);
    // Pages of events the viewer may not see are skipped, so `limit` counts what it gets.
    const seen: ConfigChangeEvent[] = [];
    let after = since;
    for (;;) {
      const page = await this.readAfter(after, count);
      seen.push(...page.filter(visible).slice(0, count - seen.length));
      if (page.length < count || seen.length === count) return seen;
      after = page[page.length - 1]!.version;
    }
  }

  /**
   * Every change from now on (after `since` when given) that passes the filter, in version order,
   * each once. A subscriber with more than `queueMax` live changes waiting is told through
   * `subscriber` and its stream ends: it resubscribes with `since`, and memory stays bounded.
   */
  subscribe(filter: ChangeFilter, subscriber: Subscriber | undefined, viewer: AccessKey | null): AsyncIterableIterator<ConfigChangeEvent> {
    if (subscriber === undefined) throw badInput("query", NOT_OVER_GRAPHQL_WS);
    const since = filter.since ?? null;
    if (since !== null) validateSince(since);
    const wanted = matcherOf(filter.services);
    const visible = visibleTo(viewer);
    const matches = visible === null ? wanted : (event: ConfigChangeEvent) => visible(event) && wanted(event);
    const stream = new ChangeStream(this.live, {
      since,
      startVersion: this.options.currentVersion(),
      matches,
      queueMax: this.options.queueMax,
      pageSize: Math.min(REPLAY_PAGE, this.options.queueMax),
      readAfter: this.readAfter,
      subscriber,
      onEnd: (ended, fellBehind) => this.ended(ended, fellBehind),
    });
    this.streams.add(stream);
    return stream;
  }

  /** Ends every subscription and waits for the stored pages being read (before the database closes). */
  async close(): Promise<void> {
    const reads = [...this.streams].map((stream) => stream.pendingRead);
    for (const stream of [...this.streams]) stream.end(false);
    await Promise.allSettled(reads);
  }

  private ended(stream: ChangeStream, fellBehind: boolean): void {
    this.streams.delete(stream);
    if (!fellBehind) return;
    this.fellBehind++;
    this.logger.warn({ queueMax: this.options.queueMax }, "a subscriber fell behind: its connection is closed, it resubscribes with since");
  }
}
