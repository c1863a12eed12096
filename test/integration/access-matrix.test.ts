// SPEC §13's role table checked against the server: every root field has a rule (a field without
// one is nobody's), and every role × every root field over HTTP, with SPEC's table written out here
// (not read from src/api/access-rules.ts) so the implementation is what is checked.

import { getOperationAST, extendSchema, parse } from "graphql";
import { AccessGate } from "../../src/api/access-gate";
import { ACCESS_RULES } from "../../src/api/access-rules";
import { operationAccess } from "../../src/api/operation-access";
import { buildAppSchema } from "../../src/api/schema";
import type { KeyRegistry } from "../../src/services/key-registry";
import { RateLimiter } from "../../src/services/rate-limiter";
import { ROLES, type Role, type TestKey, createKey, keyPerRole, post } from "../helpers/keyed-requests";
import { storedAssignment } from "../helpers/decide-factories";
import { FIFTY_FIFTY, START, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import { createFlag } from "../helpers/flag-factories";
import { createLayer } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGED, Collector, type WsClient, wsClient } from "../helpers/ws-client";

const schema = buildAppSchema();
const ROOTS = { Query: schema.getQueryType()!, Mutation: schema.getMutationType()!, Subscription: schema.getSubscriptionType()! };
const fieldsOf = (type: keyof typeof ROOTS): string[] => Object.keys(ROOTS[type].getFields()).sort();

describe("every root field has exactly one rule (SPEC §13)", () => {
  it.each(Object.keys(ROOTS) as Array<keyof typeof ROOTS>)("%s: no field without a rule, no rule without a field", (type) => {
    const fields = fieldsOf(type);
    const ruled = Object.keys(ACCESS_RULES[type]);
    expect({ withoutRule: fields.filter((f) => !ruled.includes(f)), ruleOfNoField: ruled.filter((f) => !fields.includes(f)) }).toEqual({ withoutRule: [], ruleOfNoField: [] });
    // SPEC: ADMIN may do everything.
    expect(fields.filter((f) => !ACCESS_RULES[type][f]!.has("ADMIN"))).toEqual([]);
  });

  it("the rules name exactly the schema's root types", () => {
    expect(Object.keys(ACCESS_RULES).sort()).toEqual(Object.keys(ROOTS).sort());
  });

  it("a root field without a rule is FORBIDDEN to every role, the ruled ones beside it are not", () => {
    const extended = extendSchema(schema, parse(`extend type Query { unruled: Int } extend type Mutation { unruledChange: Int } extend type Subscription { unruledStream: Int }`));
    const gate = new AccessGate(extended, {} as KeyRegistry, new RateLimiter(), () => null, () => null, { authOff: false });
    const cases = [
      ["{ configVersion unruled me { name } }", "unruled"],
      ["mutation { unruledChange }", "unruledChange"],
      ["subscription { unruledStream }", "unruledStream"],
    ] as const;
    for (const [text, field] of cases) {
      const document = parse(text);
      const access = operationAccess(extended, document, getOperationAST(document)!);
      for (const role of ROLES) {
        expect([role, access.forbidden.get(role)]).toEqual([role, [field]]);
        const key = { id: `k-${role}`, name: role, role, services: null, rateLimit: 1_000, expiresAt: null };
        const refusal = gate.admit({ actor: null, requestId: null, key }, access, {});
        expect([role, refusal?.status, refusal?.body().errors[0]?.extensions]).toEqual([role, 403, expect.objectContaining({ code: "FORBIDDEN", field })]);
      }
    }
  });
});

let server: TestServer;
let keys: Record<Role, TestKey>;
/** An SDK key limited to the fixture's service. */
let sdkWeb: TestKey;
const victims = {} as Record<Role, TestKey>;
const clients: WsClient[] = [];
const P = uniqueKey("am");
const WEB = `${P}_web`;
/** A running 50/50 experiment serving WEB. */
const LIVE = `${P}_live`;
/** A flag serving WEB, read by the flag queries. */
const FLAG = `${P}_flag`;
/** A flag serving another service only: an SDK key limited to WEB may not decide it. */
const IOS_FLAG = `${P}_ios_flag`;
const lower = (role: Role) => role.toLowerCase();

