// Feature flags through GraphQL (SPEC §16): every mutation's effect and history record, the
// archived flag's refusals, flags(service), and flag changes as configuration changes (§10).

import { CREATE, FIFTY_FIFTY, HISTORY, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import {
  ARCHIVE_FLAG, CLEAR_FORCED, FLAGS, SET_FLAG_ENABLED, SET_FLAG_RULES, SET_FORCED, UPDATE_FLAG,
  CREATE_FLAG, createFlag, delivery, experimentRule, getFlag,
} from "../helpers/flag-factories";
import { decide } from "../helpers/decide-factories";
import { CREATE_LAYER, expectError, mutationsOf } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGES, type ConfigChange } from "../helpers/ws-client";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const EVERYONE = { key: "everyone", type: "DELIVERY" };

describe("createFlag", () => {
  it("creates an enabled flag with the documented defaults, recorded as flag_created", async () => {
    const key = uniqueKey("flag");
    const before = await configVersion(server);
    const flag = await createFlag(server, { key });
    expect(flag).toEqual({
      key, description: null, services: [], enabled: true, hashKey: "user_id", variables: {}, rules: [], archived: false, version: 1,
      createdAt: expect.any(String), updatedAt: flag.createdAt,
    });
    expect(await getFlag(server, key)).toEqual(flag);
    expect(await configVersion(server)).toBe(before + 1);
    const history = ok(await server.gql(HISTORY, { key, limit: 0 })).history;
    expect(history).toEqual([{ key, mutation: "flag_created", actor: "bootstrap", at: expect.any(String), configVersion: before + 1 }]);
  });

  it("keeps every field it is given, rules in their order with their defaults filled in", async () => {
    const exp = uniqueKey();
    await createExperiment(server, { key: exp, variants: FIFTY_FIFTY });
    const key = uniqueKey("flag");
    const audience = { type: "field", field: "country", op: "in", values: ["DE", "FR"] };
    const flag = await createFlag(server, {
      key, description: "checkout v2", services: ["web", "api"], hashKey: "device_id", variables: { color: "blue", limits: { max: 3 } },
      rules: [
        { key: "ab", type: "EXPERIMENT", experiment: exp },
        { key: "beta", type: "DELIVERY", audience, traffic: 1000, variables: { color: "green" } },
        { key: "dark", type: "DELIVERY", traffic: 0, enabled: false },
        EVERYONE,
      ],
    });
    expect(flag).toMatchObject({
      key, description: "checkout v2", services: ["web", "api"], hashKey: "device_id", variables: { color: "blue", limits: { max: 3 } },
      rules: [
        experimentRule("ab", exp),
        delivery("beta", { audience, traffic: 1000, variables: { color: "green" } }),
        delivery("dark", { traffic: 0, enabled: false }),
        delivery("everyone"),
      ],
    });
    expect(await getFlag(server, key)).toEqual(flag);
  });

  it("shares one key space with experiments and layers: CONFLICT on input.key every way, nothing written", async () => {
    const flag = uniqueKey("flag");
    const exp = uniqueKey();
    const layer = uniqueKey("layer");
    await createFlag(server, { key: flag });
    await createExperiment(server, { key: exp, variants: FIFTY_FIFTY });
    ok(await server.gql(CREATE_LAYER, { input: { key: layer, services: ["web"] } }));
    const before = await configVersion(server);
    for (const taken of [flag, exp, layer]) expectError(await server.gql(CREATE_FLAG, { input: { key: taken } }), "CONFLICT", "input.key");
    expectError(await server.gql(CREATE, { input: { key: flag, variants: FIFTY_FIFTY } }), "CONFLICT", "input.key");
    expectError(await server.gql(CREATE_LAYER, { input: { key: flag, services: ["web"] } }), "CONFLICT", "input.key");
    expect(await configVersion(server)).toBe(before);
    expect(await mutationsOf(server, flag)).toEqual(["flag_created"]);
  });
});

