// decideFlags over HTTP (SPEC §16): the kill switch, delivery rules with audiences and "everyone
// else", forced decisions, EXPERIMENT rules decided, stored and exposed exactly as `decide` does,
// explain, $bucketing_id, the keyless list, unknown keys and SDK keys limited to services.

import { bearer, createKey } from "../helpers/api-keys";
import { actorsWhere, decideOne, exposureLog, started, storedAssignment } from "../helpers/decide-factories";
import { errorCode, ok, uniqueKey } from "../helpers/factories";
import { ARCHIVE_FLAG, SET_FLAG_ENABLED, SET_FORCED, createFlag } from "../helpers/flag-factories";
import { type SlotOf, loadSlotOf } from "../helpers/slots";
import { startTestServer, type GqlResponse, type TestServer } from "../helpers/test-server";

const DECIDE_FLAGS = `query($keys: [String!], $context: JSON!, $requestId: String, $explain: Boolean) {
  decideFlags(keys: $keys, context: $context, requestId: $requestId, explain: $explain) {
    configVersion flags { flag enabled variables rule variation source reasons } } }`;

interface FlagDecision {
  flag: string;
  enabled: boolean;
  variables: Record<string, unknown>;
  rule: string | null;
  variation: string | null;
  source: "FORCED" | "EXPERIMENT" | "ROLLOUT" | "DEFAULT";
  reasons: string[] | null;
}

let server: TestServer;
let slotOf: SlotOf;
beforeAll(async () => {
  server = await startTestServer();
  slotOf = await loadSlotOf();
});
afterAll(() => server.close());

