// A subscriber that stops reading (SPEC §10 with SUBSCRIBER_QUEUE_MAX): its socket is closed with 4410 once more
// changes wait than the bound, and resubscribing with since = the last version it got misses nothing.

import { configVersion, ok, uniqueKey } from "../helpers/factories";
import { CREATE_LAYER, UPDATE_LAYER } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGED, Collector, type ConfigChange, waitUntil, versionsFrom, wsClient, type WsClient } from "../helpers/ws-client";

const QUEUE_MAX = 8;
/** Far more than the kernel's socket buffers and the bound take together (about 4 MB of ~50 KB changes). */
const MAX_CHANGES = 400;

let server: TestServer;
const clients: WsClient[] = [];
beforeAll(async () => {
  server = await startTestServer({ config: { subscriberQueueMax: QUEUE_MAX } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

/** 200 service names of 120 characters: a change that swaps one set for the other names 400 (~50 KB). */
const serviceSet = (tag: string) => Array.from({ length: 200 }, (_, i) => `${tag}-${String(i).padStart(3, "0")}-${"s".repeat(114)}`);

const versions = (changes: readonly ConfigChange[]) => changes.map((c) => c.version);

it("a subscriber that stops reading is closed with 4410 naming its resume point; resubscribing with since gets every change after it", async () => {
  const sets = [serviceSet("a"), serviceSet("b")];
  const layer = uniqueKey("wide");
  ok(await server.gql(CREATE_LAYER, { input: { key: layer, services: sets[0] } }));
  let flips = 0;
  const flip = async () => ok(await server.gql(UPDATE_LAYER, { key: layer, input: { services: sets[++flips % 2] } }));

  const slow = wsClient(server);
  clients.push(slow);
  const sub = new Collector(slow.client, CONFIG_CHANGED, {});
  await waitUntil(() => server.app.changeFeed.subscriberCount === 1, "the subscription to be registered");
  await flip();
  const first = await configVersion(server);
  await sub.untilVersion(first);
  expect(sub.items[0]!.services).toHaveLength(400);

  // The client stops reading: the server's writes back up in the kernel, then in the subscription's queue.
  slow.sockets[0]!.pause();
  while (server.app.changeFeed.fellBehindCount === 0 && flips <= MAX_CHANGES) await flip();
  expect(server.app.changeFeed.fellBehindCount).toBe(1);
  const last = await configVersion(server);

  // Reading again, it gets what was on the wire, then the close frame.
  slow.sockets[0]!.resume();
  const ending = await sub.ended;
  const close = ending.error as { code: number; reason: string };
  expect(close.code).toBe(4410);
  expect(close.reason).toMatch(new RegExp(`^fell behind: over ${QUEUE_MAX} changes waiting; resubscribe with since=\\d+$`));
  const got = versions(sub.items);
  const resume = Number(/since=(\d+)/.exec(close.reason)![1]);
  expect(got).toEqual(versionsFrom(first, resume));
  // It fell behind by more than the bound: changes were still to come when it was cut off.
  expect(last - resume).toBeGreaterThan(QUEUE_MAX);

  const again = wsClient(server);
  clients.push(again);
  const resumed = new Collector(again.client, CONFIG_CHANGED, { since: resume });
  await flip();
  const final = await configVersion(server);
  expect(versions(await resumed.untilVersion(final))).toEqual(versionsFrom(resume + 1, final));
  expect([...got, ...versions(resumed.items)]).toEqual(versionsFrom(first, final));
  expect(server.app.changeFeed.subscriberCount).toBe(1);
});
