// The count of targeting rules a decision ran (SPEC §14's experiment_rule_evaluations_total): the engine
// hands it out with each service's answer, counting runs, not rules (a memo hit or a skipped rule is none).

import xxhash from "xxhash-wasm";
import { splitContiguous, WHOLE_LAYER } from "../../src/engine/allocation";
import { decideService, NO_STICKY } from "../../src/engine/decide";
import { SlotHasher } from "../../src/engine/slot-hasher";
import { compileSnapshot, type Snapshot } from "../../src/engine/snapshot";
import type { Experiment, JsonObject, Layer, Variant } from "../../src/engine/types";

let hasher: SlotHasher;
beforeAll(async () => {
  hasher = new SlotHasher((await xxhash()).h32);
});

const VARIANTS: Variant[] = [{ key: "a", vid: 1, weight: 1, params: {} }];
const US = { type: "field", field: "country", op: "eq", values: ["US"] };
const ADULT = { type: "field", field: "age", op: "gte", values: [18] };

function layer(key: string, priority: number): Layer {
  return { key, description: null, priority, services: ["web"], hashKey: "user_id", salt: key, hashVersion: 1, enabled: true, defaultParams: {}, implicit: false };
}

function experiment(key: string, layerKey: string, rule: JsonObject | null, state: Experiment["state"] = "RUNNING"): Experiment {
  return {
    key, description: null, services: ["web"], layer: layerKey, state, variants: VARIANTS, winner: null, exclusionGroup: null,
    rule, slots: WHOLE_LAYER, ranges: splitContiguous(WHOLE_LAYER, VARIANTS), version: 1, createdAt: new Date(0), updatedAt: new Date(0),
  };
}

/** One layer per rule, in this order, each wholly owned by one experiment with that rule. */
function snapshot(rules: Array<JsonObject | null>, state: Experiment["state"] = "RUNNING"): Snapshot {
  const layers = rules.map((_, i) => layer(`l${i}`, i));
  const experiments = rules.map((rule, i) => experiment(`e${i}`, `l${i}`, rule, state));
  return compileSnapshot({ version: 1, layers, experiments, overrides: [], flags: [], forced: [] }, hasher);
}

const evaluations = (s: Snapshot, context: JsonObject, explain = false) => decideService(s, "web", context, NO_STICKY, explain).ruleEvaluations;
const USER: JsonObject = { user_id: "u1", country: "US", age: 30 };

it.each([
  ["no rule", [null], USER, 0],
  ["one rule", [US], USER, 1],
  ["one rule, false", [US], { user_id: "u1", country: "NL" }, 1],
  ["two layers, two rules", [US, ADULT], USER, 2],
  // Equal rules share one closure, and a run of layers sharing it runs it once per decision.
  ["two layers, one rule", [US, US], USER, 1],
  ["rules that alternate run each time", [US, ADULT, US], USER, 3],
  ["no actor: no layer gets as far as its rule", [US, ADULT], { country: "US", age: 30 }, 0],
  ["an unknown service", [], USER, 0],
] as const)("%s (rules %j, context %j): %i runs", (_name, rules, context, expected) => {
  expect(evaluations(snapshot([...rules]), context)).toBe(expected);
  // The same count when reasons are asked for (the rule is then reached through the whole judgement).
  expect(evaluations(snapshot([...rules]), context, true)).toBe(expected);
});

it("counts each decision on its own: a count never carries over to the next", () => {
  const s = snapshot([US, ADULT]);
  expect([evaluations(s, USER), evaluations(s, USER), evaluations(s, { user_id: "u2" })]).toEqual([2, 2, 2]);
});

it("a DRAFT experiment's rule is never run", () => {
  expect(evaluations(snapshot([US], "DRAFT"), USER)).toBe(0);
});
