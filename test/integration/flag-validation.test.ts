// Feature-flag validation through GraphQL (SPEC §16, §8): every fault refused with its code and
// the JSON path of the fault, and nothing written (configuration version, flag and history unchanged).

import { ARCHIVE, FIFTY_FIFTY, configVersion, createExperiment, uniqueKey } from "../helpers/factories";
import { CREATE_FLAG, SET_FLAG_RULES, UPDATE_FLAG, createFlag, getFlag } from "../helpers/flag-factories";
import { expectError, mutationsOf } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
/** An experiment rules may name. */
const LIVE = uniqueKey("live");
/** An archived experiment no rule may name. */
const GONE = uniqueKey("gone");
beforeAll(async () => {
  server = await startTestServer();
  await createExperiment(server, { key: LIVE, variants: FIFTY_FIFTY });
  await createExperiment(server, { key: GONE, variants: FIFTY_FIFTY });
  await server.gql(ARCHIVE, { key: GONE });
});
afterAll(() => server.close());

const EVERYONE = { key: "everyone", type: "DELIVERY" };
const AB = { key: "ab", type: "EXPERIMENT", experiment: LIVE };
const country = { type: "field", field: "country", op: "eq", values: ["DE"] };

/** Faults of a rule list, as [what, rules, path below the list]. */
const BAD_RULES: Array<[string, () => unknown[], string]> = [
  ["a rule key used twice", () => [EVERYONE, { key: "beta", type: "DELIVERY" }, { ...EVERYONE, traffic: 5 }], "[2].key"],
  ["a rule key that is not a key", () => [{ key: "beta:1", type: "DELIVERY" }], "[0].key"],
  ["an empty rule key", () => [{ key: "", type: "DELIVERY" }], "[0].key"],
  ["an EXPERIMENT rule naming no experiment", () => [EVERYONE, { key: "ab", type: "EXPERIMENT" }], "[1].experiment"],
  ["an EXPERIMENT rule naming an unknown experiment", () => [{ ...AB, experiment: uniqueKey("unknown") }], "[0].experiment"],
  ["an EXPERIMENT rule naming an archived experiment", () => [AB, { ...AB, key: "old", experiment: GONE }], "[1].experiment"],
  ["an EXPERIMENT rule with traffic of its own", () => [{ ...AB, traffic: 5000 }], "[0].traffic"],
  ["an EXPERIMENT rule with variables of its own", () => [{ ...AB, variables: { color: "red" } }], "[0].variables"],
  ["an EXPERIMENT rule serving enabled: false", () => [{ ...AB, enabled: false }], "[0].enabled"],
  ["a DELIVERY rule naming an experiment", () => [{ ...EVERYONE, experiment: LIVE }], "[0].experiment"],
  ["a DELIVERY rule with traffic below 0", () => [{ ...EVERYONE, traffic: -1 }], "[0].traffic"],
  ["a DELIVERY rule with traffic above 10,000", () => [{ ...EVERYONE, traffic: 10_001 }], "[0].traffic"],
  ["an audience that is not a rule object", () => [{ ...EVERYONE, audience: [country] }], "[0].audience"],
  ["an audience with an unknown op", () => [{ ...EVERYONE, audience: { ...country, op: "equals" } }], "[0].audience.op"],
  ["an audience fault deep in it", () => [AB, { ...EVERYONE, audience: { type: "and", children: [country, { ...country, op: "in", values: [1, "x"] }] } }], "[1].audience.children[1].values[1]"],
  ["rule variables that are an array", () => [{ ...EVERYONE, variables: [1] }], "[0].variables"],
  ["rule variables that are a string", () => [{ ...EVERYONE, variables: "on" }], "[0].variables"],
  ["a __proto__ key deep in rule variables", () => [{ ...EVERYONE, variables: JSON.parse('{"ui":{"list":[{"__proto__":{"x":1}}]}}') }], "[0].variables.ui.list[0].__proto__"],
  ["more than 100 rules", () => Array.from({ length: 101 }, (_, i) => ({ key: `r${i}`, type: "DELIVERY" })), ""],
];

