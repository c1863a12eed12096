// POST /experiment (SPEC §15, the layered system's API of 001): the same decision as GraphQL decide, in
// 001's shape; the same stored assignments and exposures; the same key, role, services and rate checks;
// bad input refused with its field. Runs on PGlite, and on PostgreSQL with DATABASE_URL.

import { DECIDE, type Decision, actorsWhere, decide, decideOne, exposureLog, started, storedAssignment } from "../helpers/decide-factories";
import { CONCLUDE, EXPOSURE_COUNTS, SET_OVERRIDE, SET_WEIGHTS, ok, uniqueKey } from "../helpers/factories";
import { type Reply, type Role, ROLES, createKey, firstError, post, request } from "../helpers/keyed-requests";
import { createLayer } from "../helpers/layer-factories";
import { int, prng } from "../helpers/prng";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

interface ServiceResult {
  parameters: Record<string, unknown>;
  vids: number[];
  matched_layers: string[];
}

let server: TestServer;
let endpoint: { url: string };
let slot: SlotOf;
const P = uniqueKey("pe");
const SHOP = `${P}_shop`;
const APP = `${P}_app`;
const NOTHING = `${P}_nothing`;

beforeAll(async () => {
  server = await startTestServer();
  endpoint = { url: server.url.replace(/\/graphql$/, "/experiment") };
  slot = await loadSlotOf();
});
afterAll(() => server.close());

/** POST /experiment with the tests' ADMIN key unless `headers` name another (`authorization: ""`: none). */
function postExperiment(body: unknown, headers: Record<string, string> = {}, contentType = "application/json"): Promise<Reply> {
  const { authorization, ...rest } = { ...ADMIN_HEADERS, ...headers };
  return post(endpoint, body, authorization === "" ? rest : { authorization, ...rest }, contentType);
}

/** The results of a successful POST /experiment; fails with its answer otherwise. */
async function experimentResults(services: string[], context: unknown, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const reply = await postExperiment({ services, context, ...extra }, headers);
  if (reply.status !== 200) throw new Error(`POST /experiment: ${reply.status} ${reply.text}`);
  return (reply.body as unknown as { results: Record<string, ServiceResult> }).results;
}

/** What GraphQL decide answers, in POST /experiment's shape (parameters as JSON text: key order counts). */
const asExperiment = (decision: Decision) =>
  decision.results.map((r) => [r.service, JSON.stringify(r.parameters), r.vids, r.matchedLayers]);
const fromExperiment = (results: Record<string, ServiceResult>) =>
  Object.entries(results).map(([service, r]) => [service, JSON.stringify(r.parameters), r.vids, r.matched_layers]);