beforeAll(async () => {
  server = await startTestServer();
  keys = await keyPerRole(server, P);
  sdkWeb = await createKey(server, { name: `${P}-sdk-web`, role: "SDK", services: [WEB], rateLimit: 100_000 });
  await createExperiment(server, { key: LIVE, services: [WEB], variants: FIFTY_FIFTY });
  ok(await server.gql(START, { key: LIVE }));
  await createFlag(server, { key: FLAG, services: [WEB], rules: [{ key: "everyone", type: "DELIVERY" }] });
  await createFlag(server, { key: IOS_FLAG, services: [`${P}_ios`] });
  // What each role's mutations act on, made for every role: a refusal that failed open would succeed and be seen.
  for (const role of ROLES) {
    await createExperiment(server, { key: `${P}_w_${lower(role)}`, services: [WEB], variants: FIFTY_FIFTY });
    ok(await server.gql(START, { key: `${P}_w_${lower(role)}` }));
    await createLayer(server, { key: `${P}_l_${lower(role)}`, services: [WEB] });
    victims[role] = await createKey(server, { name: `${P}-victim-${lower(role)}`, role: "VIEWER" });
  }
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

const [A, D, V, S] = ROLES;
const EVERY_KEY: Role[] = [A, D, V, S];
const READERS: Role[] = [A, D, V];
const CONFIGURERS: Role[] = [A, D];

interface Row {
  readonly may: readonly Role[];
  readonly query: string;
  readonly variables?: (role: Role) => Record<string, unknown>;
  /** What it stores that the configuration version does not count (assign's assignment): there when it ran, absent when refused. */
  readonly stored?: (role: Role) => Promise<unknown>;
}

/**
 * SPEC §13's table by root field: SDK decides (decide, decideBatch, assign, configVersion, me);
 * VIEWER every query but apiKeys, no mutation; DEVELOPER also every configuration mutation and
 * assign; ADMIN everything. In the order they run: each role's mutations act on its own things.
 */
const OPERATIONS: Readonly<Record<string, Row>> = {
  decide: { may: EVERY_KEY, query: `query($s: [String!]!) { decide(services: $s, context: {user_id: "u1"}) { configVersion } }`, variables: () => ({ s: [WEB] }) },
  decideBatch: { may: EVERY_KEY, query: `query($s: [String!]!) { decideBatch(requests: [{services: $s, context: {user_id: "u2"}}]) { configVersion } }`, variables: () => ({ s: [WEB] }) },
  decideFlags: { may: EVERY_KEY, query: `query($k: [String!]) { decideFlags(keys: $k, context: {user_id: "u3"}) { configVersion flags { flag } } }`, variables: () => ({ k: [FLAG] }) },
  configVersion: { may: EVERY_KEY, query: `{ configVersion }` },
  me: { may: EVERY_KEY, query: `{ me { name role } }` },
  experiment: { may: READERS, query: `query($k: String!) { experiment(key: $k) { key } }`, variables: () => ({ k: LIVE }) },
  experiments: { may: READERS, query: `{ experiments { key } }` },
  layer: { may: READERS, query: `query($k: String!) { layer(key: $k) { key } }`, variables: (r) => ({ k: `${P}_l_${lower(r)}` }) },
  layers: { may: READERS, query: `{ layers { key } }` },
  history: { may: READERS, query: `query($k: String!) { history(key: $k) { mutation actor apiKey } }`, variables: () => ({ k: LIVE }) },
  assignment: { may: READERS, query: `query($e: String!) { assignment(experiment: $e, actor: "u1") { variant } }`, variables: () => ({ e: LIVE }) },
  exposureCounts: { may: READERS, query: `query($e: String!) { exposureCounts(experiment: $e) { variant exposures } }`, variables: () => ({ e: LIVE }) },
  exposures: { may: READERS, query: `query($e: String!) { exposures(experiment: $e) { actor } }`, variables: () => ({ e: LIVE }) },
  configChanges: { may: READERS, query: `{ configChanges(since: 0, limit: 5) { version } }` },
  apiKeys: { may: [A], query: `{ apiKeys { id name } }` },
  flag: { may: READERS, query: `query($k: String!) { flag(key: $k) { key } }`, variables: () => ({ k: FLAG }) },
  flags: { may: READERS, query: `query($s: String) { flags(service: $s) { key } }`, variables: () => ({ s: WEB }) },
  exportConfig: { may: READERS, query: `{ exportConfig }` },
  assign: {
    may: [A, D, S],
    query: `mutation($e: String!, $a: String!) { assign(experiment: $e, actor: $a) { variant } }`,
    variables: (r) => ({ e: LIVE, a: `a_${lower(r)}` }),
    stored: (r) => storedAssignment(server, LIVE, `a_${lower(r)}`),
  },
  setOverride: { may: CONFIGURERS, query: `mutation($e: String!, $a: String!) { setOverride(experiment: $e, actor: $a, variant: "control") { variant } }`, variables: (r) => ({ e: LIVE, a: `o_${lower(r)}` }) },
  clearOverride: { may: CONFIGURERS, query: `mutation($e: String!, $a: String!) { clearOverride(experiment: $e, actor: $a) }`, variables: (r) => ({ e: LIVE, a: `o_${lower(r)}` }) },
  createExperiment: {
    may: CONFIGURERS,
    query: `mutation($k: String!) { createExperiment(input: {key: $k, variants: [{key: "control", weight: 1}, {key: "treatment", weight: 1}]}) { key } }`,
    variables: (r) => ({ k: `${P}_x_${lower(r)}` }),
  },
  updateExperiment: { may: CONFIGURERS, query: `mutation($k: String!) { updateExperiment(key: $k, input: {description: "updated"}) { key } }`, variables: (r) => ({ k: `${P}_x_${lower(r)}` }) },
  startExperiment: { may: CONFIGURERS, query: `mutation($k: String!) { startExperiment(key: $k) { state } }`, variables: (r) => ({ k: `${P}_x_${lower(r)}` }) },
  concludeExperiment: { may: CONFIGURERS, query: `mutation($k: String!) { concludeExperiment(key: $k, winner: "control") { state } }`, variables: (r) => ({ k: `${P}_x_${lower(r)}` }) },
  archiveExperiment: { may: CONFIGURERS, query: `mutation($k: String!) { archiveExperiment(key: $k) { state } }`, variables: (r) => ({ k: `${P}_x_${lower(r)}` }) },
  setWeights: {
    may: CONFIGURERS,
    query: `mutation($k: String!) { setWeights(key: $k, weights: [{key: "control", weight: 60}, {key: "treatment", weight: 40}]) { applied } }`,
    variables: (r) => ({ k: `${P}_w_${lower(r)}` }),
  },
  setTraffic: { may: CONFIGURERS, query: `mutation($k: String!) { setTraffic(key: $k, traffic: 5000) { applied } }`, variables: (r) => ({ k: `${P}_w_${lower(r)}` }) },
  createLayer: { may: CONFIGURERS, query: `mutation($k: String!, $s: [String!]!) { createLayer(input: {key: $k, services: $s}) { key } }`, variables: (r) => ({ k: `${P}_nl_${lower(r)}`, s: [WEB] }) },
  updateLayer: { may: CONFIGURERS, query: `mutation($k: String!) { updateLayer(key: $k, input: {description: "updated"}) { key } }`, variables: (r) => ({ k: `${P}_l_${lower(r)}` }) },
  setLayerRanges: { may: CONFIGURERS, query: `mutation($k: String!) { setLayerRanges(key: $k, ranges: []) { key } }`, variables: (r) => ({ k: `${P}_l_${lower(r)}` }) },
  createFlag: { may: CONFIGURERS, query: `mutation($k: String!, $s: [String!]) { createFlag(input: {key: $k, services: $s}) { key } }`, variables: (r) => ({ k: `${P}_f_${lower(r)}`, s: [WEB] }) },
  updateFlag: { may: CONFIGURERS, query: `mutation($k: String!) { updateFlag(key: $k, input: {description: "updated"}) { version } }`, variables: (r) => ({ k: `${P}_f_${lower(r)}` }) },
  setFlagRules: {
    may: CONFIGURERS,
    query: `mutation($k: String!) { setFlagRules(key: $k, rules: [{key: "everyone", type: DELIVERY, traffic: 5000}]) { version } }`,
    variables: (r) => ({ k: `${P}_f_${lower(r)}` }),
  },
  setFlagEnabled: { may: CONFIGURERS, query: `mutation($k: String!) { setFlagEnabled(key: $k, enabled: false) { enabled } }`, variables: (r) => ({ k: `${P}_f_${lower(r)}` }) },
  setForcedDecision: {
    may: CONFIGURERS,
    query: `mutation($k: String!) { setForcedDecision(flag: $k, rule: "everyone", actor: "u1", variation: "off") { variation } }`,
    variables: (r) => ({ k: `${P}_f_${lower(r)}` }),
  },
  clearForcedDecision: { may: CONFIGURERS, query: `mutation($k: String!) { clearForcedDecision(flag: $k, rule: "everyone", actor: "u1") }`, variables: (r) => ({ k: `${P}_f_${lower(r)}` }) },
  archiveFlag: { may: CONFIGURERS, query: `mutation($k: String!) { archiveFlag(key: $k) { archived } }`, variables: (r) => ({ k: `${P}_f_${lower(r)}` }) },
  importConfig: {
    may: CONFIGURERS,
    query: `mutation($d: JSON!) { importConfig(document: $d) { applied configVersion } }`,
    variables: (r) => ({ d: { format: "tessera.config/v1", layers: [{ key: `${P}_il_${lower(r)}`, services: [WEB] }] } }),
  },
  createApiKey: { may: [A], query: `mutation($n: String!) { createApiKey(input: {name: $n, role: VIEWER}) { apiKey { id } } }`, variables: (r) => ({ n: `${P}-made-by-${lower(r)}` }) },
  revokeApiKey: { may: [A], query: `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, variables: (r) => ({ id: victims[r].id }) },
};

describe("every role × every root field over HTTP", () => {
  it("the table has a row for every Query and Mutation field of the schema, and none other", () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual([...fieldsOf("Query"), ...fieldsOf("Mutation")].sort());
  });

  it.each(Object.entries(OPERATIONS).map(([field, row]) => ({ field, ...row })))("$field: runs for $may; 403 FORBIDDEN naming it for the others, nothing written", async ({ field, may, query, variables, stored }) => {
    for (const role of ROLES) {
      const before = await configVersion(server);
      const reply = await post(server, { query, variables: variables?.(role) ?? {} }, keys[role].headers);
      if (may.includes(role)) {
        // Each role's operation is made to succeed: an error would mean it did not run as meant.
        expect([role, reply.status, reply.body.errors]).toEqual([role, 200, undefined]);
        expect(reply.body.data?.[field]).not.toBeUndefined();
        if (stored) expect([role, await stored(role)]).toEqual([role, expect.anything()]);
        continue;
      }
      expect([role, reply.status]).toEqual([role, 403]);
      expect(reply.body.data).toBeUndefined();
      expect(reply.body.errors).toEqual([{ message: expect.stringContaining(field), extensions: expect.objectContaining({ code: "FORBIDDEN", field }) }]);
      expect([role, await configVersion(server)]).toEqual([role, before]);
      if (stored) expect([role, await stored(role)]).toEqual([role, null]);
    }
  });

  it("Subscription: configChanged is the only field", () => {
    expect(fieldsOf("Subscription")).toEqual(["configChanged"]);
  });

  it.each(ROLES)("Subscription: %s may subscribe to configChanged", async (role) => {
    const since = await configVersion(server);
    const key = `${P}_seen_${lower(role)}`;
    await createExperiment(server, { key, services: [WEB], variants: FIFTY_FIFTY });
    const client = wsClient(server, { connectionParams: { authorization: `Bearer ${keys[role].secret}` } });
    clients.push(client);
    const collector = new Collector(client.client, CONFIG_CHANGED, { since });
    const [change] = await collector.untilVersion(since + 1);
    expect([change?.version, change?.keys]).toEqual([since + 1, [key]]);
    collector.stop();
  });
});

describe("a FORBIDDEN answer is the same on the compiled fast path and on Apollo's", () => {
  const cases = [
    { field: "decide", role: "SDK limited to a service", key: () => sdkWeb, query: `query Q($s: [String!]!) { decide(services: $s, context: {user_id: "u1"}) { configVersion } }`, variables: { s: [WEB, "ios"] } },
    { field: "decideFlags", role: "SDK limited to a service", key: () => sdkWeb, query: `query Q($k: [String!]) { decideFlags(keys: $k, context: {user_id: "u1"}) { configVersion } }`, variables: { k: [FLAG, IOS_FLAG] } },
    { field: "experiments", role: "SDK", key: () => keys.SDK, query: `query Q { experiments { key } }`, variables: {} },
    { field: "apiKeys", role: "VIEWER", key: () => keys.VIEWER, query: `query Q { apiKeys { id } }`, variables: {} },
  ];

  it.each(cases)("$field by $role", async ({ key, query, variables }) => {
    // The fast path takes a plain body; `extensions` leaves it to Apollo (fastPathCandidate in src/server.ts).
    const fast = await post(server, { query, variables }, key().headers);
    const apollo = await post(server, { query, variables, extensions: {} }, key().headers);
    const named = await post(server, { query, variables, operationName: "Q" }, key().headers);
    expect(fast.status).toBe(403);
    expect(fast.body.errors?.[0]?.extensions.code).toBe("FORBIDDEN");
    for (const other of [apollo, named]) {
      expect(other.status).toBe(fast.status);
      expect(other.headers.get("content-type")).toBe(fast.headers.get("content-type"));
      expect(other.body).toEqual(fast.body);
    }
  });
});
