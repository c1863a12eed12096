// decideExperiment, step by step in the order of SPEC §5, with a fake hash (no WASM).

import { splitContiguous } from "../../src/engine/allocation";
import { type ActorFacts, type ExperimentDecisionInput, decideExperiment } from "../../src/engine/single-decision";
import type { Experiment, ExperimentState, Hash32, JsonObject, Segment, Variant } from "../../src/engine/types";

const SALT = "salt_ab";
const LAYER = { key: "layer_ab", salt: SALT, hashKey: "user_id" };

/** Actors and the raw 32-bit hash of `salt:actor` the fake returns; slot = hash mod 10,000. */
const HASHES: ReadonlyMap<string, number> = new Map([
  ["low", 0], // slot 0
  ["c_edge", 123 * 10_000 + 4999], // slot 4999: last control slot of a 50/50
  ["t_edge", 456 * 10_000 + 5000], // slot 5000: first treatment slot
  ["high", 4_294_959_999], // slot 9999
  ["mid_t", 7_000], // slot 7000
  ["outside", 8_500], // slot 8500: outside a [0, 5000) traffic
]);

/** A fake XXH32: fixed answers for known inputs; an unexpected input (wrong salt, layer key) fails loudly. */
const fakeHash: Hash32 = (input) => {
  const prefix = `${SALT}:`;
  const hash = input.startsWith(prefix) ? HASHES.get(input.slice(prefix.length)) : undefined;
  if (hash === undefined) throw new Error(`fake hash has no answer for "${input}"`);
  return hash;
};

const variant = (key: string, vid: number, weight: number): Variant => ({ key, vid, weight, params: { v: key } });

function experiment(over: Partial<Experiment> = {}, slots: Segment[] = [{ start: 0, end: 10_000 }]): Experiment {
  const variants = over.variants ?? [variant("control", 11, 50), variant("treatment", 12, 50)];
  return {
    key: "exp_ab",
    description: null,
    services: ["web"],
    layer: LAYER.key,
    state: "RUNNING",
    variants,
    winner: null,
    exclusionGroup: null,
    rule: null,
    slots,
    ranges: splitContiguous(slots, variants),
    version: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...over,
  };
}

const NO_FACTS: ActorFacts = { override: null, sticky: null, heldByGroup: false };

type Over = Partial<Omit<ExperimentDecisionInput, "facts">> & { facts?: Partial<ActorFacts> };

function decide(over: Over = {}) {
  const { facts, ...rest } = over;
  const input: ExperimentDecisionInput = {
    experiment: experiment(),
    layer: LAYER,
    actor: "low",
    context: { user_id: "low" },
    h32: fakeHash,
    ...rest,
    facts: { ...NO_FACTS, ...facts },
  };
  return decideExperiment(input);
}

const stepsOf = (reasons: string[]) => reasons.map((r) => Number(/^(\d+)\. /.exec(r)?.[1]));
const RULE_FALSE = () => false;
const ZERO_WEIGHTS = [variant("control", 11, 0), variant("treatment", 12, 0)];