describe("the same decision as decide", () => {
  beforeAll(async () => {
    // Three explicit layers over two services (one hashing another attribute), an implicit layer, a winner and an override.
    const l1 = `${P}_l1`;
    const l2 = `${P}_l2`;
    const l3 = `${P}_l3`;
    await createLayer(server, { key: l1, priority: 10, services: [SHOP], defaultParams: { ui: { color: "grey", size: 1 }, timeout_ms: 100 } });
    await createLayer(server, { key: l2, priority: 20, services: [SHOP, APP], defaultParams: { ui: { color: "blue" }, algorithm: "lr" } });
    await createLayer(server, { key: l3, priority: 5, services: [SHOP], hashKey: "device_id", defaultParams: { ranker: "base" } });
    const variants = (a: object, b: object) => [{ key: "control", weight: 50, params: a }, { key: "treatment", weight: 50, params: b }];
    const us = { type: "field", field: "country", op: "eq", values: ["US"] };
    const adult = { type: "field", field: "age", op: "gte", values: [18] };
    const recent = { type: "field", field: "app_version", op: "gte", values: ["2.0.0"], fieldType: "semver" };
    await started(server, `${P}_e1a`, { layer: l1, traffic: 5000, variants: variants({ ui: { color: "red" } }, { ui: { color: "green", size: 3 } }), rule: us });
    await started(server, `${P}_e1b`, { layer: l1, traffic: 3000, variants: variants({ timeout_ms: 120 }, { timeout_ms: 150 }), rule: adult });
    await started(server, `${P}_e2`, { layer: l2, traffic: 10_000, variants: variants({}, { algorithm: "gbdt", ui: { size: 2 } }) });
    await started(server, `${P}_e3`, { layer: l3, traffic: 6000, variants: variants({ ranker: "v1" }, { ranker: "v2", model: { version: "2.1" } }), rule: recent });
    await started(server, `${P}_e4`, { services: [SHOP], variants: variants({ banner: false }, { banner: true }), rule: { type: "and", children: [us, adult] } });
    await started(server, `${P}_e5`, { services: [APP], variants: variants({ theme: "light" }, { theme: "dark" }) });
    ok(await server.gql(CONCLUDE, { key: `${P}_e5`, winner: "treatment" }));
    ok(await server.gql(SET_OVERRIDE, { experiment: `${P}_e2`, actor: "overridden", variant: "treatment" }));
  });

  it("for 80 random contexts over three services (one served by nothing): same parameters, vids and matched layers", async () => {
    const rand = prng(1501);
    const pick = <T>(list: readonly T[]): T => list[int(rand, 0, list.length - 1)]!;
    const services = [SHOP, APP, NOTHING];
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const context: Record<string, unknown> = {};
      if (rand() < 0.9) context.user_id = i === 7 ? "overridden" : `u${int(rand, 0, 30)}`;
      if (rand() < 0.7) context.device_id = `d${int(rand, 0, 30)}`;
      const country = pick(["US", "DE", "FR", null, undefined]);
      if (country !== undefined) context.country = country;
      if (rand() < 0.8) context.age = rand() < 0.8 ? int(rand, 10, 70) : String(int(rand, 10, 70));
      if (rand() < 0.7) context.app_version = pick(["1.9.9", "2.0.0", "2.10.1", "v3", "x"]);
      // Either API may be the one that buckets (and stores) first.
      let viaPost: Record<string, ServiceResult>;
      let viaGraphQL: Decision;
      if (i % 2 === 0) {
        viaPost = await experimentResults(services, context);
        viaGraphQL = await decide(server, services, context);
      } else {
        viaGraphQL = await decide(server, services, context);
        viaPost = await experimentResults(services, context);
      }
      expect(fromExperiment(viaPost)).toEqual(asExperiment(viaGraphQL));
      seen.add(JSON.stringify(fromExperiment(viaPost)));
    }
    // The contexts reach many different decisions: the comparison is not of empty answers.
    expect(seen.size).toBeGreaterThanOrEqual(20);
  });

  it("answers exactly 001's shape: results keyed by service in the order asked, a service named twice once, nothing served → empty", async () => {
    const reply = await postExperiment({ services: [NOTHING, SHOP, NOTHING], context: { user_id: "shape", country: "US", age: 30, device_id: "d1", app_version: "2.1.0" } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const results = (reply.body as unknown as { results: Record<string, ServiceResult> }).results;
    expect(Object.keys(reply.body)).toEqual(["results"]);
    expect(Object.keys(results)).toEqual([NOTHING, SHOP]);
    expect(Object.keys(results[SHOP]!)).toEqual(["parameters", "vids", "matched_layers"]);
    expect(reply.text.startsWith(`{"results":{"${NOTHING}":{"parameters":{},"vids":[],"matched_layers":[]},"${SHOP}":{"parameters":{`)).toBe(true);
    // One vid per matched layer (l2 serves everyone).
    expect(results[SHOP]!.matched_layers).toContain(`${P}_l2`);
    expect(results[SHOP]!.vids).toHaveLength(results[SHOP]!.matched_layers.length);
    const alone = await postExperiment({ services: [NOTHING], context: {} });
    expect(alone.text).toBe(`{"results":{"${NOTHING}":{"parameters":{},"vids":[],"matched_layers":[]}}}`);
  });
});

describe("stored assignments and exposures are decide's", () => {
  it("an assignment written by one API is honoured by the other after the split changes", async () => {
    const key = uniqueKey("sticky");
    const svc = `${key}_svc`;
    const exp = await started(server, key, { services: [svc] });
    const vid = (variant: string) => exp.variants.find((v: { key: string }) => v.key === variant).vid as number;
    // All in the treatment half under 50/50, and in control once treatment has weight 0.
    const [byPost, byGraphQL, later] = ["p", "g", "n"].map((prefix) => actorsWhere(slot, key, `${key}-${prefix}`, 6, (s) => s >= 5000));
    for (const actor of byPost!) {
      expect((await experimentResults([svc], { user_id: actor }))[svc]!.vids).toEqual([vid("treatment")]);
      expect(await storedAssignment(server, key, actor)).toMatchObject({ variant: "treatment", vid: vid("treatment") });
    }
    for (const actor of byGraphQL!) expect((await decideOne(server, svc, { user_id: actor })).experiments[0]).toMatchObject({ variant: "treatment", source: "BUCKET" });

    ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 100 }, { key: "treatment", weight: 0 }] }));
    for (const actor of byPost!) expect((await decideOne(server, svc, { user_id: actor })).experiments[0]).toMatchObject({ variant: "treatment", source: "STICKY" });
    for (const actor of byGraphQL!) expect((await experimentResults([svc], { user_id: actor }))[svc]!.vids).toEqual([vid("treatment")]);
    // Actors never seen follow the new split: the two checks above are of stored assignments, not of bucketing.
    for (const actor of later!) expect((await experimentResults([svc], { user_id: actor }))[svc]!.vids).toEqual([vid("control")]);
  });

  it("exposures: one per actor and variant whichever API decides, with the body's requestId (else x-request-id)", async () => {
    const key = uniqueKey("expo");
    const svc = `${key}_svc`;
    const exp = await started(server, key, { services: [svc] });
    const variantOf = new Map<number, string>(exp.variants.map((v: { key: string; vid: number }) => [v.vid, v.key]));
    const actors = Array.from({ length: 12 }, (_, i) => `${key}-a${i}`);
    const tally = new Map<string, number>();
    for (const [i, actor] of actors.entries()) {
      const [vid] = (await experimentResults([svc], { user_id: actor }, i === 0 ? {} : { requestId: `req-${i}` }, i === 0 ? { "x-request-id": "from-header" } : {}))[svc]!.vids;
      const variant = variantOf.get(vid!)!;
      tally.set(variant, (tally.get(variant) ?? 0) + 1);
    }
    const counts = async () => new Map<string, number>(ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts.map((c: { variant: string; exposures: number }) => [c.variant, c.exposures]));
    const expected = new Map([...tally].filter(([, n]) => n > 0));
    let now = await counts();
    for (let i = 0; i < 100 && [...expected.values()].reduce((a, b) => a + b) !== [...now.values()].reduce((a, b) => a + b, 0); i++) {
      await new Promise((r) => setTimeout(r, 25));
      now = await counts();
    }
    expect(new Map([...now].filter(([, n]) => n > 0))).toEqual(expected);
    expect((await exposureLog(server, key, actors[0]))[0]?.requestId).toBe("from-header");
    expect((await exposureLog(server, key, actors[5]))[0]?.requestId).toBe("req-5");

    // The same actors again, through both APIs: nothing new is exposed.
    for (const actor of actors) {
      await experimentResults([svc], { user_id: actor });
      await decide(server, [svc], { user_id: actor });
    }
    // A witness decided last: once its exposure is stored, any of the repeats' would be too.
    const witness = `${key}-witness`;
    await experimentResults([svc], { user_id: witness });
    for (let i = 0; i < 200 && (await exposureLog(server, key, witness)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const after = await counts();
    expect([...after.values()].reduce((a, b) => a + b, 0)).toBe(actors.length + 1);
    for (const actor of actors) expect(await exposureLog(server, key, actor)).toHaveLength(1);
  });
});