const decideFlagsRaw = (keys: string[] | null, context: unknown, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<GqlResponse> =>
  server.gql(DECIDE_FLAGS, { keys, context, ...extra }, headers);

async function decideFlags(keys: string[] | null, context: unknown, extra: Record<string, unknown> = {}): Promise<{ configVersion: number; flags: FlagDecision[] }> {
  return ok(await decideFlagsRaw(keys, context, extra)).decideFlags;
}

async function decideFlag(key: string, context: unknown, extra: Record<string, unknown> = {}): Promise<FlagDecision> {
  const { flags } = await decideFlags([key], context, extra);
  expect(flags).toHaveLength(1);
  return flags[0]!;
}

const FRANCE = { type: "field", field: "country", op: "eq", values: ["FR"] };

describe("delivery rules", () => {
  it("the kill switch and archiving serve the defaults, naming no rule", async () => {
    const key = uniqueKey("kill");
    await createFlag(server, { key, variables: { color: "grey", size: 1 }, rules: [{ key: "everyone", type: "DELIVERY", variables: { color: "green" } }] });
    expect(await decideFlag(key, { user_id: "u1" })).toEqual({
      flag: key, enabled: true, variables: { color: "green", size: 1 }, rule: "everyone", variation: "on", source: "ROLLOUT", reasons: null,
    });
    ok(await server.gql(SET_FLAG_ENABLED, { key, enabled: false }));
    const off = { flag: key, enabled: false, variables: { color: "grey", size: 1 }, rule: null, variation: null, source: "DEFAULT", reasons: null };
    expect(await decideFlag(key, { user_id: "u1" })).toEqual(off);
    ok(await server.gql(SET_FLAG_ENABLED, { key, enabled: true }));
    expect((await decideFlag(key, { user_id: "u1" })).source).toBe("ROLLOUT");
    ok(await server.gql(ARCHIVE_FLAG, { key }));
    expect(await decideFlag(key, { user_id: "u1" })).toEqual(off);
  });

  it("a rule's audience, its traffic, and 'everyone else' after a rule the actor is outside of (rules between skipped)", async () => {
    const key = uniqueKey("rollout");
    await createFlag(server, {
      key,
      variables: { color: "grey" },
      rules: [
        { key: "beta", type: "DELIVERY", audience: FRANCE, traffic: 5000, variables: { color: "blue" } },
        { key: "middle", type: "DELIVERY", variables: { color: "red" } },
        { key: "everyone", type: "DELIVERY", traffic: 10_000, enabled: false, variables: { color: "green" } },
      ],
    });
    const [inBeta] = actorsWhere(slotOf, `${key}:beta`, "in", 1, (s) => s < 5000);
    const [outOfBeta] = actorsWhere(slotOf, `${key}:beta`, "out", 1, (s) => s >= 5000);
    expect(await decideFlag(key, { user_id: inBeta, country: "FR" })).toMatchObject({ enabled: true, variables: { color: "blue" }, rule: "beta", variation: "on", source: "ROLLOUT" });
    // In the audience but outside its traffic: "middle" is skipped, the last delivery rule decides.
    expect(await decideFlag(key, { user_id: outOfBeta, country: "FR" })).toMatchObject({ enabled: false, variables: { color: "green" }, rule: "everyone", source: "ROLLOUT" });
    // Outside the audience: the next rule.
    expect(await decideFlag(key, { user_id: inBeta, country: "DE" })).toMatchObject({ enabled: true, variables: { color: "red" }, rule: "middle", source: "ROLLOUT" });
    // No hash-key attribute: the defaults.
    expect(await decideFlag(key, { country: "FR" })).toMatchObject({ enabled: false, variables: { color: "grey" }, rule: null, variation: null, source: "DEFAULT" });
  });

  it("$bucketing_id replaces the actor in a delivery rule's slot, while forced decisions stay the actor's", async () => {
    const key = uniqueKey("bucketing");
    await createFlag(server, { key, rules: [{ key: "half", type: "DELIVERY", traffic: 5000 }] });
    const [inside] = actorsWhere(slotOf, `${key}:half`, "bin", 1, (s) => s < 5000);
    const [outside] = actorsWhere(slotOf, `${key}:half`, "bout", 1, (s) => s >= 5000);
    expect((await decideFlag(key, { user_id: outside })).source).toBe("DEFAULT");
    expect((await decideFlag(key, { user_id: outside, $bucketing_id: inside })).source).toBe("ROLLOUT");
    expect((await decideFlag(key, { user_id: inside, $bucketing_id: outside })).source).toBe("DEFAULT");
    ok(await server.gql(SET_FORCED, { flag: key, rule: "half", actor: inside, variation: "on" }));
    expect((await decideFlag(key, { user_id: inside, $bucketing_id: outside })).source).toBe("FORCED");
    expect((await decideFlag(key, { user_id: outside, $bucketing_id: inside })).source).toBe("ROLLOUT");
  });

  it("explain says why, step by step; without it reasons are null", async () => {
    const key = uniqueKey("explain");
    await createFlag(server, { key, rules: [{ key: "beta", type: "DELIVERY", audience: FRANCE }, { key: "everyone", type: "DELIVERY", traffic: 0 }] });
    const explained = await decideFlag(key, { user_id: "ex1", country: "DE" }, { explain: true });
    expect(explained.source).toBe("DEFAULT");
    expect(explained.reasons).toEqual([
      `1. flag "${key}" is enabled.`,
      `2. actor "ex1".`,
      `3. rule "beta" (DELIVERY): the audience does not hold: next rule.`,
      expect.stringMatching(/^3\. rule "everyone" \(DELIVERY, everyone else\): no audience \(everyone\); slot \d+ .* is not below traffic 0: no further rule\.$/),
      "4. no rule applies: off, default variables.",
    ]);
    expect((await decideFlag(key, { user_id: "ex1", country: "DE" })).reasons).toBeNull();
  });
});

describe("forced decisions", () => {
  it("forced on applies a delivery rule, forced off turns the flag off naming the rule, a forced variant serves the experiment's params as an override", async () => {
    const svc = uniqueKey("fsvc");
    const exp = uniqueKey("fexp");
    await started(server, exp, { services: [svc], traffic: 1, variants: [{ key: "control", weight: 50, params: { cta: "buy" } }, { key: "treatment", weight: 50, params: { cta: "try" } }] });
    const key = uniqueKey("forced");
    await createFlag(server, {
      key,
      variables: { cta: "none", on: false },
      rules: [{ key: "ab", type: "EXPERIMENT", experiment: exp }, { key: "beta", type: "DELIVERY", traffic: 0, variables: { on: true } }],
    });
    expect(await decideFlag(key, { user_id: "f-on" })).toMatchObject({ source: "DEFAULT", enabled: false });
    ok(await server.gql(SET_FORCED, { flag: key, rule: "beta", actor: "f-on", variation: "on" }));
    expect(await decideFlag(key, { user_id: "f-on" })).toMatchObject({ source: "FORCED", enabled: true, rule: "beta", variation: "on", variables: { cta: "none", on: true } });
    ok(await server.gql(SET_FORCED, { flag: key, rule: "beta", actor: "f-off", variation: "off" }));
    expect(await decideFlag(key, { user_id: "f-off" })).toMatchObject({ source: "FORCED", enabled: false, rule: "beta", variation: "off", variables: { cta: "none", on: false } });

    ok(await server.gql(SET_FORCED, { flag: key, rule: "ab", actor: "f-var", variation: "treatment" }));
    expect(await decideFlag(key, { user_id: "f-var" }, { requestId: "forced-req" })).toEqual({
      flag: key, enabled: true, variables: { cta: "try", on: false }, rule: "ab", variation: "treatment", source: "FORCED", reasons: null,
    });
    // Exposed as an override, never stored (the forced decision decides before the experiment is asked).
    expect(await exposureLog(server, exp, "f-var")).toEqual([expect.objectContaining({ variant: "treatment", isOverride: true, requestId: "forced-req" })]);
    expect(await storedAssignment(server, exp, "f-var")).toBeNull();
  });
});

describe("EXPERIMENT rules", () => {
  it("decide exactly as decide decides the experiment, falling through when the actor is not in it", async () => {
    const svc = uniqueKey("esvc");
    const exp = uniqueKey("eexp");
    await started(server, exp, { services: [svc], traffic: 5000, variants: [{ key: "control", weight: 50, params: { cta: "buy" } }, { key: "treatment", weight: 50, params: { cta: "try" } }] });
    const key = uniqueKey("expflag");
    await createFlag(server, { key, variables: { cta: "none", size: 1 }, rules: [{ key: "ab", type: "EXPERIMENT", experiment: exp }, { key: "everyone", type: "DELIVERY" }] });
    const served = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const actor = `cmp${i}`;
      // Half asked first through decideFlags, half through decide: each first answer is the stored one.
      const flagFirst = i % 2 === 0;
      const viaFlag1 = flagFirst ? await decideFlag(key, { user_id: actor }) : null;
      const viaDecide = await decideOne(server, svc, { user_id: actor });
      const viaFlag = viaFlag1 ?? (await decideFlag(key, { user_id: actor }));
      const inExperiment = viaDecide.experiments.find((e) => e.experiment === exp);
      if (inExperiment === undefined) {
        expect(viaFlag).toMatchObject({ source: "ROLLOUT", rule: "everyone", variables: { cta: "none", size: 1 } });
        expect(await storedAssignment(server, exp, actor)).toBeNull();
        continue;
      }
      served.add(inExperiment.variant);
      expect(viaFlag).toMatchObject({ source: "EXPERIMENT", enabled: true, rule: "ab", variation: inExperiment.variant, variables: { cta: inExperiment.variant === "control" ? "buy" : "try", size: 1 } });
      expect(await storedAssignment(server, exp, actor)).toMatchObject({ variant: inExperiment.variant });
      expect(await exposureLog(server, exp, actor)).toEqual([expect.objectContaining({ variant: inExperiment.variant, isOverride: false })]);
    }
    expect(served.size).toBeGreaterThan(0);
  });

  it("store one first-wins assignment and one exposure, however often decide and decideFlags ask", async () => {
    const svc = uniqueKey("osvc");
    const exp = uniqueKey("oexp");
    await started(server, exp, { services: [svc] });
    const key = uniqueKey("onceflag");
    await createFlag(server, { key, rules: [{ key: "ab", type: "EXPERIMENT", experiment: exp }] });
    const first = await decideFlag(key, { user_id: "once" }, { requestId: "first" });
    expect(first.source).toBe("EXPERIMENT");
    for (let i = 0; i < 3; i++) {
      expect((await decideFlag(key, { user_id: "once" })).variation).toBe(first.variation);
      expect((await decideOne(server, svc, { user_id: "once" })).experiments).toEqual([expect.objectContaining({ experiment: exp, variant: first.variation, source: "STICKY" })]);
    }
    expect(await storedAssignment(server, exp, "once")).toMatchObject({ variant: first.variation });
    expect(await exposureLog(server, exp, "once")).toEqual([expect.objectContaining({ variant: first.variation, requestId: "first" })]);
    const explained = await decideFlag(key, { user_id: "once" }, { explain: true });
    expect(explained.reasons).toContain(`3. rule "ab" (EXPERIMENT "${exp}"): 4. stored assignment: variant "${first.variation}".`);
  });
});

