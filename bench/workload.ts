// The workload every contender decides on: the contexts, the targeting rule and the layers' parameters.

import type { JsonObject } from "../src/engine/types";

/** The service every benchmark layer serves (the HTTP section may add a run suffix on a shared PostgreSQL). */
export const SERVICE = "svc";

/** The 2-condition rule of SPEC §11, as Tessera stores it. */
export const RULE: JsonObject = {
  type: "and",
  children: [
    { type: "field", field: "country", op: "eq", values: ["US"] },
    { type: "field", field: "age", op: "gte", values: [18] },
  ],
};

/** The same rule in GrowthBook's condition language. */
export const GROWTHBOOK_CONDITION = { country: "US", age: { $gte: 18 } };

export interface BenchContext extends JsonObject {
  user_id: string;
  country: string;
  age: number;
}

/**
 * Context i, deterministic so every run and every contender sees the same population.
 * One in ten is from DE ("mostly US"), so the rule is false now and then and no branch is always taken.
 */
export function makeContext(i: number): BenchContext {
  return { user_id: `u${i}`, country: i % 10 === 7 ? "DE" : "US", age: 18 + ((i * 37) % 53) };
}

export function makeContexts(count: number, from = 0): BenchContext[] {
  return Array.from({ length: count }, (_, k) => makeContext(from + k));
}

/** Whether the rule holds for a context (used to check answers, not to decide). */
export const ruleHolds = (c: BenchContext): boolean => c.country === "US" && c.age >= 18;

export interface VariantSpec {
  readonly key: "control" | "treatment";
  readonly weight: number;
  readonly params: JsonObject;
}

export interface LayerSpec {
  readonly key: string;
  readonly experiment: string;
  readonly priority: number;
  readonly defaultParams: JsonObject;
  readonly variants: readonly [VariantSpec, VariantSpec];
}

/**
 * Layer i of n. Every layer writes the shared `ranker` object, so the merge has real conflicts for the
 * priorities to settle, plus an object of its own; priorities are a permutation of 0..n-1 that differs
 * from key order, so sorting by priority is not a no-op.
 */
export function layerSpec(i: number, n: number, prefix = "bench"): LayerSpec {
  const own = `layer_${i}`;
  const arm = (key: "control" | "treatment"): VariantSpec => ({
    key,
    weight: 50,
    params: { ranker: { model: `m${i}_${key}`, boost: i }, [own]: { on: key === "treatment", arm: key } },
  });
  return {
    key: `${prefix}_l${i}`,
    experiment: `${prefix}_e${i}`,
    priority: (i * 7 + 3) % Math.max(n, 1),
    defaultParams: { ranker: { model: "default", depth: 1 }, [own]: { on: false } },
    variants: [arm("control"), arm("treatment")],
  };
}