describe("the changes of a flag", () => {
  it("updateFlag, setFlagRules, setFlagEnabled and archiveFlag: each bumps the flag's version and updatedAt, with its history record", async () => {
    const exp = uniqueKey();
    await createExperiment(server, { key: exp, variants: FIFTY_FIFTY });
    const key = uniqueKey("flag");
    const created = await createFlag(server, { key, description: "d", services: ["web"], variables: { a: 1 }, rules: [EVERYONE] });
    const steps: Array<[string, Record<string, unknown>, string, Record<string, unknown>]> = [
      [UPDATE_FLAG, { input: { variables: { a: 2, b: { c: true } } } }, "updateFlag", { description: "d", services: ["web"], variables: { a: 2, b: { c: true } } }],
      [UPDATE_FLAG, { input: { description: null, services: ["web", "ios"] } }, "updateFlag", { description: null, services: ["web", "ios"], variables: { a: 2, b: { c: true } } }],
      [
        SET_FLAG_RULES,
        { rules: [{ key: "ab", type: "EXPERIMENT", experiment: exp, audience: { type: "field", field: "plan", op: "eq", values: ["pro"] } }, { key: "rollout", type: "DELIVERY", traffic: 500 }, EVERYONE] },
        "setFlagRules",
        { rules: [experimentRule("ab", exp, { audience: { type: "field", field: "plan", op: "eq", values: ["pro"] } }), delivery("rollout", { traffic: 500 }), delivery("everyone")] },
      ],
      [SET_FLAG_ENABLED, { enabled: false }, "setFlagEnabled", { enabled: false }],
      [SET_FLAG_ENABLED, { enabled: true }, "setFlagEnabled", { enabled: true }],
      [ARCHIVE_FLAG, {}, "archiveFlag", { archived: true }],
    ];
    let previous = created;
    for (const [document, variables, field, expected] of steps) {
      const before = await configVersion(server);
      const flag = ok(await server.gql(document, { key, ...variables }))[field];
      expect(flag).toMatchObject({ ...expected, version: previous.version + 1, createdAt: created.createdAt });
      expect(flag.updatedAt).not.toBe(previous.updatedAt);
      expect(await getFlag(server, key)).toEqual(flag);
      expect(await configVersion(server)).toBe(before + 1);
      previous = flag;
    }
    expect(previous).toMatchObject({ version: 7, description: null, services: ["web", "ios"], enabled: true, archived: true });
    expect(await mutationsOf(server, key)).toEqual(["flag_archived", "flag_enabled", "flag_disabled", "set_flag_rules", "flag_updated", "flag_updated", "flag_created"]);
  });

  it("an archived flag refuses every change with ARCHIVED, archiving again too; nothing is written", async () => {
    const key = uniqueKey("flag");
    await createFlag(server, { key, rules: [EVERYONE] });
    ok(await server.gql(SET_FORCED, { flag: key, rule: "everyone", actor: "u1", variation: "on" }));
    const archived = ok(await server.gql(ARCHIVE_FLAG, { key })).archiveFlag;
    const before = await configVersion(server);
    const attempts: Array<[string, Record<string, unknown>]> = [
      [UPDATE_FLAG, { key, input: { description: "again" } }],
      [SET_FLAG_RULES, { key, rules: [] }],
      [SET_FLAG_ENABLED, { key, enabled: false }],
      [SET_FLAG_ENABLED, { key, enabled: true }],
      [ARCHIVE_FLAG, { key }],
      [SET_FORCED, { flag: key, rule: "everyone", actor: "u2", variation: "off" }],
      [CLEAR_FORCED, { flag: key, rule: "everyone", actor: "u1" }],
    ];
    for (const [document, variables] of attempts) {
      const res = await server.gql(document, variables);
      expectError(res, "ARCHIVED");
      expect(res.errors?.[0]?.extensions.key).toBe(key);
    }
    expect(await configVersion(server)).toBe(before);
    expect(await getFlag(server, key)).toEqual(archived);
    expect(await mutationsOf(server, key)).toEqual(["flag_archived", "set_forced_decision", "flag_created"]);
  });

  it("an unknown flag is NOT_FOUND for every change, null for flag(key); nothing is written", async () => {
    const key = uniqueKey("nope");
    const before = await configVersion(server);
    for (const [document, variables] of [
      [UPDATE_FLAG, { key, input: { description: "x" } }],
      [SET_FLAG_RULES, { key, rules: [] }],
      [SET_FLAG_ENABLED, { key, enabled: false }],
      [ARCHIVE_FLAG, { key }],
      [SET_FORCED, { flag: key, rule: "r", actor: "u1", variation: "on" }],
      [CLEAR_FORCED, { flag: key, rule: "r", actor: "u1" }],
    ] as Array<[string, Record<string, unknown>]>) {
      expectError(await server.gql(document, variables), "NOT_FOUND");
    }
    expect(await getFlag(server, key)).toBeNull();
    expect(await configVersion(server)).toBe(before);
    expect(await mutationsOf(server, key)).toEqual([]);
  });
});