describe("which flags", () => {
  it("without keys: every unarchived flag, sorted by key; with keys: in the order asked, each once", async () => {
    const b = `${uniqueKey("list")}_b`;
    const a = b.replace(/_b$/, "_a");
    const gone = b.replace(/_b$/, "_c");
    for (const key of [b, a, gone]) await createFlag(server, { key, rules: [{ key: "everyone", type: "DELIVERY" }] });
    ok(await server.gql(ARCHIVE_FLAG, { key: gone }));
    const all = (await decideFlags(null, { user_id: "lister" })).flags.map((f) => f.flag);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining([a, b]));
    expect(all).not.toContain(gone);
    expect((await decideFlags([b, a, b, gone], { user_id: "lister" })).flags.map((f) => [f.flag, f.source])).toEqual([[b, "ROLLOUT"], [a, "ROLLOUT"], [gone, "DEFAULT"]]);
  });

  it("an unknown key is NOT_FOUND naming it; a context that is no object or an over-long actor is BAD_USER_INPUT", async () => {
    const key = uniqueKey("known");
    await createFlag(server, { key });
    const unknown = await decideFlagsRaw([key, "no_such_flag"], { user_id: "u" });
    expect(errorCode(unknown)).toBe("NOT_FOUND");
    expect(unknown.errors?.[0]?.message).toContain('"no_such_flag"');
    const notObject = await decideFlagsRaw([key], [1, 2]);
    expect([errorCode(notObject), notObject.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "context"]);
    const long = await decideFlagsRaw([key], { user_id: "x".repeat(513) });
    expect([errorCode(long), long.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "context.user_id"]);
    expect(errorCode(await decideFlagsRaw(Array.from({ length: 1001 }, (_, i) => `k${i}`), { user_id: "u" }))).toBe("BAD_USER_INPUT");
  });

  it("an SDK key limited to services decides the flags of its services and those of none; a named flag of another service is FORBIDDEN", async () => {
    const mine = uniqueKey("mine");
    const theirs = uniqueKey("theirs");
    const ours = uniqueKey("fmine");
    const other = uniqueKey("fother");
    const open = uniqueKey("fopen");
    await createFlag(server, { key: ours, services: [mine, theirs] });
    await createFlag(server, { key: other, services: [theirs] });
    await createFlag(server, { key: open });
    const sdk = await createKey(server, { name: uniqueKey("sdk"), role: "SDK", services: [mine], rateLimit: 100_000 });
    const listed = ok(await decideFlagsRaw(null, { user_id: "s" }, {}, bearer(sdk.secret))).decideFlags.flags.map((f: FlagDecision) => f.flag);
    expect(listed).toEqual(expect.arrayContaining([ours, open]));
    expect(listed).not.toContain(other);
    expect(ok(await decideFlagsRaw([open, ours], { user_id: "s" }, {}, bearer(sdk.secret))).decideFlags.flags.map((f: FlagDecision) => f.flag)).toEqual([open, ours]);
    const refused = await decideFlagsRaw([ours, other], { user_id: "s" }, {}, bearer(sdk.secret));
    expect([errorCode(refused), refused.errors?.[0]?.extensions.field]).toEqual(["FORBIDDEN", "keys"]);
    expect(refused.errors?.[0]?.message).toContain(`"${other}"`);
  });
});