/** Faults of the flag's own fields, as [what, input fields, path]. */
const BAD_FIELDS: Array<[string, Record<string, unknown>, string]> = [
  ["an invalid key", { key: "Bad Key" }, "input.key"],
  ["an empty key", { key: "" }, "input.key"],
  ["a key over 64 characters", { key: "k".repeat(65) }, "input.key"],
  ["an invalid service name", { services: ["has space"] }, "input.services[0]"],
  ["a service listed twice", { services: ["web", "web"] }, "input.services[1]"],
  ["a blank hashKey", { hashKey: "  " }, "input.hashKey"],
  ["a hashKey over 128 characters", { hashKey: "h".repeat(129) }, "input.hashKey"],
  ["variables that are an array", { variables: [1] }, "input.variables"],
  ["variables that are a number", { variables: 3 }, "input.variables"],
  ["a __proto__ key in variables", { variables: JSON.parse('{"__proto__":{"admin":true}}') }, "input.variables.__proto__"],
  ["a description over 2,000 characters", { description: "d".repeat(2001) }, "input.description"],
];

describe("createFlag", () => {
  it.each([
    ...BAD_FIELDS,
    ...BAD_RULES.map(([what, rules, path]): [string, Record<string, unknown>, string] => [what, { rules: rules() }, `input.rules${path}`]),
  ])("refuses %s with BAD_USER_INPUT at its path, writing nothing", async (_what, fields, field) => {
    const key = uniqueKey("flag");
    const before = await configVersion(server);
    expectError(await server.gql(CREATE_FLAG, { input: { key, ...fields } }), "BAD_USER_INPUT", field);
    expect(await getFlag(server, key)).toBeNull();
    expect(await configVersion(server)).toBe(before);
    expect(await mutationsOf(server, key)).toEqual([]);
  });

  it("accepts the edges: traffic 0 and 10,000, a DRAFT experiment, an explicit experiment rule's traffic of 10,000, 100 rules", async () => {
    const rules = [
      { ...AB, traffic: 10_000, variables: {}, enabled: true },
      { key: "none", type: "DELIVERY", traffic: 0 },
      ...Array.from({ length: 97 }, (_, i) => ({ key: `r${i}`, type: "DELIVERY", audience: country })),
      { ...EVERYONE, traffic: 10_000, audience: null, variables: null, enabled: null, experiment: null },
    ];
    const flag = await createFlag(server, { key: uniqueKey("flag"), rules });
    expect(flag.rules).toHaveLength(100);
    expect(flag.rules[99]).toEqual({ key: "everyone", type: "DELIVERY", experiment: null, audience: null, traffic: 10_000, enabled: true, variables: {} });
  });
});

describe("setFlagRules", () => {
  it.each(BAD_RULES)("refuses %s with BAD_USER_INPUT at rules…, the flag unchanged", async (_what, rules, path) => {
    const key = uniqueKey("flag");
    const flag = await createFlag(server, { key, rules: [EVERYONE] });
    const before = await configVersion(server);
    expectError(await server.gql(SET_FLAG_RULES, { key, rules: rules() }), "BAD_USER_INPUT", `rules${path}`);
    expect(await getFlag(server, key)).toEqual(flag);
    expect(await configVersion(server)).toBe(before);
    expect(await mutationsOf(server, key)).toEqual(["flag_created"]);
  });
});

describe("updateFlag", () => {
  it.each(BAD_FIELDS.filter(([, fields]) => !("key" in fields) && !("hashKey" in fields)))(
    "refuses %s with BAD_USER_INPUT at its path, the flag unchanged",
    async (_what, fields, field) => {
      const key = uniqueKey("flag");
      const flag = await createFlag(server, { key, services: ["web"], variables: { a: 1 } });
      const before = await configVersion(server);
      expectError(await server.gql(UPDATE_FLAG, { key, input: fields }), "BAD_USER_INPUT", field);
      expect(await getFlag(server, key)).toEqual(flag);
      expect(await configVersion(server)).toBe(before);
    },
  );

  it("an UpdateFlagInput without a field changes nothing but the version (a recorded no-op)", async () => {
    const key = uniqueKey("flag");
    const flag = await createFlag(server, { key, description: "kept", services: ["web"], variables: { a: 1 } });
    const updated = (await server.gql(UPDATE_FLAG, { key, input: {} })).data.updateFlag;
    expect(updated).toEqual({ ...flag, version: 2, updatedAt: expect.any(String) });
  });
});
