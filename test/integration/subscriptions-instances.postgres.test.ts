// Two instances on one PostgreSQL database (SPEC §10): a change made on one is decided by the other without a
// restart, and every subscriber of either instance gets every change made on either, once, in order.

import { DECIDE, type Decision } from "../helpers/decide-factories";
import { CONCLUDE, configVersion, ok, runningExperiment, uniqueKey } from "../helpers/factories";
import { CREATE_LAYER } from "../helpers/layer-factories";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { type Collector, subscribed, versionsFrom, type WsClient } from "../helpers/ws-client";

let database: TestDatabase;
let a: TestServer;
let b: TestServer;
const clients: WsClient[] = [];
const collectors: Collector[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestServer({ database });
  b = await startTestServer({ database });
});
afterAll(async () => {
  for (const c of collectors) c.stop();
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

/** Subscribes on `server` and waits until it holds the subscription. */
const subscribe = (server: TestServer, variables: Record<string, unknown> = {}) => subscribed(server, { clients, collectors }, variables);

async function decideOn(server: TestServer, service: string, actor: string): Promise<Decision> {
  return ok(await server.gql(DECIDE, { services: [service], context: { user_id: actor } })).decide as Decision;
}

it("a change made on A is decided by B, with B's new configVersion, without a restart", async () => {
  const onB = await subscribe(b);
  const key = uniqueKey("exp");
  const service = uniqueKey("svc");
  await runningExperiment(a, key, { services: [service] });
  const started = await configVersion(a);
  // B's subscriber hears of the change once B's snapshot has it.
  await onB.untilVersion(started);
  const before = await decideOn(b, service, "user-1");
  expect(before.configVersion).toBe(started);
  const bucketed = before.results[0]!.experiments[0]!;
  expect(bucketed).toMatchObject({ experiment: key, source: "BUCKET" });

  const winner = bucketed.variant === "control" ? "treatment" : "control";
  ok(await a.gql(CONCLUDE, { key, winner }));
  await onB.untilVersion(started + 1);
  const after = await decideOn(b, service, "user-1");
  expect(after.configVersion).toBe(started + 1);
  expect(after.results[0]!.experiments[0]).toMatchObject({ experiment: key, variant: winner, source: "WINNER" });
});

it("subscribers of A and of B each get every change made on either instance, once, in order", async () => {
  const onA = await subscribe(a);
  const onB = await subscribe(b);
  const webOnB = await subscribe(b, { services: ["web"] });
  const v0 = await configVersion(a);
  const create = (server: TestServer, actor: string, services = ["web"]) =>
    server.gql(CREATE_LAYER, { input: { key: uniqueKey("layer"), services } }, { "x-actor": actor }).then(ok);

  // Alternately, one at a time.
  for (let i = 0; i < 6; i++) await (i % 2 === 0 ? create(a, "on-a") : create(b, "on-b", ["ios"]));
  // And concurrently on both.
  await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? create(a, "on-a") : create(b, "on-b"))));
  const final = await configVersion(b);
  expect(final).toBe(v0 + 18);

  const seenByA = await onA.untilVersion(final);
  const seenByB = await onB.untilVersion(final);
  expect(seenByA.map((c) => c.version)).toEqual(versionsFrom(v0 + 1, final));
  expect(seenByB).toEqual(seenByA);
  expect(seenByA.filter((c) => c.actor === "on-a")).toHaveLength(9);
  expect(seenByA.filter((c) => c.actor === "on-b")).toHaveLength(9);

  // The filtered subscriber on B: every change but the three alternating ones on ios.
  const web = await webOnB.untilVersion(final);
  expect(web.map((c) => c.version)).toEqual(seenByA.filter((c) => c.services.includes("web")).map((c) => c.version));
  expect(web).toHaveLength(15);

  // A late subscriber on A replaying from v0 sees the same history as the live ones.
  const replay = await subscribe(a, { since: v0 });
  expect(await replay.untilVersion(final)).toEqual(seenByA);
});
