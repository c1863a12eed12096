// configChanged over graphql-ws and configChanges over HTTP (SPEC §10), one instance, real client and server.

import { CREATE, START, configVersion, ok, uniqueKey } from "../helpers/factories";
import { CREATE_LAYER, UPDATE_LAYER } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";
import {
  CONFIG_CHANGED,
  CONFIG_CHANGES,
  Collector,
  type ConfigChange,
  type Ending,
  waitUntil,
  versionsFrom,
  wsClient,
  type WsClient,
} from "../helpers/ws-client";

let server: TestServer;
const clients: WsClient[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

// Each test starts with no subscription left on the server (an unsubscribe reaches it a moment later).
const collectors: Collector[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) c.stop();
  await waitUntil(() => server.app.changeFeed.subscriberCount === 0, "the subscriptions of the last test to end");
});

/** Subscribes without waiting: changes made meanwhile may come before the subscription. */
function open(query: string, variables: Record<string, unknown> = {}): Collector {
  const collector = new Collector(connect().client, query, variables);
  collectors.push(collector);
  return collector;
}

function connect(options: Parameters<typeof wsClient>[1] = {}): WsClient {
  const client = wsClient(server, options);
  clients.push(client);
  return client;
}

/** Subscribes and waits until the server holds the subscription (a live-only one misses what came before). */
async function subscribe(variables: Record<string, unknown> = {}): Promise<Collector> {
  const before = server.app.changeFeed.subscriberCount;
  const collector = open(CONFIG_CHANGED, variables);
  await waitUntil(() => server.app.changeFeed.subscriberCount > before, "the subscription to be registered");
  return collector;
}

async function mutate(query: string, variables: Record<string, unknown>, actor = "alice") {
  return ok(await server.gql(query, variables, { "x-actor": actor }));
}

const createLayer = (key: string, services: string[], actor?: string) => mutate(CREATE_LAYER, { input: { key, services } }, actor);
const versions = (changes: readonly ConfigChange[]) => changes.map((c) => c.version);
const errorsOf = (ending: Ending) => ending.error as Array<{ message: string; extensions: { code: string; field?: string } }>;

it("a subscriber gets every change once, in order, with its kind, keys, services, mutation, actor and time", async () => {
  const sub = await subscribe();
  const v0 = await configVersion(server);
  const layer = uniqueKey("layer");
  const exp = uniqueKey("exp");
  await createLayer(layer, ["web"], "alice");
  await mutate(CREATE, { input: { key: exp, layer, traffic: 1000, services: ["app"], variants: [{ key: "a", weight: 1 }] } }, "bob");
  await mutate(START, { key: exp }, "carol");
  await mutate(UPDATE_LAYER, { key: layer, input: { services: ["ios"] } }, "dave");
  const got = await sub.untilVersion(v0 + 4);
  expect(got.map(({ at, ...rest }) => rest)).toEqual([
    { version: v0 + 1, kind: "layer", keys: [layer], services: ["web"], mutation: "layer_created", actor: "alice" },
    { version: v0 + 2, kind: "experiment", keys: [exp], services: ["app", "web"], mutation: "created", actor: "bob" },
    { version: v0 + 3, kind: "experiment", keys: [exp], services: ["app", "web"], mutation: "started", actor: "carol" },
    { version: v0 + 4, kind: "layer", keys: [layer], services: ["ios", "web"], mutation: "layer_updated", actor: "dave" },
  ]);
  for (const change of got) expect(new Date(change.at).toISOString()).toBe(change.at);
  // The stored log says the same.
  const stored = ok(await server.gql(CONFIG_CHANGES, { since: v0 })).configChanges;
  expect(stored).toEqual(got);
});

it("with services, only changes touching one of them are sent; a change touching none reaches unfiltered subscribers only", async () => {
  const ios = await subscribe({ services: ["ios"] });
  const webOrTv = await subscribe({ services: ["web", "tv"] });
  const all = await subscribe();
  const v0 = await configVersion(server);
  await createLayer(uniqueKey("web"), ["web"]);
  await createLayer(uniqueKey("ios"), ["ios"]);
  // An implicit layer with no services: it touches nothing.
  await mutate(CREATE, { input: { key: uniqueKey("nowhere"), variants: [{ key: "a", weight: 1 }] } });
  await createLayer(uniqueKey("tv"), ["tv"]);
  await createLayer(uniqueKey("both"), ["ios", "web"]);
  await Promise.all([ios, webOrTv, all].map((s) => s.untilVersion(v0 + 5)));
  expect(versions(ios.items)).toEqual([v0 + 2, v0 + 5]);
  expect(versions(webOrTv.items)).toEqual([v0 + 1, v0 + 4, v0 + 5]);
  expect(versions(all.items)).toEqual(versionsFrom(v0 + 1, v0 + 5));
  expect(all.items[2]!.services).toEqual([]);
});

