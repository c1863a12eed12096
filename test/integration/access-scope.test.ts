// SPEC §13 beyond roles: an SDK key limited to services decides, assigns and follows changes for
// those services only (FORBIDDEN naming the service otherwise, nothing written); and the audit:
// a change records the key's name as its actor unless x-actor names one, and the key's name always.

import { type TestKey, createKey, post } from "../helpers/keyed-requests";
import { DECIDE, DECIDE_BATCH, exposureLog, storedAssignment } from "../helpers/decide-factories";
import { ASSIGN, FIFTY_FIFTY, START, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import { createLayer } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { Collector, type WsClient, wsClient } from "../helpers/ws-client";

let server: TestServer;
let sdkWeb: TestKey;
const clients: WsClient[] = [];
const P = uniqueKey("scope");
/** Running experiments in a layer serving only web, and in one serving only ios. */
const WEB_EXP = `${P}_web_exp`;
const IOS_EXP = `${P}_ios_exp`;

beforeAll(async () => {
  server = await startTestServer();
  sdkWeb = await createKey(server, { name: `${P}-sdk`, role: "SDK", services: ["web"], rateLimit: 100_000 });
  for (const [service, key] of [["web", WEB_EXP], ["ios", IOS_EXP]] as const) {
    await createLayer(server, { key: `${P}_${service}`, services: [service] });
    await createExperiment(server, { key, layer: `${P}_${service}`, traffic: 10_000, variants: FIFTY_FIFTY });
    ok(await server.gql(START, { key }));
  }
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

function subscribe(key: TestKey, query: string, variables: Record<string, unknown>): Collector<Record<string, unknown>> {
  const client = wsClient(server, { connectionParams: { authorization: `Bearer ${key.secret}` } });
  clients.push(client);
  return new Collector(client.client, query, variables);
}

describe("an SDK key limited to services", () => {
  it("decides for its services; a request naming another is 403 FORBIDDEN naming the service, and writes nothing", async () => {
    const web = await post(server, { query: DECIDE, variables: { services: ["web"], context: { user_id: "u1" } } }, sdkWeb.headers);
    expect([web.status, web.body.errors]).toEqual([200, undefined]);
    expect(web.body.data?.decide.results[0].experiments[0].experiment).toBe(WEB_EXP);

    const before = await configVersion(server);
    const one = await post(server, { query: DECIDE, variables: { services: ["web", "ios"], context: { user_id: "intruder" } } }, sdkWeb.headers);
    expect(one.status).toBe(403);
    expect(one.body.data).toBeUndefined();
    expect(one.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "services", service: "ios" });
    const requests = [{ services: ["web"], context: { user_id: "intruder" } }, { services: ["ios"], context: { user_id: "intruder" } }];
    const batch = await post(server, { query: DECIDE_BATCH, variables: { requests } }, sdkWeb.headers);
    expect(batch.status).toBe(403);
    expect(batch.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "requests[1].services", service: "ios" });

    // A decision of the ADMIN key for a witness, queued after the refused ones: once its exposure is stored, theirs would be too.
    ok(await server.gql(DECIDE, { services: ["web", "ios"], context: { user_id: "witness" } }));
    let witness = await exposureLog(server, IOS_EXP, "witness");
    for (let i = 0; i < 200 && witness.length === 0; i++) witness = await new Promise((r) => setTimeout(r, 25)).then(() => exposureLog(server, IOS_EXP, "witness"));
    expect(witness).toHaveLength(1);
    expect(await exposureLog(server, IOS_EXP, "intruder")).toEqual([]);
    expect(await exposureLog(server, WEB_EXP, "intruder")).toEqual([]);
    expect(await storedAssignment(server, IOS_EXP, "intruder")).toBeNull();
    expect(await configVersion(server)).toBe(before);
  });

  it("services written in the query text are judged per key: the same text is allowed to one key and refused to another, again and again", async () => {
    const sdkIos = await createKey(server, { name: `${P}-sdk-ios`, role: "SDK", services: ["ios"], rateLimit: 100_000 });
    const query = `query($c: JSON!) { decide(services: ["web"], context: $c) { results { service } } }`;
    for (let round = 0; round < 3; round++) {
      for (const [key, allowed] of [[sdkWeb, true], [sdkIos, false]] as const) {
        const reply = await post(server, { query, variables: { c: { user_id: `u${round}` } } }, key.headers);
        if (allowed) expect([reply.status, reply.body.errors]).toEqual([200, undefined]);
        else expect([reply.status, reply.body.errors?.[0]?.extensions]).toEqual([403, expect.objectContaining({ code: "FORBIDDEN", service: "web", field: "services" })]);
      }
    }
  });

  it("assigns in an experiment whose layer serves one of its services; in another, 403 FORBIDDEN and nothing stored", async () => {
    const web = await post(server, { query: ASSIGN, variables: { experiment: WEB_EXP, actor: "sdk-user" } }, sdkWeb.headers);
    expect([web.status, web.body.errors]).toEqual([200, undefined]);
    expect(web.body.data?.assign.experiment).toBe(WEB_EXP);

    const ios = await post(server, { query: ASSIGN, variables: { experiment: IOS_EXP, actor: "sdk-user" } }, sdkWeb.headers);
    expect(ios.status).toBe(403);
    expect(ios.body.data).toBeUndefined();
    expect(ios.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "experiment" });
    expect(await storedAssignment(server, IOS_EXP, "sdk-user")).toBeNull();
    // An experiment nobody knows serves none of its services either: refused the same way, not NOT_FOUND.
    const unknown = await post(server, { query: ASSIGN, variables: { experiment: `${P}_nope`, actor: "sdk-user" } }, sdkWeb.headers);
    expect([unknown.status, unknown.body.errors?.[0]?.extensions.code]).toEqual([403, "FORBIDDEN"]);
  });

  it("configChanges is VIEWER's and up: FORBIDDEN to an SDK key", async () => {
    const reply = await post(server, { query: `{ configChanges(since: 0) { version } }` }, sdkWeb.headers);
    expect(reply.status).toBe(403);
    expect(reply.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "configChanges" });
  });

  it("configChanged: FORBIDDEN for another service; without services, only the changes touching its own", async () => {
    const refused = subscribe(sdkWeb, `subscription { configChanged(services: ["ios"]) { version } }`, {});
    const ending = await refused.ended;
    expect(ending.completed).toBe(false);
    expect((ending.error as Array<{ extensions: { code: string; service?: string } }>)[0]?.extensions).toMatchObject({ code: "FORBIDDEN", service: "ios" });

    const since = await configVersion(server);
    ok(await server.gql(`mutation($k: String!) { updateExperiment(key: $k, input: {description: "ios"}) { key } }`, { k: IOS_EXP }));
    ok(await server.gql(`mutation($k: String!) { updateExperiment(key: $k, input: {description: "web"}) { key } }`, { k: WEB_EXP }));
    const mine = subscribe(sdkWeb, `subscription($since: Int) { configChanged(since: $since) { version keys } }`, { since });
    const items = await mine.until((got) => got.length > 0, "the web change");
    expect(items[0]).toEqual({ version: since + 2, keys: [WEB_EXP] });
    mine.stop();
  });
});

