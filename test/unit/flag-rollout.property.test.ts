// Gradual rollouts never flip a user (SPEC §16): for random flags and contexts, raising a delivery rule's
// traffic keeps everyone that rule served, with the same enabled and variables, and the only decisions
// that change are those of actors the rule now serves.

import xxhash from "xxhash-wasm";
import { compileFlag } from "../../src/engine/compiled-flag";
import { decideFlag } from "../../src/engine/flag-decision";
import type { FlagDecision, FlagDefinition, FlagRuleDefinition, ForcedDecisionRow } from "../../src/engine/flag-types";
import { SlotHasher } from "../../src/engine/slot-hasher";
import type { JsonObject } from "../../src/engine/types";
import { type FakeServed, fakeEnv } from "../helpers/flags";
import { int, prng } from "../helpers/prng";
import type { FlagCaseExperiment } from "./cases";

let hasher: SlotHasher;
beforeAll(async () => {
  hasher = new SlotHasher((await xxhash()).h32);
});

const ACTORS = Array.from({ length: 150 }, (_, i) => `u${i}`);
const AUDIENCES: (JsonObject | null)[] = [
  null,
  null,
  { type: "field", field: "country", op: "eq", values: ["US"] },
  { type: "field", field: "country", op: "in", values: ["US", "FR"] },
  { type: "field", field: "plan", op: "eq", values: ["pro"] },
  { type: "not", child: { type: "field", field: "country", op: "eq", values: ["DE"] } },
];
const VARIABLES: JsonObject[] = [{}, { color: "red" }, { layout: { cols: 3 } }, { layout: { dense: true }, tags: [] }, { color: null, extra: { x: 1 } }];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[int(rand, 0, list.length - 1)]!;

function randomTraffic(rand: () => number): number {
  const r = rand();
  if (r < 0.1) return 0;
  if (r < 0.2) return 10_000;
  return int(rand, 0, 10_000);
}

function randomFlag(rand: () => number, key: string): FlagDefinition {
  const rules: FlagRuleDefinition[] = Array.from({ length: int(rand, 1, 6) }, (_, i) => {
    const delivery = rand() < 0.75;
    return {
      key: `r${i}`,
      type: delivery ? "DELIVERY" : "EXPERIMENT",
      experiment: delivery ? null : pick(rand, ["e1", "e2", "missing"]),
      audience: pick(rand, AUDIENCES),
      traffic: delivery ? randomTraffic(rand) : 10_000,
      enabled: rand() < 0.8,
      variables: delivery ? pick(rand, VARIABLES) : {},
    };
  });
  return { key, services: [], enabled: true, archived: false, hashKey: "user_id", variables: { color: "blue", layout: { cols: 2, dense: false } }, rules };
}

function randomContext(rand: () => number): JsonObject {
  const context: JsonObject = {};
  const r = rand();
  if (r < 0.85) context.user_id = pick(rand, ACTORS);
  else if (r < 0.95) context.user_id = int(rand, 0, 40);
  if (rand() < 0.8) context.country = pick(rand, ["US", "FR", "DE"]);
  if (rand() < 0.5) context.plan = pick(rand, ["pro", "free"]);
  if (rand() < 0.2) context.$bucketing_id = pick(rand, ACTORS);
  return context;
}

function randomExperiments(rand: () => number): Record<string, FlagCaseExperiment> {
  const experiment = (): FlagCaseExperiment => {
    const serves: FlagCaseExperiment["serves"] = {};
    for (const actor of ACTORS) if (rand() < 0.3) serves[actor] = { variant: rand() < 0.5 ? "a" : "b", source: "BUCKET" };
    return { variants: { a: { color: "green" }, b: { layout: { cols: 1 } } }, serves };
  };
  return { e1: experiment(), e2: experiment() };
}

function randomForced(rand: () => number, flag: FlagDefinition): ForcedDecisionRow[] {
  return flag.rules.flatMap((rule) =>
    rand() < 0.3 ? [{ flag: flag.key, rule: rule.key, actor: pick(rand, ACTORS), variation: rule.type === "DELIVERY" ? pick(rand, ["on", "off"]) : pick(rand, ["a", "b"]) }] : [],
  );
}

/** The part of a decision a user sees. */
const seen = (d: FlagDecision<FakeServed>) => ({ enabled: d.enabled, variables: d.variables, rule: d.rule, variation: d.variation, source: d.source });

const withTraffic = (flag: FlagDefinition, index: number, traffic: number): FlagDefinition => ({
  ...flag,
  rules: flag.rules.map((r, i) => (i === index ? { ...r, traffic } : r)),
});

describe.each([1, 2, 3, 4, 5, 6, 7, 8])("seed %i", (seed) => {
  it("raising a delivery rule's traffic, step by step, keeps everyone it served and changes nobody else", () => {
    const rand = prng(seed);
    let checkedServed = 0;
    let newlyServed = 0;
    // Faults are gathered and compared once at the end: one expect per decision would cost more than the decisions.
    const faults: unknown[] = [];
    for (let f = 0; f < 40; f++) {
      const flag = randomFlag(rand, `flag_${seed}_${f}`);
      const deliveries = flag.rules.flatMap((r, i) => (r.type === "DELIVERY" ? [i] : []));
      if (deliveries.length === 0) continue;
      const index = pick(rand, deliveries);
      const ruleKey = flag.rules[index]!.key;
      const forced = randomForced(rand, flag);
      const env = fakeEnv(randomExperiments(rand), false);
      const contexts = Array.from({ length: 200 }, () => randomContext(rand));
      // A rollout in steps, e.g. 1 % → 5 % → 100 %: ascending traffic values, ending at 10,000.
      const steps = [...Array.from({ length: int(rand, 1, 4) }, () => int(rand, 0, 10_000)).sort((a, b) => a - b), 10_000];
      let before = contexts.map((c) => seen(decideFlag(compileFlag(withTraffic(flag, index, steps[0]!), forced, hasher), c, env)));
      for (const traffic of steps.slice(1)) {
        const compiled = compileFlag(withTraffic(flag, index, traffic), forced, hasher);
        const after = contexts.map((c) => seen(decideFlag(compiled, c, env)));
        contexts.forEach((context, i) => {
          const was = before[i]!;
          const now = after[i]!;
          const same = JSON.stringify(now) === JSON.stringify(was);
          if (was.source === "ROLLOUT" && was.rule === ruleKey) {
            checkedServed++;
            if (!same) faults.push({ flag, ruleKey, traffic, context, was, now });
          } else if (!same) {
            newlyServed++;
            if (now.source !== "ROLLOUT" || now.rule !== ruleKey) faults.push({ flag, ruleKey, traffic, context, was, now });
          }
        });
        before = after;
      }
    }
    expect(faults.slice(0, 3)).toEqual([]);
    // The property was exercised, not passed vacuously.
    expect(checkedServed).toBeGreaterThan(100);
    expect(newlyServed).toBeGreaterThan(10);
  });
});