it("with since, the stored changes come first, then live ones, with no gap and no repeat, also for changes made during the replay", async () => {
  const start = await configVersion(server);
  for (let i = 0; i < 6; i++) await createLayer(uniqueKey("before"), ["web"]);
  const since = start + 2;
  // Not waiting for the subscription: these land before, during or after the replay.
  const sub = open(CONFIG_CHANGED, { since });
  const fromZero = open(CONFIG_CHANGED, { since: 0 });
  const during = await Promise.all(Array.from({ length: 5 }, () => createLayer(uniqueKey("during"), ["web"])));
  expect(during).toHaveLength(5);
  // And these after it, one at a time.
  for (let i = 0; i < 3; i++) await createLayer(uniqueKey("after"), ["web"]);
  const last = await configVersion(server);
  expect(last).toBe(start + 14);
  expect(versions(await sub.untilVersion(last))).toEqual(versionsFrom(since + 1, last));
  expect(versions(await fromZero.untilVersion(last))).toEqual(versionsFrom(1, last));
  // The replayed ones are the stored ones.
  expect(sub.items.slice(0, 4)).toEqual(ok(await server.gql(CONFIG_CHANGES, { since, limit: 4 })).configChanges);
});

it("since at the current version sends only what comes next; a filtered replay skips what the filter excludes", async () => {
  const v0 = await configVersion(server);
  const current = await subscribe({ since: v0 });
  await createLayer(uniqueKey("web"), ["web"]);
  await createLayer(uniqueKey("ios"), ["ios"]);
  const replayedIos = open(CONFIG_CHANGED, { since: v0, services: ["ios"] });
  await current.untilVersion(v0 + 2);
  expect(versions(current.items)).toEqual([v0 + 1, v0 + 2]);
  await createLayer(uniqueKey("ios"), ["ios"]);
  expect(versions(await replayedIos.untilVersion(v0 + 3))).toEqual([v0 + 2, v0 + 3]);
});

it("configChanges(since, limit) reads the stored changes oldest first, 100 by default, at most 1,000", async () => {
  const v0 = await configVersion(server);
  for (let i = 0; i < 3; i++) await createLayer(uniqueKey("listed"), ["web"]);
  const two = ok(await server.gql(CONFIG_CHANGES, { since: v0, limit: 2 })).configChanges;
  expect(versions(two)).toEqual([v0 + 1, v0 + 2]);
  expect(versions(ok(await server.gql(CONFIG_CHANGES, { since: v0 + 2 })).configChanges)).toEqual([v0 + 3]);
  expect(ok(await server.gql(CONFIG_CHANGES, { since: v0 + 3 })).configChanges).toEqual([]);
  expect(ok(await server.gql(CONFIG_CHANGES, { since: 0 })).configChanges).toHaveLength(Math.min(100, v0 + 3));
  expect(ok(await server.gql(CONFIG_CHANGES, { since: 0, limit: 1000 })).configChanges).toHaveLength(v0 + 3);
});

it.each([
  [{ since: 0, limit: 1001 }, "limit"],
  [{ since: 0, limit: 0 }, "limit"],
  [{ since: -1 }, "since"],
])("configChanges(%j) is BAD_USER_INPUT naming %s", async (variables, field) => {
  const res = await server.gql(CONFIG_CHANGES, variables);
  expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
});

it.each([
  [{ since: -1 }, "since"],
  [{ services: [] }, "services"],
  [{ services: ["web", "not a service!"] }, "services[1]"],
])("configChanged(%j) answers BAD_USER_INPUT naming %s and completes", async (variables, field) => {
  const sub = open(CONFIG_CHANGED, variables);
  const ending = await sub.ended;
  expect(ending.completed).toBe(true);
  expect(sub.results).toHaveLength(1);
  expect(sub.results[0]!.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field }, path: ["configChanged"] });
});

it.each([
  ["a variable of the wrong type", CONFIG_CHANGED, { since: "ten" }, "since"],
  ["an unknown argument", `subscription { configChanged(from: 3) { version } }`, {}, "configChanged.from"],
  ["a syntax error", `subscription { configChanged( }`, {}, undefined],
  ["a query", `query { configVersion }`, {}, "query"],
  ["a mutation", `mutation { startExperiment(key: "x") { key } }`, {}, "query"],
])("over graphql-ws, %s is an error message with BAD_USER_INPUT", async (_what, query, variables, field) => {
  const sub = open(query, variables);
  const ending = await sub.ended;
  expect(ending.completed).toBe(false);
  const [error] = errorsOf(ending);
  expect(error!.extensions.code).toBe("BAD_USER_INPUT");
  if (field !== undefined) expect(error!.extensions.field).toBe(field);
  if (query.startsWith("query") || query.startsWith("mutation")) expect(error!.message).toContain("POST /graphql");
});

it("a subscription sent by POST is BAD_USER_INPUT (400) pointing at graphql-ws, not an internal error", async () => {
  const res = await server.gql(CONFIG_CHANGED, {});
  expect(res.status).toBe(400);
  expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "query" });
  expect(res.errors?.[0]?.message).toContain("graphql-ws");
});

it("stopping the server closes open subscriptions with 1001, then stops", async () => {
  const sub = await subscribe();
  await server.stop();
  const ending = await sub.ended;
  expect((ending.error as { code: number }).code).toBe(1001);
  expect(server.app.changeFeed.subscriberCount).toBe(0);
});