describe("audit: who made a change, and with which key", () => {
  const CHANGE = `version actor apiKey`;

  it("the key's name is the actor unless x-actor names one; the key's name is kept either way", async () => {
    const ci = await createKey(server, { name: "ci", role: "DEVELOPER" });
    const key = `${P}_audited`;
    const since = await configVersion(server);
    const created = await post(server, { query: `mutation($k: String!) { createExperiment(input: {key: $k, variants: [{key: "a", weight: 1}]}) { key } }`, variables: { k: key } }, ci.headers);
    expect(created.body.errors).toBeUndefined();
    const updated = await post(server, { query: `mutation($k: String!) { updateExperiment(key: $k, input: {description: "x"}) { key } }`, variables: { k: key } }, { ...ci.headers, "x-actor": "alice" });
    expect(updated.body.errors).toBeUndefined();

    const history = ok(await server.gql(`query($k: String!) { history(key: $k) { mutation actor apiKey } }`, { k: key })).history;
    expect(history).toEqual([
      { mutation: "updated", actor: "alice", apiKey: "ci" },
      { mutation: "created", actor: "ci", apiKey: "ci" },
    ]);
    const expected = [
      { version: since + 1, actor: "ci", apiKey: "ci" },
      { version: since + 2, actor: "alice", apiKey: "ci" },
    ];
    expect(ok(await server.gql(`query($s: Int!) { configChanges(since: $s) { ${CHANGE} } }`, { s: since })).configChanges).toEqual(expected);
    const live = subscribe(ci, `subscription($s: Int) { configChanged(since: $s) { ${CHANGE} } }`, { s: since });
    expect((await live.until((got) => got.length >= 2, "both changes")).slice(0, 2)).toEqual(expected);
    live.stop();
  });
});