describe("flags(service)", () => {
  it("lists the flags naming the service, archived ones too, sorted by key; without a service every flag", async () => {
    const service = uniqueKey("svc");
    const other = uniqueKey("svc");
    const p = uniqueKey("order");
    await createFlag(server, { key: `${p}_c`, services: [service] });
    await createFlag(server, { key: `${p}_a`, services: [other, service] });
    await createFlag(server, { key: `${p}_b`, services: [other] });
    await createFlag(server, { key: `${p}_d`, services: [service] });
    ok(await server.gql(ARCHIVE_FLAG, { key: `${p}_d` }));
    expect(ok(await server.gql(FLAGS, { service })).flags).toEqual([
      { key: `${p}_a`, services: [other, service], archived: false },
      { key: `${p}_c`, services: [service], archived: false },
      { key: `${p}_d`, services: [service], archived: true },
    ]);
    expect(ok(await server.gql(FLAGS, { service: uniqueKey("svc") })).flags).toEqual([]);
    const all: string[] = ok(await server.gql(FLAGS, {})).flags.map((f: { key: string }) => f.key);
    expect(all.filter((k) => k.startsWith(p))).toEqual([`${p}_a`, `${p}_b`, `${p}_c`, `${p}_d`]);
  });
});

describe("flag changes are configuration changes (SPEC §10)", () => {
  it("configChanges lists each as kind flag, naming the flag and its services before and after, with its mutation and actor", async () => {
    const key = uniqueKey("flag");
    const since = await configVersion(server);
    const as = (actor: string) => ({ "x-actor": actor });
    ok(await server.gql(CREATE_FLAG, { input: { key, services: ["web"], rules: [EVERYONE] } }, as("alice")));
    ok(await server.gql(UPDATE_FLAG, { key, input: { services: ["ios"] } }, as("bob")));
    ok(await server.gql(SET_FORCED, { flag: key, rule: "everyone", actor: "u1", variation: "off" }, as("carol")));
    ok(await server.gql(CLEAR_FORCED, { flag: key, rule: "everyone", actor: "u1" }, as("carol")));
    ok(await server.gql(SET_FLAG_ENABLED, { key, enabled: false }, as("dave")));
    const changes: ConfigChange[] = ok(await server.gql(CONFIG_CHANGES, { since })).configChanges;
    const shape = (c: ConfigChange) => ({ version: c.version, kind: c.kind, keys: c.keys, services: c.services, mutation: c.mutation, actor: c.actor });
    expect(changes.map(shape)).toEqual([
      { version: since + 1, kind: "flag", keys: [key], services: ["web"], mutation: "flag_created", actor: "alice" },
      { version: since + 2, kind: "flag", keys: [key], services: ["ios", "web"], mutation: "flag_updated", actor: "bob" },
      { version: since + 3, kind: "flag", keys: [key], services: ["ios"], mutation: "set_forced_decision", actor: "carol" },
      { version: since + 4, kind: "flag", keys: [key], services: ["ios"], mutation: "clear_forced_decision", actor: "carol" },
      { version: since + 5, kind: "flag", keys: [key], services: ["ios"], mutation: "flag_disabled", actor: "dave" },
    ]);
  });

  it("the instance's snapshot follows them: decide answers at the new version, its decisions unchanged", async () => {
    const service = uniqueKey("svc");
    const exp = uniqueKey();
    await createExperiment(server, { key: exp, services: [service], variants: FIFTY_FIFTY });
    ok(await server.gql(`mutation($key: String!) { startExperiment(key: $key) { state } }`, { key: exp }));
    // The first decide stores u1's assignment: from the second on, the answer is STICKY and stays so.
    await decide(server, [service], { user_id: "u1" });
    const before = await decide(server, [service], { user_id: "u1" });
    const key = uniqueKey("flag");
    await createFlag(server, { key, services: [service], rules: [{ key: "ab", type: "EXPERIMENT", experiment: exp }] });
    ok(await server.gql(SET_FLAG_ENABLED, { key, enabled: false }));
    const after = await decide(server, [service], { user_id: "u1" });
    expect(after.configVersion).toBe(before.configVersion + 2);
    expect(after.configVersion).toBe(await configVersion(server));
    expect(after.results).toEqual(before.results);
  });
});
