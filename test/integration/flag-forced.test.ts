// Forced decisions through GraphQL (SPEC §16): set (upsert) and clear with their history, the
// variation checked against the rule (NO_VARIANT / BAD_USER_INPUT), and what setFlagRules keeps.

import { FIFTY_FIFTY, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import { CLEAR_FORCED, SET_FLAG_RULES, SET_FORCED, createFlag, getFlag } from "../helpers/flag-factories";
import { expectError, mutationsOf } from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
/** A DRAFT 50/50 experiment (control, treatment) and another with variants a, b. */
const EXP = uniqueKey("exp");
const OTHER = uniqueKey("exp");
beforeAll(async () => {
  server = await startTestServer();
  await createExperiment(server, { key: EXP, variants: FIFTY_FIFTY });
  await createExperiment(server, { key: OTHER, variants: [{ key: "a", weight: 1 }, { key: "b", weight: 1 }] });
});
afterAll(() => server.close());

const RULES = [
  { key: "ab", type: "EXPERIMENT", experiment: EXP },
  { key: "beta", type: "DELIVERY", traffic: 100 },
  { key: "everyone", type: "DELIVERY" },
];

async function newFlag(): Promise<string> {
  const key = uniqueKey("flag");
  await createFlag(server, { key, rules: RULES });
  return key;
}

const setForced = (flag: string, rule: string, actor: string, variation: string) => server.gql(SET_FORCED, { flag, rule, actor, variation });
const clearForced = async (flag: string, rule: string, actor: string): Promise<boolean> => ok(await server.gql(CLEAR_FORCED, { flag, rule, actor })).clearForcedDecision;

describe("setForcedDecision and clearForcedDecision", () => {
  it("set answers the forced decision, as a change of the flag recorded as set_forced_decision", async () => {
    const flag = await newFlag();
    const before = await configVersion(server);
    for (const [rule, variation] of [["ab", "treatment"], ["beta", "on"], ["everyone", "off"]] as const) {
      expect(ok(await setForced(flag, rule, "u1", variation)).setForcedDecision).toEqual({ flag, rule, actor: "u1", variation });
    }
    expect(await configVersion(server)).toBe(before + 3);
    expect((await getFlag(server, flag)).version).toBe(4);
    expect(await mutationsOf(server, flag)).toEqual(["set_forced_decision", "set_forced_decision", "set_forced_decision", "flag_created"]);
  });

  it("set again replaces the variation (one decision per flag, rule and actor); clear says whether there was one", async () => {
    const flag = await newFlag();
    ok(await setForced(flag, "ab", "u1", "treatment"));
    expect(ok(await setForced(flag, "ab", "u1", "control")).setForcedDecision.variation).toBe("control");
    ok(await setForced(flag, "ab", "u2", "treatment"));
    expect(await clearForced(flag, "ab", "u1")).toBe(true);
    const before = await configVersion(server);
    // One row was there for u1: the second clear finds none, and records nothing.
    expect(await clearForced(flag, "ab", "u1")).toBe(false);
    expect(await clearForced(flag, "beta", "u2")).toBe(false);
    expect(await clearForced(flag, "no-such-rule", "u2")).toBe(false);
    expect(await configVersion(server)).toBe(before);
    expect(await clearForced(flag, "ab", "u2")).toBe(true);
    expect(await mutationsOf(server, flag)).toEqual([
      "clear_forced_decision", "clear_forced_decision", "set_forced_decision", "set_forced_decision", "set_forced_decision", "flag_created",
    ]);
  });

  it("an actor of 512 characters is kept whole", async () => {
    const flag = await newFlag();
    const actor = "a".repeat(512);
    expect(ok(await setForced(flag, "beta", actor, "off")).setForcedDecision.actor).toBe(actor);
    expect(await clearForced(flag, "beta", actor)).toBe(true);
  });

  const refused: Array<[string, string, string, string, string, string]> = [
    ["a variation that is not a variant of the rule's experiment", "ab", "u1", "on", "NO_VARIANT", "variation"],
    ["a variant of another experiment", "ab", "u1", "a", "NO_VARIANT", "variation"],
    ["a DELIVERY variation other than on or off", "beta", "u1", "treatment", "BAD_USER_INPUT", "variation"],
    ["a DELIVERY variation in other case", "everyone", "u1", "ON", "BAD_USER_INPUT", "variation"],
    ["a rule the flag does not have", "gamma", "u1", "on", "NOT_FOUND", "rule"],
    ["an empty actor", "beta", "", "on", "BAD_USER_INPUT", "actor"],
    ["an actor over 512 characters", "beta", "a".repeat(513), "on", "BAD_USER_INPUT", "actor"],
    ["an actor with a NUL character", "beta", "u\u00001", "on", "BAD_USER_INPUT", "actor"],
  ];
  it.each(refused)("refuses %s with its code at its field, writing nothing", async (_what, rule, actor, variation, code, field) => {
    const flag = await newFlag();
    const before = await configVersion(server);
    expectError(await setForced(flag, rule, actor, variation), code, field);
    expect(await configVersion(server)).toBe(before);
    expect(await mutationsOf(server, flag)).toEqual(["flag_created"]);
    if (actor !== "" && actor.length <= 512 && !actor.includes("\u0000")) expect(await clearForced(flag, rule, actor)).toBe(false);
  });
});

describe("setFlagRules and the forced decisions of the rules", () => {
  it("keeps those of rules that keep their key, type and experiment; drops those of rules removed or changed", async () => {
    const flag = await newFlag();
    ok(await setForced(flag, "ab", "u1", "treatment"));
    ok(await setForced(flag, "beta", "u1", "off"));
    ok(await setForced(flag, "everyone", "u1", "on"));
    ok(await setForced(flag, "everyone", "u2", "off"));
    const kept = { flag, rule: "beta", actor: "u1", variation: "off" };
    ok(await server.gql(SET_FLAG_RULES, {
      key: flag,
      rules: [
        // Same key, other experiment: "treatment" no longer names one of its variants.
        { key: "ab", type: "EXPERIMENT", experiment: OTHER },
        // Same key and type, other traffic and audience: still the same rule.
        { key: "beta", type: "DELIVERY", traffic: 9000, audience: { type: "field", field: "plan", op: "eq", values: ["pro"] } },
        { key: "last", type: "DELIVERY" },
      ],
    }));
    expect(await clearForced(flag, "ab", "u1")).toBe(false);
    expect(await clearForced(flag, "everyone", "u1")).toBe(false);
    expect(await clearForced(flag, "everyone", "u2")).toBe(false);
    expect(await clearForced(flag, kept.rule, kept.actor)).toBe(true);
  });

  it("drops those of a rule whose type changed, even under the same key", async () => {
    const flag = await newFlag();
    ok(await setForced(flag, "beta", "u1", "on"));
    ok(await server.gql(SET_FLAG_RULES, { key: flag, rules: [{ key: "beta", type: "EXPERIMENT", experiment: EXP }] }));
    expect(await clearForced(flag, "beta", "u1")).toBe(false);
    // The rule, now an EXPERIMENT rule, takes variants of its experiment.
    expectError(await setForced(flag, "beta", "u1", "on"), "NO_VARIANT", "variation");
    expect(ok(await setForced(flag, "beta", "u1", "control")).setForcedDecision.variation).toBe("control");
  });

  it("a refused setFlagRules keeps every forced decision", async () => {
    const flag = await newFlag();
    ok(await setForced(flag, "everyone", "u1", "on"));
    expectError(await server.gql(SET_FLAG_RULES, { key: flag, rules: [{ key: "ab", type: "EXPERIMENT", experiment: uniqueKey("unknown") }] }), "BAD_USER_INPUT", "rules[0].experiment");
    expect(await clearForced(flag, "everyone", "u1")).toBe(true);
  });
});
