// decideFlag against the table of test/fixtures/cases.json (SPEC §16 steps 1–4), with the real hash,
// and the properties of its answers: reasons only under explain, frozen shared variables, no rebuilt answers.

import xxhash from "xxhash-wasm";
import { type CompiledFlag, compileFlag } from "../../src/engine/compiled-flag";
import { decideFlag } from "../../src/engine/flag-decision";
import type { FlagDecision, FlagDefinition, ForcedDecisionRow } from "../../src/engine/flag-types";
import { compileRule } from "../../src/engine/rules";
import { SharedRules } from "../../src/engine/shared-rules";
import { SlotHasher } from "../../src/engine/slot-hasher";
import type { JsonObject, JsonValue } from "../../src/engine/types";
import { type FakeServed, fakeEnv, flagDefinition } from "../helpers/flags";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { cases, type FlagCase } from "./cases";

let hasher: SlotHasher;
let slotOf: SlotOf;
beforeAll(async () => {
  hasher = new SlotHasher((await xxhash()).h32);
  slotOf = await loadSlotOf();
});

function compiled(c: FlagCase): CompiledFlag {
  const forced: ForcedDecisionRow[] = (c.forced ?? []).map((f) => ({ flag: f.flag ?? c.flag.key, rule: f.rule, actor: f.actor, variation: f.variation }));
  return compileFlag(flagDefinition(c.flag), forced, hasher);
}

/** What the table states of a decision. */
function outcome(d: FlagDecision<FakeServed>) {
  const e = d.experiment;
  return {
    enabled: d.enabled,
    variables: d.variables,
    rule: d.rule,
    variation: d.variation,
    source: d.source,
    experiment: e === null ? null : { key: e.key, variant: e.variant, source: e.source },
  };
}

const stepOf = (reason: string): number => Number(/^([1-4])\. /.exec(reason)?.[1]);

function deeplyFrozen(value: JsonValue): boolean {
  if (typeof value !== "object" || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every((v) => deeplyFrozen(v as JsonValue));
}

describe("the table", () => {
  it("holds at least 40 cases, every source, and every step", () => {
    expect(cases.flags.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.flags.map((c) => c.expected.source))).toEqual(new Set(["FORCED", "EXPERIMENT", "ROLLOUT", "DEFAULT"]));
    expect(new Set(cases.flags.map((c) => c.step))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(cases.flags.map((c) => c.name)).size).toBe(cases.flags.length);
  });

  const withSlots = cases.flags.filter((c) => c.slots !== undefined).map((c) => [c.name, c] as const);
  it.each(withSlots)("slots as noted: %s", (_name, c) => {
    const raw = c.context.$bucketing_id;
    const actor = c.context[c.flag.hashKey ?? "user_id"];
    const hashed = typeof raw === "string" && raw !== "" ? raw : typeof actor === "number" ? JSON.stringify(actor) : (actor as string);
    for (const [rule, slot] of Object.entries(c.slots!)) expect(slotOf(`${c.flag.key}:${rule}`, hashed)).toBe(slot);
  });
});