describe("access (SPEC §13): as decide", () => {
  const OTHER = `${P}_other`;
  let otherExp: string;
  beforeAll(async () => {
    otherExp = uniqueKey("other");
    await started(server, otherExp, { services: [OTHER] });
  });

  it("401 without a key, with an unknown key and with a malformed header, as decide", async () => {
    for (const authorization of ["", "Bearer tsk_not_a_key_at_all_0000000000000000", "Basic abc"]) {
      const viaPost = await postExperiment({ services: [OTHER], context: { user_id: "anon" } }, { authorization });
      const viaGraphQL = await post(server, { query: DECIDE, variables: { services: [OTHER], context: { user_id: "anon" } } }, authorization === "" ? {} : { authorization });
      expect(viaPost.status).toBe(401);
      expect(viaPost.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
      expect(firstError(viaPost)?.extensions.code).toBe("UNAUTHENTICATED");
      expect(viaPost.body.errors).toEqual(viaGraphQL.body.errors);
    }
    // A refused method is still asked for a key first.
    expect((await request(endpoint, { method: "GET" })).status).toBe(401);
  });

  it("every role may use it, as every role may decide", async () => {
    for (const role of ROLES as readonly Role[]) {
      const key = await createKey(server, { name: `${P}-${role}`, role, rateLimit: 1000 });
      const reply = await postExperiment({ services: [OTHER], context: { user_id: `role-${role}` } }, key.headers);
      expect([role, reply.status, reply.body.errors]).toEqual([role, 200, undefined]);
    }
  });

  it("an SDK key limited to other services: 403 FORBIDDEN naming the service, as decide, and nothing stored or exposed", async () => {
    const sdk = await createKey(server, { name: `${P}-sdk-shop`, role: "SDK", services: [SHOP], rateLimit: 1000 });
    expect((await postExperiment({ services: [SHOP], context: { user_id: "insider" } }, sdk.headers)).status).toBe(200);
    const context = { user_id: "intruder" };
    const viaPost = await postExperiment({ services: [SHOP, OTHER], context }, sdk.headers);
    const viaGraphQL = await post(server, { query: DECIDE, variables: { services: [SHOP, OTHER], context } }, sdk.headers);
    expect(viaPost.status).toBe(403);
    expect(firstError(viaPost)?.extensions).toEqual({ code: "FORBIDDEN", field: "services", service: OTHER });
    expect(viaPost.body.errors).toEqual(viaGraphQL.body.errors);
    expect(viaGraphQL.status).toBe(403);
    // The verdict is the key's: the same list again is refused to it, and allowed to a key of every service.
    expect((await postExperiment({ services: [SHOP, OTHER], context }, sdk.headers)).status).toBe(403);
    expect((await postExperiment({ services: [SHOP, OTHER], context: { user_id: "admin" } })).status).toBe(200);
    // A list too long to be judged once per key is judged per request, alike.
    const long = `${OTHER}_${"y".repeat(1000)}`;
    const longReply = await postExperiment({ services: [SHOP, long], context }, sdk.headers);
    expect([longReply.status, firstError(longReply)?.extensions]).toEqual([403, { code: "FORBIDDEN", field: "services", service: long.slice(0, 100) }]);
    expect((await postExperiment({ services: [SHOP, SHOP], context: { user_id: "insider" } }, sdk.headers)).status).toBe(200);
    // A decision for a witness after the refusal: once its exposure is stored, the intruder's would be too.
    await experimentResults([OTHER], { user_id: "witness" });
    for (let i = 0; i < 200 && (await exposureLog(server, otherExp, "witness")).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await exposureLog(server, otherExp, "intruder")).toEqual([]);
    expect(await storedAssignment(server, otherExp, "intruder")).toBeNull();
  });

  it("past 1,000 service lists judged once per key, the verdicts stay right", async () => {
    const sdk = await createKey(server, { name: `${P}-sdk-many`, role: "SDK", services: [SHOP], rateLimit: 100_000 });
    for (let i = 0; i < 1_050; i++) {
      const reply = await postExperiment({ services: [SHOP, `${P}_many_${i}`], context: { user_id: "many" } }, sdk.headers);
      if (reply.status !== 403) throw new Error(`list ${i}: ${reply.status}`);
    }
    expect((await postExperiment({ services: [SHOP], context: { user_id: "many" } }, sdk.headers)).status).toBe(200);
    expect((await postExperiment({ services: [OTHER], context: { user_id: "many" } }, sdk.headers)).status).toBe(403);
  });

  /** Sends until one is refused (at most 200); checks the bucket's contract: a full bucket passes, and no more than it plus what refills meanwhile. */
  async function untilRefused(rateLimit: number, send: (i: number) => Promise<Reply>): Promise<Reply[]> {
    const replies: Reply[] = [];
    const began = performance.now();
    for (let i = 0; i < 200 && replies.at(-1)?.status !== 429; i++) replies.push(await send(i));
    const seconds = (performance.now() - began) / 1000;
    const passed = replies.slice(0, -1);
    expect(passed.every((r) => r.status === 200)).toBe(true);
    expect(passed.length).toBeGreaterThanOrEqual(rateLimit);
    expect(passed.length).toBeLessThanOrEqual(rateLimit + rateLimit * seconds);
    return replies;
  }

  const postFor = (key: { headers: Record<string, string> }, actor: string) => postExperiment({ services: [OTHER], context: { user_id: actor } }, key.headers);
  const decideFor = (key: { headers: Record<string, string> }, actor: string) =>
    post(server, { query: DECIDE, variables: { services: [OTHER], context: { user_id: actor } } }, key.headers);

  it("over the key's rate: 429 RATE_LIMITED with Retry-After, as decide", async () => {
    const key = await createKey(server, { name: `${P}-slow`, role: "SDK", rateLimit: 3 });
    const refused = (await untilRefused(3, (i) => postFor(key, `rl-${i}`))).at(-1)!;
    expect(refused.status).toBe(429);
    expect(firstError(refused)?.extensions).toEqual({ code: "RATE_LIMITED", rateLimit: 3 });
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    const twin = await createKey(server, { name: `${P}-slow-twin`, role: "SDK", rateLimit: 3 });
    const viaGraphQL = (await untilRefused(3, (i) => decideFor(twin, `rl-twin-${i}`))).at(-1)!;
    expect([viaGraphQL.status, firstError(viaGraphQL)?.extensions]).toEqual([429, firstError(refused)?.extensions]);
  });

  it("the two APIs draw on one bucket per key", async () => {
    const key = await createKey(server, { name: `${P}-shared`, role: "SDK", rateLimit: 3 });
    // Alternating: were only one API counted, twice the bucket would pass before a refusal.
    await untilRefused(3, (i) => (i % 2 === 0 ? postFor(key, `shared-${i}`) : decideFor(key, `shared-${i}`)));
  });
});

describe("bad input: 4xx with BAD_USER_INPUT and the field, never a 500, nothing written", () => {
  const svc = `${P}_bad`;
  let exp: string;
  beforeAll(async () => {
    exp = uniqueKey("bad");
    await started(server, exp, { services: [svc] });
  });

  const cases: Array<[string, unknown, string]> = [
    ["not JSON", "{services:", "body"],
    ["empty", "", "body"],
    ["an array", JSON.stringify([{ services: ["x"], context: {} }]), "body"],
    ["a string", JSON.stringify("services"), "body"],
    ["no services", { context: { user_id: "bad" } }, "services"],
    ["services null", { services: null, context: { user_id: "bad" } }, "services"],
    ["services a string", { services: "x", context: { user_id: "bad" } }, "services"],
    ["services empty", { services: [], context: { user_id: "bad" } }, "services"],
    ["services not all strings", { services: ["x", 3], context: { user_id: "bad" } }, "services[1]"],
    ["services an object", { services: { x: 1 }, context: { user_id: "bad" } }, "services"],
    ["no context", { services: ["x"] }, "context"],
    ["context an array", { services: ["x"], context: [{ user_id: "bad" }] }, "context"],
    ["context a string", { services: ["x"], context: "user_id=bad" }, "context"],
    ["context null", { services: ["x"], context: null }, "context"],
    ["requestId a number", { services: ["x"], context: { user_id: "bad" }, requestId: 5 }, "requestId"],
    ["over 100 services", { services: Array.from({ length: 101 }, (_, i) => `s${i}`), context: { user_id: "bad" } }, "services"],
  ];

  it.each(cases)("%s → 400 naming its field", async (_name, body, field) => {
    const reply = await postExperiment(body);
    expect([reply.status, firstError(reply)?.extensions.code, firstError(reply)?.extensions.field]).toEqual([400, "BAD_USER_INPUT", field]);
  });

  it("an actor longer than decide accepts → 400 naming context.<hash key>, nothing stored or exposed", async () => {
    const actor = "a".repeat(513);
    const reply = await postExperiment({ services: [svc], context: { user_id: actor } });
    expect([reply.status, firstError(reply)?.extensions.code, firstError(reply)?.extensions.field]).toEqual([400, "BAD_USER_INPUT", "context.user_id"]);
    // decide refuses it the same way.
    const viaGraphQL = await server.gql(DECIDE, { services: [svc], context: { user_id: actor } });
    expect(viaGraphQL.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "context.user_id" });
    expect(firstError(reply)?.message).toBe(viaGraphQL.errors?.[0]?.message);
    expect(await exposureLog(server, exp)).toEqual([]);
    expect(await storedAssignment(server, exp, actor)).toBeNull();
  });

  it("a body over 1 MiB → 413; another content type → 415; another method → 405 with Allow: POST", async () => {
    const big = await postExperiment({ services: [svc], context: { user_id: "big", pad: "x".repeat(1 << 20) } });
    expect([big.status, firstError(big)?.extensions.code, firstError(big)?.extensions.field]).toEqual([413, "BAD_USER_INPUT", "body"]);
    const body = JSON.stringify({ services: [svc], context: { user_id: "typed" } });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"]) {
      const reply = await postExperiment(body, {}, type);
      expect([type, reply.status, firstError(reply)?.extensions.code, firstError(reply)?.extensions.field]).toEqual([type, 415, "BAD_USER_INPUT", "content-type"]);
    }
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const reply = await request(endpoint, { method, headers: { ...ADMIN_HEADERS, "content-type": "application/json" }, body: method === "GET" ? undefined : body });
      expect([method, reply.status, firstError(reply)?.extensions.code, firstError(reply)?.extensions.field]).toEqual([method, 405, "BAD_USER_INPUT", "method"]);
      expect(reply.headers.get("allow")).toBe("POST");
    }
    // content type with a charset is JSON; unknown members are ignored.
    const charset = await postExperiment({ services: [svc], context: { user_id: "typed" }, explain: true }, {}, "application/json; charset=utf-8");
    expect(charset.status).toBe(200);
    expect(await storedAssignment(server, exp, "big")).toBeNull();
  });

});