describe("one table of scenarios: outcome and the last step checked", () => {
  type Row = [string, Over, { in: true; source: string; variant: string } | { in: false; reason: string }, number];
  const rows: Row[] = [
    ["DRAFT is not in the experiment", { experiment: experiment({ state: "DRAFT" }) }, { in: false, reason: "INACTIVE" }, 1],
    ["ARCHIVED is not in the experiment", { experiment: experiment({ state: "ARCHIVED" }) }, { in: false, reason: "INACTIVE" }, 1],
    ["DRAFT ignores an override", { experiment: experiment({ state: "DRAFT" }), facts: { override: "control" } }, { in: false, reason: "INACTIVE" }, 1],
    ["CONCLUDED serves the winner", { experiment: experiment({ state: "CONCLUDED", winner: "treatment" }) }, { in: true, source: "WINNER", variant: "treatment" }, 1],
    ["CONCLUDED beats an override", { experiment: experiment({ state: "CONCLUDED", winner: "treatment" }), facts: { override: "control" } }, { in: true, source: "WINNER", variant: "treatment" }, 1],
    ["CONCLUDED beats a sticky assignment", { experiment: experiment({ state: "CONCLUDED", winner: "treatment" }), facts: { sticky: "control" } }, { in: true, source: "WINNER", variant: "treatment" }, 1],
    ["CONCLUDED, rule false", { experiment: experiment({ state: "CONCLUDED", winner: "control" }), rule: RULE_FALSE }, { in: false, reason: "RULE" }, 1],
    ["CONCLUDED, unowned slot", { experiment: experiment({ state: "CONCLUDED", winner: "control" }, [{ start: 0, end: 5000 }]), actor: "outside" }, { in: false, reason: "UNOWNED_SLOT" }, 1],
    ["CONCLUDED, owned slot of partial traffic", { experiment: experiment({ state: "CONCLUDED", winner: "control" }, [{ start: 0, end: 5000 }]), actor: "c_edge" }, { in: true, source: "WINNER", variant: "control" }, 1],
    ["no actor", { actor: undefined, context: {} }, { in: false, reason: "NO_ACTOR" }, 2],
    ["empty actor", { actor: "", context: { user_id: "" } }, { in: false, reason: "NO_ACTOR" }, 2],
    ["override", { actor: "high", facts: { override: "control" } }, { in: true, source: "OVERRIDE", variant: "control" }, 3],
    ["override beats sticky", { facts: { override: "treatment", sticky: "control" } }, { in: true, source: "OVERRIDE", variant: "treatment" }, 3],
    ["override beats exclusion", { experiment: experiment({ exclusionGroup: "grp" }), facts: { override: "treatment", heldByGroup: true } }, { in: true, source: "OVERRIDE", variant: "treatment" }, 3],
    ["override beats a false rule", { rule: RULE_FALSE, facts: { override: "treatment" } }, { in: true, source: "OVERRIDE", variant: "treatment" }, 3],
    ["override beats zero weights", { experiment: experiment({ variants: ZERO_WEIGHTS }), facts: { override: "control" } }, { in: true, source: "OVERRIDE", variant: "control" }, 3],
    ["sticky beats weights (slot says treatment)", { actor: "high", facts: { sticky: "control" } }, { in: true, source: "STICKY", variant: "control" }, 4],
    ["sticky survives all-zero weights", { experiment: experiment({ variants: ZERO_WEIGHTS }), facts: { sticky: "treatment" } }, { in: true, source: "STICKY", variant: "treatment" }, 4],
    ["sticky beats a false rule", { rule: RULE_FALSE, facts: { sticky: "treatment" } }, { in: true, source: "STICKY", variant: "treatment" }, 4],
    ["sticky beats exclusion", { experiment: experiment({ exclusionGroup: "grp" }), facts: { sticky: "treatment", heldByGroup: true } }, { in: true, source: "STICKY", variant: "treatment" }, 4],
    ["rule false", { rule: RULE_FALSE }, { in: false, reason: "RULE" }, 5],
    ["rule false beats exclusion", { rule: RULE_FALSE, experiment: experiment({ exclusionGroup: "grp" }), facts: { heldByGroup: true } }, { in: false, reason: "RULE" }, 5],
    ["held in the group", { experiment: experiment({ exclusionGroup: "grp" }), facts: { heldByGroup: true } }, { in: false, reason: "EXCLUDED_BY_GROUP" }, 6],
    ["held, but no group set", { facts: { heldByGroup: true } }, { in: true, source: "BUCKET", variant: "control" }, 7],
    ["group set, actor free", { experiment: experiment({ exclusionGroup: "grp" }) }, { in: true, source: "BUCKET", variant: "control" }, 7],
    ["exclusion beats an unowned slot", { experiment: experiment({ exclusionGroup: "grp" }, [{ start: 0, end: 5000 }]), actor: "outside", facts: { heldByGroup: true } }, { in: false, reason: "EXCLUDED_BY_GROUP" }, 6],
    ["unowned slot", { experiment: experiment({}, [{ start: 0, end: 5000 }]), actor: "outside" }, { in: false, reason: "UNOWNED_SLOT" }, 7],
    ["unowned slot beats zero weights", { experiment: experiment({ variants: ZERO_WEIGHTS }, [{ start: 0, end: 5000 }]), actor: "outside" }, { in: false, reason: "UNOWNED_SLOT" }, 7],
    ["all weights zero", { experiment: experiment({ variants: ZERO_WEIGHTS }) }, { in: false, reason: "NO_VARIANT" }, 7],
    ["bucketed, rule holds", { rule: () => true, actor: "high" }, { in: true, source: "BUCKET", variant: "treatment" }, 7],
  ];

  it.each(rows)("%s", (_name, over, expected, lastStep) => {
    const outcome = decide(over);
    expect(outcome).toMatchObject(expected.in ? { in: true, source: expected.source, variant: { key: expected.variant } } : expected);
    const steps = stepsOf(outcome.reasons);
    expect(steps[steps.length - 1]).toBe(lastStep);
    // reasons are numbered and in order; a RUNNING decision lists every step it checked
    expect(steps.every((n) => Number.isInteger(n) && n >= 1 && n <= 8)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    if (lastStep > 1) expect(new Set(steps)).toEqual(new Set(Array.from({ length: lastStep }, (_, i) => i + 1)));
  });
});

describe("1. CONCLUDED", () => {
  const concluded = experiment({ state: "CONCLUDED", winner: "treatment" });
  it.each([...HASHES.keys()])("actor %s gets the winner, not new (no assignment, no exposure)", (actor) => {
    const outcome = decide({ experiment: concluded, actor, context: { user_id: actor } });
    expect(outcome).toMatchObject({ in: true, source: "WINNER", isNew: false, variant: { key: "treatment", vid: 12 } });
  });

  it("serves the winner in a whole-layer experiment even without an actor, with no slot", () => {
    expect(decide({ experiment: concluded, actor: undefined, context: {} })).toMatchObject({ in: true, source: "WINNER", slot: null });
  });
});

describe("7. bucketing a 50/50", () => {
  it.each<[string, number, string, number]>([
    ["low", 0, "control", 11],
    ["c_edge", 4999, "control", 11],
    ["t_edge", 5000, "treatment", 12],
    ["mid_t", 7000, "treatment", 12],
    ["high", 9999, "treatment", 12],
  ])("%s → slot %i → %s", (actor, slot, key, vid) => {
    const outcome = decide({ actor, context: { user_id: actor } });
    expect(outcome).toMatchObject({ in: true, source: "BUCKET", slot, isNew: true, variant: { key, vid } });
  });

  it("uses the current ranges, not the weights", () => {
    const variants = [variant("control", 11, 0), variant("treatment", 12, 100)];
    const exp = experiment({ variants, ranges: [{ start: 0, end: 10_000, vid: 11 }] });
    expect(decide({ experiment: exp, actor: "high" })).toMatchObject({ in: true, variant: { key: "control" } });
  });
});

describe("outcome details", () => {
  it.each<[string, Over, number]>([
    ["override", { actor: "high", facts: { override: "control" } }, 9999],
    ["sticky", { actor: "t_edge", facts: { sticky: "control" } }, 5000],
    ["rule false", { actor: "mid_t", rule: RULE_FALSE }, 7000],
    ["unowned", { experiment: experiment({}, [{ start: 0, end: 5000 }]), actor: "outside" }, 8500],
  ])("%s reports the actor's slot", (_name, over, slot) => {
    expect(decide(over).slot).toBe(slot);
  });

  it.each<[string, Over]>([
    ["override", { facts: { override: "control" } }],
    ["sticky", { facts: { sticky: "control" } }],
  ])("%s is not new: nothing to store", (_name, over) => {
    expect(decide(over)).toMatchObject({ in: true, isNew: false });
  });

  it("the rule is optional: absent and null both mean everyone", () => {
    expect(decide({})).toMatchObject({ in: true, source: "BUCKET" }); // no `rule` key at all
    expect(decide({ rule: null })).toMatchObject({ in: true, source: "BUCKET" });
  });

  it("passes the context to the rule", () => {
    const context: JsonObject = { user_id: "low", country: "US" };
    const seen: JsonObject[] = [];
    decide({ context, rule: (c) => (seen.push(c), true) });
    expect(seen).toEqual([context]);
  });

  it("hashes with the layer's salt, not its key", () => {
    const inputs: string[] = [];
    decide({ actor: "low", h32: (s) => (inputs.push(s), fakeHash(s)) });
    expect(inputs).toEqual([`${SALT}:low`]);
  });

  it("does not hash when there is no actor", () => {
    let calls = 0;
    const h32: Hash32 = (s) => (calls++, fakeHash(s));
    expect(decide({ actor: undefined, context: {}, h32 })).toMatchObject({ in: false, reason: "NO_ACTOR" });
    expect(calls).toBe(0);
  });

  it("never throws for DRAFT/ARCHIVED states whatever the facts", () => {
    for (const state of ["DRAFT", "ARCHIVED"] satisfies ExperimentState[]) {
      expect(decide({ experiment: experiment({ state }), actor: undefined, facts: { sticky: "x", heldByGroup: true } })).toMatchObject({
        in: false,
        reason: "INACTIVE",
      });
    }
  });
});