describe.each(cases.flags.map((c) => [c.name, c] as const))("%s", (_name, c) => {
  const expected = { ...c.expected, experiment: c.expected.experiment ?? null };

  it("decides as the table says, without reasons", () => {
    const asked: string[] = [];
    const d = decideFlag(compiled(c), c.context, fakeEnv(c.experiments ?? {}, false, asked));
    expect(outcome(d)).toEqual(expected);
    expect(d.flag).toBe(c.flag.key);
    expect(d.reasons).toBeNull();
    if (c.asked !== undefined) expect(asked).toEqual(c.asked);
    expect(deeplyFrozen(d.variables)).toBe(true);
  });

  it("decides alike under explain, with numbered reasons up to its last step", () => {
    const asked: string[] = [];
    const d = decideFlag(compiled(c), c.context, fakeEnv(c.experiments ?? {}, true, asked));
    expect(outcome(d)).toEqual(expected);
    if (c.asked !== undefined) expect(asked).toEqual(c.asked);
    const steps = d.reasons!.map(stepOf);
    expect(steps.every((s) => s >= 1 && s <= 4)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(steps[0]).toBe(1);
    expect(steps[steps.length - 1]).toBe(c.step);
    if (c.step > 1) expect(steps).toContain(2);
  });

  it("serves the experiment's own answer through, for its exposure", () => {
    const d = decideFlag(compiled(c), c.context, fakeEnv(c.experiments ?? {}, false));
    if (d.source === "EXPERIMENT") expect(d.experiment!.served).toMatchObject({ variant: d.variation, actor: c.context[c.flag.hashKey ?? "user_id"] });
    else expect(d.experiment?.served ?? null).toBeNull();
  });
});

const F = "pay_flag";
const US = { type: "field", field: "country", op: "eq", values: ["US"] };
const DEFAULTS = { color: "blue", layout: { cols: 2, dense: false } };
const EXPERIMENTS = { exp: { variants: { a: { color: "red" }, b: { layout: { dense: true } } }, serves: { u1: { variant: "b" as const, source: "BUCKET" as const } } } };

function definition(over: Partial<FlagDefinition> = {}): FlagDefinition {
  return {
    key: F, services: ["web"], enabled: true, archived: false, hashKey: "user_id", variables: DEFAULTS,
    rules: [
      { key: "exp", type: "EXPERIMENT", experiment: "exp", audience: null, traffic: 10_000, enabled: true, variables: {} },
      { key: "us", type: "DELIVERY", experiment: null, audience: US, traffic: 5_000, enabled: true, variables: { layout: { cols: 3 } } },
      { key: "all", type: "DELIVERY", experiment: null, audience: null, traffic: 10_000, enabled: true, variables: {} },
    ],
    ...over,
  };
}

describe("answers without explain are built once", () => {
  it.each<[string, JsonObject]>([
    ["ROLLOUT", { user_id: "u2" }],
    ["DEFAULT (no actor)", {}],
  ])("%s: the same frozen answer for every actor it serves", (_name, context) => {
    const flag = compileFlag(definition(), [], hasher);
    const env = fakeEnv(EXPERIMENTS, false);
    const first = decideFlag(flag, context, env);
    expect(decideFlag(flag, { ...context }, env)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("forced on and off: one answer per rule", () => {
    const flag = compileFlag(definition(), [{ flag: F, rule: "all", actor: "u7", variation: "off" }, { flag: F, rule: "all", actor: "u8", variation: "off" }], hasher);
    const env = fakeEnv(EXPERIMENTS, false);
    expect(decideFlag(flag, { user_id: "u7" }, env)).toBe(decideFlag(flag, { user_id: "u8" }, env));
  });

  it("a variant's variables are merged once per params object", () => {
    const flag = compileFlag(definition(), [{ flag: F, rule: "exp", actor: "u9", variation: "b" }], hasher);
    const env = fakeEnv(EXPERIMENTS, false);
    const bucketed = decideFlag(flag, { user_id: "u1" }, env);
    const forced = decideFlag(flag, { user_id: "u9" }, env);
    expect(bucketed.variables).toEqual({ color: "blue", layout: { cols: 2, dense: true } });
    expect(forced.variables).toBe(bucketed.variables);
    expect(forced).toMatchObject({ source: "FORCED", variation: "b", experiment: { key: "exp", variant: "b", source: "OVERRIDE", served: null } });
  });
});

describe("compiling", () => {
  it("neither freezes nor changes the definition it is given", () => {
    const def = JSON.parse(JSON.stringify(definition())) as FlagDefinition;
    const copy = JSON.stringify(def);
    const flag = compileFlag(def, [], hasher);
    decideFlag(flag, { user_id: "u1", country: "US" }, fakeEnv(EXPERIMENTS, false));
    expect(JSON.stringify(def)).toBe(copy);
    expect(Object.isFrozen(def.variables)).toBe(false);
    expect(Object.isFrozen(def.rules[1]!.variables)).toBe(false);
    expect(deeplyFrozen(flag.defaults)).toBe(true);
    expect(flag.rules.every((r) => deeplyFrozen(r.variables))).toBe(true);
  });

  it("compiles audiences with the compiler it is given (a snapshot's shared rules)", () => {
    const shared = new SharedRules();
    const experimentRule = shared.compile(US);
    const flag = compileFlag(definition(), [], hasher, shared.compile);
    expect(flag.rules[1]!.audience).toBe(experimentRule);
    expect(compileFlag(definition(), [], hasher).rules[1]!.audience).not.toBe(experimentRule);
  });

  it("refuses an invalid audience as the rule compiler does", () => {
    const bad = definition({ rules: [{ key: "x", type: "DELIVERY", experiment: null, audience: { type: "field", field: "a", op: "nope", values: [1] }, traffic: 1, enabled: true, variables: {} }] });
    expect(() => compileFlag(bad, [], hasher)).toThrow();
    expect(() => compileRule({ type: "field", field: "a", op: "nope", values: [1] })).toThrow();
  });

  it("finds the last delivery rule", () => {
    expect(compileFlag(definition(), [], hasher).lastDelivery).toBe(2);
    expect(compileFlag(definition({ rules: definition().rules.slice(0, 1) }), [], hasher).lastDelivery).toBe(-1);
  });
});

describe("reasons", () => {
  it("nest the experiment's own reasons under its rule", () => {
    const d = decideFlag(compileFlag(definition(), [], hasher), { user_id: "u1" }, fakeEnv(EXPERIMENTS, true));
    expect(d.reasons).toContain('3. rule "exp" (EXPERIMENT "exp"): 7. (fake) variant "b".');
  });

  it("name the slot, the salt and the traffic of a delivery rule", () => {
    const d = decideFlag(compileFlag(definition(), [], hasher), { user_id: "u2", country: "US" }, fakeEnv(EXPERIMENTS, true));
    const slot = slotOf(`${F}:us`, "u2");
    expect(d.reasons!.join("\n")).toContain(`slot ${slot} (salt "${F}:us")`);
  });

  it("say when a forced variation is stale and ignored", () => {
    const flag = compileFlag(definition(), [{ flag: F, rule: "exp", actor: "u1", variation: "zzz" }], hasher);
    const d = decideFlag(flag, { user_id: "u1" }, fakeEnv(EXPERIMENTS, true));
    expect(d.reasons!.some((r) => r.includes('forced variation "zzz"') && r.endsWith("ignored."))).toBe(true);
    expect(d.source).toBe("EXPERIMENT");
  });
});
