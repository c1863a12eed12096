// Rate limits over HTTP (SPEC §13): a token bucket of `rateLimit` requests a second per key, a batch
// costing one per decision; over it 429 RATE_LIMITED with a numeric Retry-After, on the compiled
// fast path (decide) and on Apollo's (a mutation) alike, and a refused request writes nothing.
// The bucket refills as time passes, so a test cannot say which request is the first refused: it
// sends until one is, and checks the bucket's contract: the first `rateLimit` pass, and no more
// pass than `rateLimit` plus what refills in the time measured around them all.

import { type Reply, createKey, firstError, post } from "../helpers/keyed-requests";
import { DECIDE, DECIDE_BATCH, exposureLog, started } from "../helpers/decide-factories";
import { EXPERIMENT, configVersion, ok, uniqueKey } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
const SERVICE = "rl";
const EXP = uniqueKey("rl");
beforeAll(async () => {
  server = await startTestServer();
  await started(server, EXP, { services: [SERVICE] });
});
afterAll(() => server.close());

const decideFor = (actor: string, extra: Record<string, unknown> = {}) => ({ query: DECIDE, variables: { services: [SERVICE], context: { user_id: actor } }, ...extra });

function expectRateLimited(reply: Reply, rateLimit: number): void {
  expect(reply.status).toBe(429);
  expect(reply.body.data).toBeUndefined();
  expect(firstError(reply)?.extensions).toEqual({ code: "RATE_LIMITED", rateLimit });
  const retryAfter = reply.headers.get("retry-after");
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
}

const passed = (replies: readonly Reply[]) => replies.filter((r) => r.status === 200 && r.body.errors === undefined);

/**
 * Sends `send(i)` one after the other until one is refused (at most 500). Checks the bucket's
 * contract: the first `burst` pass, the last is a well-formed 429, every other one passed, and the
 * tokens spent (`cost` each) are at most a full bucket plus what refills while they are sent.
 */
async function untilRefused(rateLimit: number, cost: number, send: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const replies: Reply[] = [];
  const started = performance.now();
  for (let i = 0; i < 500 && replies.at(-1)?.status !== 429; i++) replies.push(await send(i));
  const elapsedSeconds = (performance.now() - started) / 1000;
  expectRateLimited(replies.at(-1)!, rateLimit);
  const through = replies.slice(0, -1);
  expect(passed(through)).toHaveLength(through.length);
  expect(through.length * cost).toBeGreaterThanOrEqual(rateLimit);
  expect(through.length * cost).toBeLessThanOrEqual(rateLimit + rateLimit * elapsedSeconds);
  return replies;
}

/** Waits until the exposure writer has stored a decision made after `actors`' (theirs would be stored by then too). */
async function afterExposuresFlushed(): Promise<void> {
  const witness = uniqueKey("witness");
  ok(await server.gql(DECIDE, { services: [SERVICE], context: { user_id: witness } }));
  for (let i = 0; i < 200 && (await exposureLog(server, EXP, witness)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(await exposureLog(server, EXP, witness)).toHaveLength(1);
}

describe("a key with rateLimit 5", () => {
  it("decide (fast path): the first 5 pass, then 429 RATE_LIMITED with Retry-After; the refused one is not exposed", async () => {
    const sdk = await createKey(server, { name: "sdk-5", role: "SDK", rateLimit: 5 });
    const actors = Array.from({ length: 500 }, () => uniqueKey("actor"));
    const replies = await untilRefused(5, 1, (i) => post(server, decideFor(actors[i]!), sdk.headers));
    await afterExposuresFlushed();
    const exposed = await Promise.all(replies.map((_r, i) => exposureLog(server, EXP, actors[i]!).then((log) => log.length)));
    expect(exposed).toEqual(replies.map((r) => (r.status === 200 ? 1 : 0)));
  });

  it("the 429 is the same on the fast path and on Apollo's", async () => {
    const key = await createKey(server, { name: "sdk-1", role: "SDK", rateLimit: 1 });
    // Both of a pair refused: a refusal takes no token, and a token takes a second to come back.
    let pair: Reply[] = [];
    for (let i = 0; i < 20; i++) {
      pair = [await post(server, decideFor(`one-${i}`), key.headers), await post(server, decideFor(`one-${i}`, { extensions: {} }), key.headers)];
      if (pair.every((r) => r.status === 429)) break;
    }
    const [fast, apollo] = pair as [Reply, Reply];
    expectRateLimited(fast, 1);
    expect([apollo.status, apollo.headers.get("retry-after"), apollo.body]).toEqual([fast.status, fast.headers.get("retry-after"), fast.body]);
  });

  it("a mutation (Apollo's path): the first 5 create, then 429, and the refused one creates nothing", async () => {
    const dev = await createKey(server, { name: "dev-5", role: "DEVELOPER", rateLimit: 5 });
    const keys = Array.from({ length: 500 }, () => uniqueKey("burst"));
    const before = await configVersion(server);
    const create = (key: string) => ({ query: `mutation($k: String!) { createExperiment(input: {key: $k, variants: [{key: "a", weight: 1}]}) { key } }`, variables: { k: key } });
    const replies = await untilRefused(5, 1, (i) => post(server, create(keys[i]!), dev.headers));
    const exists = await Promise.all(replies.map((_r, i) => server.gql(EXPERIMENT, { key: keys[i] }).then((r) => ok(r).experiment !== null)));
    expect(exists).toEqual(replies.map((r) => r.status === 200));
    expect(await configVersion(server)).toBe(before + replies.length - 1);
  });

  it("buckets are per key: right after one key is refused, another with rateLimit 5 still has its 5", async () => {
    const [spent, other] = [await createKey(server, { name: "sdk-spent", role: "SDK", rateLimit: 5 }), await createKey(server, { name: "sdk-other", role: "SDK", rateLimit: 5 })];
    await untilRefused(5, 1, (i) => post(server, decideFor(`spent-${i}`), spent.headers));
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => post(server, decideFor(`other-${i}`), other.headers)));
    expect(passed(replies)).toHaveLength(5);
  });
});

describe("a batch costs one token per decision", () => {
  it("decideFlags costs one token, as decide does: an operation with both costs two", async () => {
    const sdk = await createKey(server, { name: "sdk-flags-6", role: "SDK", rateLimit: 6 });
    const both = `query($s: [String!]!, $c: JSON!) { decide(services: $s, context: $c) { configVersion } decideFlags(context: $c) { configVersion } }`;
    await untilRefused(6, 2, (i) => post(server, { query: both, variables: { s: [SERVICE], c: { user_id: `both-${i}` } } }, sdk.headers));
  });

  it("decideBatch of 10 with rateLimit 20: the first 2 pass, then 429; the refused batch's decisions are not exposed", async () => {
    const sdk = await createKey(server, { name: "sdk-20", role: "SDK", rateLimit: 20 });
    const batch = (i: number) => Array.from({ length: 10 }, (_, j) => ({ services: [SERVICE], context: { user_id: `b${i}-${j}-${EXP}` } }));
    const replies = await untilRefused(20, 10, (i) => post(server, { query: DECIDE_BATCH, variables: { requests: batch(i) } }, sdk.headers));
    await afterExposuresFlushed();
    for (const [i, reply] of replies.entries()) {
      const exposed = await Promise.all(batch(i).map((r) => exposureLog(server, EXP, r.context.user_id).then((log) => log.length)));
      expect(exposed).toEqual(batch(i).map(() => (reply.status === 200 ? 1 : 0)));
    }
  });
});
