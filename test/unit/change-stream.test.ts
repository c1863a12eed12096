// ConfigChangeFeed's streams against a scripted world: a change table, a follower that lags, page reads that
// answer when told; every interleaving delivers each change once, in order, and a slow subscriber is bounded.

import type { ConfigChangeEvent } from "../../src/persistence/config-change.repository";
import { createLogger } from "../../src/logger";
import type { ChangeListener } from "../../src/services/config-follower";
import { ConfigChangeFeed } from "../../src/services/config-change-feed";
import { int, prng } from "../helpers/prng";

const logger = createLogger("silent");

const event = (version: number, services: string[]): ConfigChangeEvent => ({
  version,
  kind: "layer",
  keys: [`k${version}`],
  services,
  layers: [],
  mutation: "layer_updated",
  actor: null,
  apiKey: null,
  at: new Date(0),
});

interface PendingRead {
  readonly after: number;
  readonly limit: number;
  /** What the read's statement sees, fixed at some moment between the call and the answer. */
  seen?: ConfigChangeEvent[];
  resolve(events: ConfigChangeEvent[]): void;
  reject(error: Error): void;
}

/** The table of change events, the follower's emissions, and page reads the test answers one by one. */
class World {
  readonly table: ConfigChangeEvent[] = [];
  emittedThrough = 0;
  readonly listeners = new Set<ChangeListener>();
  readonly reads: PendingRead[] = [];
  readonly live = {
    onChange: (listener: ChangeListener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };
  readonly readAfter = (after: number, limit: number) =>
    new Promise<ConfigChangeEvent[]>((resolve, reject) => this.reads.push({ after, limit, resolve, reject }));

  commit(services: string[] = ["web"]): void {
    this.table.push(event(this.table.length + 1, services));
  }

  /** The follower emits up to `count` committed events it has not emitted yet, in one batch. */
  emit(count = Infinity): void {
    const batch = this.table.slice(this.emittedThrough, this.emittedThrough + count);
    if (batch.length === 0) return;
    this.emittedThrough += batch.length;
    for (const listener of [...this.listeners]) listener(batch);
  }

  /** The oldest page read not yet run takes its snapshot of the table now. */
  runRead(): void {
    const read = this.reads.find((r) => r.seen === undefined);
    if (read) read.seen = this.table.filter((e) => e.version > read.after).slice(0, read.limit);
  }

  /** Answers the oldest page read with its snapshot (taken now if it has none). */
  answerRead(): boolean {
    const read = this.reads[0];
    if (!read) return false;
    if (read.seen === undefined) this.runRead();
    this.reads.shift();
    read.resolve(read.seen!);
    return true;
  }

  feed(queueMax: number): ConfigChangeFeed {
    return new ConfigChangeFeed(this.readAfter, this.live, logger, { queueMax, currentVersion: () => this.emittedThrough });
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A subscriber that pulls only when told, and records whether it was told it fell behind. */
class Puller {
  readonly got: number[] = [];
  readonly reasons: string[] = [];
  done = false;
  private pending: Promise<void> | null = null;
  readonly stream: AsyncIterableIterator<ConfigChangeEvent>;

  constructor(feed: ConfigChangeFeed, filter: { services?: string[] | null; since?: number | null }) {
    this.stream = feed.subscribe(filter, { fellBehind: (reason) => this.reasons.push(reason) }, null);
  }

  pull(): void {
    if (this.pending || this.done) return;
    this.pending = this.stream.next().then((result) => {
      this.pending = null;
      if (result.done) this.done = true;
      else this.got.push(result.value.version);
    });
  }
}

const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

it.each(SEEDS)("seed %i: every matching change arrives once, in order, across lag, pages and falling behind", async (seed) => {
  const rand = prng(seed);
  const world = new World();
  const pick = () => (rand() < 0.6 ? ["web"] : rand() < 0.5 ? ["ios"] : []);
  for (let i = int(rand, 0, 15); i > 0; i--) world.commit(pick());
  world.emit(int(rand, 0, world.table.length));
  const feed = world.feed(int(rand, 2, 8));
  const filter = rand() < 0.5 ? null : ["web"];
  const since = rand() < 0.25 ? null : int(rand, 0, world.table.length);
  // Live only: what the follower emits from now on.
  const from = since ?? world.emittedThrough;

  let subscriber = new Puller(feed, { services: filter, since });
  const received: number[] = [];
  let resumes = 0;
  /** Like a client told it fell behind: resubscribe with since = the last version it got. */
  const follow = async () => {
    if (subscriber.reasons.length === 0) return;
    // A next() that resolved before the end has its value on the way.
    await settle();
    received.push(...subscriber.got);
    const resume = Number(/since=(\d+)/.exec(subscriber.reasons[0]!)?.[1]);
    expect(resume).toBe(received.at(-1) ?? from);
    resumes++;
    subscriber = new Puller(feed, { services: filter, since: resume });
  };

  for (let step = 0; step < 300; step++) {
    const r = rand();
    if (r < 0.25) world.commit(pick());
    else if (r < 0.45) world.emit(int(rand, 1, 4));
    else if (r < 0.52) world.runRead();
    else if (r < 0.6) world.answerRead();
    else if (r < 0.9) subscriber.pull();
    else await settle();
    await follow();
  }
  // Then everything is emitted and answered, and the subscriber reads to the end.
  const expected = world.table.filter((e) => e.version > from && (filter === null || e.services.includes("web"))).map((e) => e.version);
  for (let round = 0; round < 10_000 && [...received, ...subscriber.got].length < expected.length; round++) {
    world.emit();
    world.answerRead();
    subscriber.pull();
    await settle();
    await follow();
  }
  expect([...received, ...subscriber.got]).toEqual(expected);
  expect(feed.fellBehindCount).toBe(resumes);
});

it("live: one change more than the bound waiting ends the stream and tells the subscriber where to resume", async () => {
  const world = new World();
  world.commit();
  world.emit();
  const feed = world.feed(3);
  const idle = new Puller(feed, {});
  world.commit();
  world.commit();
  world.commit();
  world.emit();
  expect(idle.reasons).toEqual([]);
  world.commit();
  world.emit();
  expect(idle.reasons).toEqual(["fell behind: over 3 changes waiting; resubscribe with since=1"]);
  idle.pull();
  await settle();
  expect(idle.done).toBe(true);
  expect(idle.got).toEqual([]);
  expect(feed.subscriberCount).toBe(0);
  expect(world.listeners.size).toBe(0);
  expect(feed.fellBehindCount).toBe(1);
});

it("live: the resume point is the last change handed over", async () => {
  const world = new World();
  const feed = world.feed(2);
  const slow = new Puller(feed, {});
  for (let i = 0; i < 2; i++) world.commit();
  world.emit();
  slow.pull();
  await settle();
  for (let i = 0; i < 3; i++) world.commit();
  world.emit();
  expect(slow.got).toEqual([1]);
  expect(slow.reasons).toEqual(["fell behind: over 2 changes waiting; resubscribe with since=1"]);
});

it("replay: stored pages do not count against the bound; live changes held during the replay do", async () => {
  const world = new World();
  for (let i = 0; i < 10; i++) world.commit();
  world.emit();
  const feed = world.feed(2);
  const replaying = new Puller(feed, { since: 0 });
  for (let i = 0; i < 10; i++) {
    replaying.pull();
    world.answerRead();
    await settle();
  }
  expect(replaying.got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(replaying.reasons).toEqual([]);
  // Pages of 2 (the bound): 5 full pages read so far, still replaying until a short one.
  replaying.pull();
  for (let i = 0; i < 3; i++) world.commit();
  world.emit();
  expect(replaying.reasons).toEqual(["fell behind: over 2 changes waiting; resubscribe with since=10"]);
});

it("return() while a next() waits ends it done and stops listening; close() waits for the page being read", async () => {
  const world = new World();
  const feed = world.feed(10);
  const waiting = new Puller(feed, {});
  waiting.pull();
  await waiting.stream.return!();
  await settle();
  expect(waiting.done).toBe(true);
  expect(world.listeners.size).toBe(0);

  world.commit();
  const reading = new Puller(feed, { since: 0 });
  reading.pull();
  let closed = false;
  const closing = feed.close().then(() => (closed = true));
  await settle();
  expect(closed).toBe(false);
  world.answerRead();
  await closing;
  await settle();
  expect(reading.done).toBe(true);
  expect(reading.got).toEqual([]);
  expect(feed.subscriberCount).toBe(0);
});

it("a page that cannot be read fails the stream's next() and ends it", async () => {
  const world = new World();
  const feed = world.feed(10);
  const stream = feed.subscribe({ since: 0 }, { fellBehind: () => undefined }, null);
  const next = stream.next();
  world.reads.shift()!.reject(new Error("the database cannot be reached"));
  await expect(next).rejects.toThrow("the database cannot be reached");
  expect(world.listeners.size).toBe(0);
  expect(feed.subscriberCount).toBe(0);
  expect(await stream.next()).toEqual({ value: undefined, done: true });
});

it("subscribe refuses a negative since, an empty or malformed services list, and a caller that is not a graphql-ws subscriber", () => {
  const feed = new World().feed(10);
  const subscriber = { fellBehind: () => undefined };
  expect(() => feed.subscribe({ since: -1 }, subscriber, null)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT", details: { field: "since" } }));
  expect(() => feed.subscribe({ services: [] }, subscriber, null)).toThrow(expect.objectContaining({ details: { field: "services" } }));
  expect(() => feed.subscribe({ services: ["a b"] }, subscriber, null)).toThrow(expect.objectContaining({ details: { field: "services[0]" } }));
  expect(() => feed.subscribe({}, undefined, null)).toThrow(/graphql-ws/);
  expect(feed.subscriberCount).toBe(0);
});
