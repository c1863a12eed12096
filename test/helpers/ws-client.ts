// graphql-ws for the tests: the real `graphql-ws` client over `ws`, and a collector of configChanged events.

import { type Client, createClient, type ExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import { TEST_ADMIN_KEY, type TestServer } from "./test-server";

export const CHANGE_FIELDS = "version kind keys services mutation actor at";
export const CONFIG_CHANGED = `subscription($services: [String!], $since: Int) {
  configChanged(services: $services, since: $since) { ${CHANGE_FIELDS} } }`;
export const CONFIG_CHANGES = `query($since: Int!, $limit: Int) { configChanges(since: $since, limit: $limit) { ${CHANGE_FIELDS} } }`;

export interface ConfigChange {
  version: number;
  kind: string;
  keys: string[];
  services: string[];
  mutation: string;
  actor: string | null;
  at: string;
}

export interface WsClientOptions {
  readonly connectionParams?: Record<string, unknown>;
  /** Headers of the upgrade request. */
  readonly headers?: Record<string, string>;
}

export interface WsClient {
  readonly client: Client;
  /** The sockets the client opened, newest last (tests pause one to play a slow reader). */
  readonly sockets: WebSocket[];
  dispose(): Promise<void>;
}

/** A graphql-ws client of the test server that never retries: a close reaches the test as the sink's error. */
export function wsClient(server: TestServer, options: WsClientOptions = {}): WsClient {
  const sockets: WebSocket[] = [];
  class RecordedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: options.headers });
      sockets.push(this);
    }
  }
  const client = createClient({
    url: server.url.replace(/^http/, "ws"),
    webSocketImpl: RecordedWebSocket,
    // The tests' ADMIN key unless the test names its own (or none: `authorization: undefined` given explicitly).
    connectionParams: options.connectionParams && "authorization" in options.connectionParams ? options.connectionParams : { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...options.connectionParams },
    retryAttempts: 0,
  });
  return { client, sockets, dispose: async () => client.dispose() };
}

/** How a subscription ended: completed, or with the errors / close event the client reported. */
export interface Ending {
  readonly completed: boolean;
  readonly error?: unknown;
}

/** Everything one subscription receives, in order. */
export class Collector<T = ConfigChange> {
  readonly results: Array<ExecutionResult<Record<string, unknown>>> = [];
  readonly ended: Promise<Ending>;
  private readonly unsubscribe: () => void;
  private readonly waiters = new Set<() => void>();
  private ending: Ending | null = null;

  constructor(
    client: Client,
    query: string,
    variables: Record<string, unknown> = {},
    private readonly field = "configChanged",
  ) {
    let settle!: (ending: Ending) => void;
    this.ended = new Promise((resolve) => (settle = resolve));
    const finish = (ending: Ending) => {
      this.ending = ending;
      settle(ending);
      this.wake();
    };
    this.unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          this.results.push(result as ExecutionResult<Record<string, unknown>>);
          this.wake();
        },
        error: (error) => finish({ completed: false, error }),
        complete: () => finish({ completed: true }),
      },
    );
  }

  /** The data received, in order. */
  get items(): T[] {
    return this.results.filter((r) => r.data).map((r) => r.data![this.field] as T);
  }

  /** Resolves once `done(items)` holds; fails if the subscription ends first. */
  until(done: (items: T[]) => boolean, what: string): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done(this.items)) {
          this.waiters.delete(check);
          resolve(this.items);
        } else if (this.ending) {
          this.waiters.delete(check);
          reject(new Error(`the subscription ended (${describe(this.ending)}) before ${what}; got ${JSON.stringify(this.results)}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once a change of at least `version` arrived. */
  untilVersion(version: number): Promise<T[]> {
    return this.until((items) => items.some((i) => (i as unknown as ConfigChange).version >= version), `version ${version} arrived`);
  }

  stop(): void {
    this.unsubscribe();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function describe(ending: Ending): string {
  if (ending.completed) return "completed";
  const error = ending.error as { code?: number; reason?: string } | unknown[];
  if (Array.isArray(error)) return JSON.stringify(error);
  return `closed ${error?.code}: ${error?.reason}`;
}

/** What a test file closes at its end: the clients it opened and the subscriptions it collects. */
export interface Opened {
  readonly clients: WsClient[];
  readonly collectors: Collector[];
}

/** A configChanged subscription on `server` (a client of its own), once the server holds it. */
export async function subscribed(server: TestServer, opened: Opened, variables: Record<string, unknown> = {}, options: WsClientOptions = {}): Promise<Collector> {
  const client = wsClient(server, options);
  opened.clients.push(client);
  const before = server.app.changeFeed.subscriberCount;
  const collector = new Collector(client.client, CONFIG_CHANGED, variables);
  opened.collectors.push(collector);
  await waitUntil(() => server.app.changeFeed.subscriberCount > before, "the subscription to be registered");
  return collector;
}

/** Waits until `condition` holds, checking every few milliseconds (the server's own counters). */
export async function waitUntil(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`still waiting, after ${limitMs} ms, for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Versions with neither gap nor repeat, from `from` to `to` inclusive. */
export const versionsFrom = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
