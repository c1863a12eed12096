// Two instances on one PostgreSQL database follow each other through change events and NOTIFY (SPEC §10).

import { Client } from "pg";
import { ARCHIVE, SET_WEIGHTS, START, configVersion, createExperiment, ok, runningExperiment, uniqueKey } from "../helpers/factories";
import { type Instances, servedVersion, startInstances, waitForVersion } from "../helpers/instances";
import { createTestDatabase, withPg } from "../helpers/test-database";
import { CONFIG_CHANGED, Collector, waitUntil, wsClient } from "../helpers/ws-client";
import { startTestServer, type TestServer } from "../helpers/test-server";

const DECIDE = `query($services: [String!]!, $context: JSON!) {
  decide(services: $services, context: $context) { configVersion results { service experiments { experiment variant source } } } }`;

let instances: Instances;
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  instances = await startInstances(2);
  [a, b] = instances.servers as [TestServer, TestServer];
});
afterAll(() => instances.close());

async function decideOn(server: TestServer, service: string, actor: string) {
  return ok(await server.gql(DECIDE, { services: [service], context: { user_id: actor } })).decide;
}

it("a change made on A is decided by B, and every change stores one event with a version and a NOTIFY", async () => {
  const notified: string[] = [];
  const listener = new Client({ connectionString: (instances.database.config as { url: string }).url });
  await listener.connect();
  listener.on("notification", (m) => notified.push(m.payload ?? ""));
  await listener.query("LISTEN tessera_config");
  try {
    const key = uniqueKey("follow");
    const before = await configVersion(a);
    await runningExperiment(a, key, { services: ["checkout"] });
    await waitForVersion(b, before + 2);
    const decided = await decideOn(b, "checkout", "user:1");
    expect(decided.results[0].experiments).toEqual([{ experiment: key, variant: expect.any(String), source: "BUCKET" }]);

    const events = await withPg(instances.database, (c) =>
      c.query(`SELECT version, kind, keys, services, layers, mutation FROM config_changes WHERE version > $1 ORDER BY version`, [before]),
    );
    expect(events.rows).toEqual([
      { version: before + 1, kind: "experiment", keys: [key], services: ["checkout"], layers: [key], mutation: "created" },
      { version: before + 2, kind: "experiment", keys: [key], services: ["checkout"], layers: [key], mutation: "started" },
    ]);
    await waitFor(() => notified.length >= 2);
    expect(notified.slice(-2)).toEqual([JSON.stringify({ version: before + 1 }), JSON.stringify({ version: before + 2 })]);
  } finally {
    await listener.end();
  }
});

it("after A archives an experiment, B never buckets a new actor into it", async () => {
  const key = uniqueKey("archived");
  await runningExperiment(a, key, { services: ["archive_svc"] });
  ok(await a.gql(ARCHIVE, { key }));
  await waitForVersion(b, await configVersion(a));
  for (let i = 0; i < 50; i++) {
    const decided = await decideOn(b, "archive_svc", `new:${i}`);
    expect(decided.results[0].experiments).toEqual([]);
  }
  const stored = await withPg(instances.database, (c) => c.query(`SELECT count(*)::int AS n FROM assignments WHERE experiment_key = $1`, [key]));
  expect(stored.rows[0].n).toBe(0);
});

it("after A moves every slot to one variant, B stores no new actor in the variant now weighted 0", async () => {
  const key = uniqueKey("weights");
  await runningExperiment(a, key, { services: ["weights_svc"] });
  ok(await a.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 0 }, { key: "treatment", weight: 100 }] }));
  await waitForVersion(b, await configVersion(a));
  for (let i = 0; i < 100; i++) await decideOn(b, "weights_svc", `fresh:${i}`);
  const stored = await withPg(instances.database, (c) =>
    c.query(`SELECT variant_key AS variant, count(*)::int AS n FROM assignments WHERE experiment_key = $1 GROUP BY 1`, [key]),
  );
  expect(stored.rows).toEqual([{ variant: "treatment", n: 100 }]);
});

it("B, not yet told of A's change, stores no new actor under its old configuration: its write finds the version moved and decides again", async () => {
  const key = uniqueKey("stale");
  await runningExperiment(a, key, { services: ["stale_svc"] });
  await waitForVersion(b, await configVersion(a));
  // B hears nothing for a while: its listener is gone and its reconcile timer is 30 s away.
  await withPg(instances.database, (c) => c.query(`SELECT pg_terminate_backend($1)`, [b.app.follower.listenerPid]));
  ok(await a.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 0 }, { key: "treatment", weight: 100 }] }));
  const newest = await configVersion(a);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => decideOn(b, "stale_svc", `late:${i}`)));
  for (const answer of answers) {
    expect(answer.configVersion).toBe(newest);
    expect(answer.results[0].experiments).toEqual([{ experiment: key, variant: "treatment", source: "BUCKET" }]);
  }
  const stored = await withPg(instances.database, (c) =>
    c.query(`SELECT variant_key AS variant, count(*)::int AS n FROM assignments WHERE experiment_key = $1 GROUP BY 1`, [key]),
  );
  expect(stored.rows).toEqual([{ variant: "treatment", n: 40 }]);
  await waitFor(() => b.app.follower.listenerState === "connected", 10_000);
});

