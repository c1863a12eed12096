// Flag changes across two instances on one PostgreSQL database (SPEC §10, §16): B follows every flag
// change made on A (its snapshot's version, its subscribers), and a subscriber of another service hears none.

import { configVersion, ok, uniqueKey } from "../helpers/factories";
import { CREATE_FLAG, SET_FLAG_ENABLED, SET_FLAG_RULES, SET_FORCED, UPDATE_FLAG } from "../helpers/flag-factories";
import { type Instances, startInstances, waitForVersion } from "../helpers/instances";
import { CREATE_LAYER } from "../helpers/layer-factories";
import type { TestServer } from "../helpers/test-server";
import { type Collector, type ConfigChange, type WsClient, subscribed } from "../helpers/ws-client";

let instances: Instances;
let a: TestServer;
let b: TestServer;
const clients: WsClient[] = [];
const collectors: Collector[] = [];

beforeAll(async () => {
  instances = await startInstances(2);
  [a, b] = instances.servers as [TestServer, TestServer];
});
afterAll(async () => {
  for (const c of collectors) c.stop();
  await Promise.all(clients.map((c) => c.dispose()));
  await instances?.close();
});

const subscribe = (server: TestServer, variables: Record<string, unknown>) => subscribed(server, { clients, collectors }, variables);

it("every flag change made on A reaches B's snapshot and B's subscribers of the flag's services, in order, each once", async () => {
  const web = uniqueKey("web");
  const ios = uniqueKey("ios");
  const elsewhere = uniqueKey("elsewhere");
  const onWeb = await subscribe(b, { services: [web] });
  const onIos = await subscribe(b, { services: [ios] });
  const onElsewhere = await subscribe(b, { services: [elsewhere] });
  const key = uniqueKey("flag");
  const since = await configVersion(a);

  ok(await a.gql(CREATE_FLAG, { input: { key, services: [web], rules: [{ key: "everyone", type: "DELIVERY", traffic: 100 }] } }));
  ok(await a.gql(SET_FLAG_RULES, { key, rules: [{ key: "everyone", type: "DELIVERY", traffic: 5000 }] }));
  ok(await a.gql(SET_FORCED, { flag: key, rule: "everyone", actor: "u1", variation: "on" }));
  ok(await a.gql(UPDATE_FLAG, { key, input: { services: [ios] } }));
  ok(await a.gql(SET_FLAG_ENABLED, { key, enabled: false }));
  // The last change touches only `elsewhere`: its subscriber's first event proves it heard none of the flag's.
  ok(await a.gql(CREATE_LAYER, { input: { key: uniqueKey("layer"), services: [elsewhere] } }));
  const last = since + 6;

  await waitForVersion(b, last);
  const shape = (c: ConfigChange) => [c.version, c.kind, c.mutation, c.services];
  expect((await onWeb.untilVersion(since + 4)).map(shape)).toEqual([
    [since + 1, "flag", "flag_created", [web]],
    [since + 2, "flag", "set_flag_rules", [web]],
    [since + 3, "flag", "set_forced_decision", [web]],
    [since + 4, "flag", "flag_updated", [ios, web].sort()],
  ]);
  expect((await onIos.untilVersion(since + 5)).map(shape)).toEqual([
    [since + 4, "flag", "flag_updated", [ios, web].sort()],
    [since + 5, "flag", "flag_disabled", [ios]],
  ]);
  expect((await onElsewhere.untilVersion(last)).map(shape)).toEqual([[last, "layer", "layer_created", [elsewhere]]]);
});

const DECIDE_FLAGS = `query($keys: [String!], $context: JSON!) { decideFlags(keys: $keys, context: $context) { configVersion flags { flag enabled variables rule variation source } } }`;

/** B's decision for `key`, asked until `wanted` holds (B follows A's changes asynchronously); the last answer. */
async function untilDecided(server: TestServer, key: string, context: Record<string, unknown>, wanted: (d: Record<string, any>) => boolean) {
  for (let i = 0; i < 500; i++) {
    const res = await server.gql(DECIDE_FLAGS, { keys: [key], context });
    const decision = res.data?.decideFlags?.flags?.[0] as Record<string, any> | undefined;
    if (decision !== undefined && wanted(decision)) return decision;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`instance never served the change of flag ${key}`);
}

it("a flag created, changed, forced and killed on A is decided accordingly by B", async () => {
  const key = uniqueKey("flagab");
  const ctx = { user_id: "ab1" };
  // Before it exists anywhere B answers NOT_FOUND; then B must learn it from A's change alone.
  expect((await b.gql(DECIDE_FLAGS, { keys: [key], context: ctx })).errors?.[0]?.extensions.code).toBe("NOT_FOUND");
  ok(await a.gql(CREATE_FLAG, { input: { key, variables: { color: "grey" }, rules: [{ key: "everyone", type: "DELIVERY", traffic: 0, variables: { color: "green" } }] } }));
  expect(await untilDecided(b, key, ctx, () => true)).toMatchObject({ source: "DEFAULT", variables: { color: "grey" } });
  ok(await a.gql(SET_FLAG_RULES, { key, rules: [{ key: "everyone", type: "DELIVERY", traffic: 10_000, variables: { color: "green" } }] }));
  expect(await untilDecided(b, key, ctx, (d) => d.source !== "DEFAULT")).toMatchObject({ source: "ROLLOUT", enabled: true, variables: { color: "green" } });
  ok(await a.gql(SET_FORCED, { flag: key, rule: "everyone", actor: "ab1", variation: "off" }));
  expect(await untilDecided(b, key, ctx, (d) => d.source !== "ROLLOUT")).toMatchObject({ source: "FORCED", enabled: false, rule: "everyone", variation: "off" });
  expect(await untilDecided(b, key, { user_id: "ab2" }, () => true)).toMatchObject({ source: "ROLLOUT" });
  ok(await a.gql(SET_FLAG_ENABLED, { key, enabled: false }));
  expect(await untilDecided(b, key, { user_id: "ab2" }, (d) => d.source !== "ROLLOUT")).toMatchObject({ source: "DEFAULT", enabled: false, rule: null });
});