it("B's listener killed while A makes 50 changes: B reconnects and converges; its subscribers, live and with since, get all 50 once", async () => {
  const key = uniqueKey("killed");
  await createExperiment(a, { key, services: ["killed_svc"], variants: [{ key: "only", weight: 1 }] });
  const before = await configVersion(a);
  await waitForVersion(b, before);
  const ws = wsClient(b);
  const live = new Collector(ws.client, CONFIG_CHANGED, { services: ["killed_svc"] });
  await waitUntil(() => b.app.changeFeed.subscriberCount === 1, "B's live subscriber");
  const pid = b.app.follower.listenerPid;
  expect(pid).not.toBeNull();
  await withPg(instances.database, (c) => c.query(`SELECT pg_terminate_backend($1)`, [pid]));
  ok(await a.gql(START, { key }));
  for (let i = 0; i < 49; i++) {
    ok(await a.gql(`mutation($key: String!, $d: String) { updateExperiment(key: $key, input: { description: $d }) { version } }`, { key, d: `v${i}` }));
  }
  const newest = await configVersion(a);
  expect(newest).toBe(before + 50);
  // The reconcile timer runs every 30 s: converging sooner proves the reconnect caught up.
  await waitForVersion(b, newest, 15_000);
  expect(b.app.follower.listenerState).toBe("connected");
  expect(b.app.follower.listenerPid).not.toBe(pid);
  expect((await decideOn(b, "killed_svc", "someone")).results[0].experiments).toEqual([{ experiment: key, variant: "only", source: "BUCKET" }]);

  const replay = new Collector(ws.client, CONFIG_CHANGED, { since: before, services: ["killed_svc"] });
  const expected = Array.from({ length: 50 }, (_, i) => before + 1 + i);
  for (const subscriber of [live, replay]) {
    const items = await subscriber.untilVersion(newest);
    expect(items.map((c) => c.version)).toEqual(expected);
  }
  live.stop();
  replay.stop();
  await ws.dispose();
});

it("malformed, stale, duplicate and oversized notifications crash nothing and cost at most a catch-up", async () => {
  const payloads = ["garbage", "", "null", "[]", `{"version":"7"}`, `{"version":-1}`, `{"version":1.5}`, `{"version":0}`, JSON.stringify({ version: 0, pad: "x".repeat(7_000) })];
  const current = await servedVersion(b);
  payloads.push(JSON.stringify({ version: current }), JSON.stringify({ version: current }), JSON.stringify({ version: current + 1_000_000 }));
  await withPg(instances.database, async (c) => {
    for (const p of payloads) await c.query(`SELECT pg_notify('tessera_config', $1)`, [p]);
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await servedVersion(b)).toBe(current);
  expect(b.app.follower.listenerState).toBe("connected");
  // And it still follows real changes.
  const key = uniqueKey("after_noise");
  await createExperiment(a, { key, variants: [{ key: "x", weight: 1 }] });
  await waitForVersion(b, current + 1);
});

it("versions have no gaps: refused mutations store no event", async () => {
  const before = await configVersion(a);
  const key = uniqueKey("gapless");
  await createExperiment(a, { key, variants: [{ key: "x", weight: 1 }] });
  expect((await a.gql(START, { key: "missing_experiment" })).errors?.[0]?.extensions.code).toBe("NOT_FOUND");
  expect((await b.gql(`mutation($k: String!) { concludeExperiment(key: $k, winner: "nope") { key } }`, { k: key })).errors?.[0]?.extensions.code).toBe("NO_VARIANT");
  ok(await b.gql(START, { key }));
  const rows = await withPg(instances.database, (c) => c.query(`SELECT version FROM config_changes ORDER BY version`));
  const versions = rows.rows.map((r: { version: number }) => r.version);
  expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
  expect(versions.at(-1)).toBe(before + 2);
});

it("two instances started together on a new database take turns to migrate, and both serve", async () => {
  const database = await createTestDatabase();
  const started = await Promise.allSettled([startTestServer({ database }), startTestServer({ database })]);
  try {
    expect(started.map((s) => s.status)).toEqual(["fulfilled", "fulfilled"]);
    const [first, second] = started.map((s) => (s as PromiseFulfilledResult<TestServer>).value) as [TestServer, TestServer];
    await runningExperiment(first, uniqueKey("together"));
    await waitForVersion(second, 2);
  } finally {
    for (const s of started) if (s.status === "fulfilled") await s.value.stop();
    await database.drop();
  }
});

async function waitFor(condition: () => boolean, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
