// The decision for one experiment and one actor, step by step as SPEC §5 lists it.

import { findSegment, countSlots } from "./allocation";
import { SLOTS_PER_LAYER, slotOf } from "./hashing";
import type { DecisionSource, Experiment, Hash32, JsonObject, Layer, Variant } from "./types";

/** Per-actor facts the caller looked up before deciding (the engine does no I/O). */
export interface ActorFacts {
  /** Variant key forced for this actor, if any. */
  readonly override: string | null;
  /** Variant key this actor was first given, if any. */
  readonly sticky: string | null;
  /** The actor already holds an assignment in another experiment of the same exclusion group. */
  readonly heldByGroup: boolean;
}

export interface ExperimentDecisionInput {
  readonly experiment: Experiment;
  readonly layer: Pick<Layer, "key" | "salt" | "hashKey">;
  /** The hash-key attribute's value; undefined when the context has none. */
  readonly actor: string | undefined;
  readonly context: JsonObject;
  readonly facts: ActorFacts;
  readonly h32: Hash32;
  /** The compiled targeting rule; null means everyone. */
  readonly rule?: ((context: JsonObject) => boolean) | null;
}

export type OutReason = "INACTIVE" | "NO_ACTOR" | "RULE" | "EXCLUDED_BY_GROUP" | "UNOWNED_SLOT" | "NO_VARIANT";

export type ExperimentOutcome =
  | {
      readonly in: true;
      readonly variant: Variant;
      readonly source: DecisionSource;
      /** null when no slot was computed (a concluded experiment owning the whole layer and no actor). */
      readonly slot: number | null;
      /** True for BUCKET: the caller stores the assignment (first write wins) and records an exposure. */
      readonly isNew: boolean;
      readonly reasons: string[];
    }
  | { readonly in: false; readonly reason: OutReason; readonly slot: number | null; readonly reasons: string[] };

/** Decides one experiment for one actor; never throws for "not in the experiment". */
export function decideExperiment(input: ExperimentDecisionInput): ExperimentOutcome {
  const { experiment: exp, layer, actor, facts } = input;
  const reasons: string[] = [];
  const out = (reason: OutReason, slot: number | null = null): ExperimentOutcome => ({ in: false, reason, slot, reasons });
  const variantByKey = (key: string | null) => exp.variants.find((v) => v.key === key);
  const ownsWholeLayer = countSlots(exp.slots) === SLOTS_PER_LAYER;

  // 1. State: only RUNNING and CONCLUDED experiments take part.
  if (exp.state === "DRAFT" || exp.state === "ARCHIVED") {
    reasons.push(`1. experiment "${exp.key}" is ${exp.state}: not in the experiment.`);
    return out("INACTIVE");
  }
  if (exp.state === "CONCLUDED") {
    const winner = variantByKey(exp.winner);
    if (!winner) {
      reasons.push(`1. experiment "${exp.key}" is CONCLUDED without a known winner.`);
      return out("NO_VARIANT");
    }
    if (input.rule && !input.rule(input.context)) {
      reasons.push(`1. experiment "${exp.key}" is CONCLUDED but its targeting rule is false.`);
      return out("RULE");
    }
    if (!ownsWholeLayer) {
      const slot = actor === undefined ? null : slotOf(input.h32, layer.salt, actor);
      if (slot === null || !findSegment(exp.slots, slot)) {
        reasons.push(`1. experiment "${exp.key}" is CONCLUDED but does not own the actor's slot.`);
        return out("UNOWNED_SLOT", slot);
      }
      reasons.push(`1. experiment "${exp.key}" is CONCLUDED: winner "${winner.key}" (slot ${slot}).`);
      return { in: true, variant: winner, source: "WINNER", slot, isNew: false, reasons };
    }
    reasons.push(`1. experiment "${exp.key}" is CONCLUDED: winner "${winner.key}".`);
    const slot = actor === undefined ? null : slotOf(input.h32, layer.salt, actor);
    return { in: true, variant: winner, source: "WINNER", slot, isNew: false, reasons };
  }
  reasons.push(`1. experiment "${exp.key}" is RUNNING.`);

  // 2. Who is assigned: the layer's hash-key attribute.
  if (actor === undefined || actor === "") {
    reasons.push(`2. the context has no "${layer.hashKey}": not in the experiment.`);
    return out("NO_ACTOR");
  }
  const slot = slotOf(input.h32, layer.salt, actor);
  reasons.push(`2. actor "${actor}" falls in slot ${slot} of layer "${layer.key}" (salt "${layer.salt}").`);

  // 3. An override bypasses targeting, weights and exclusion groups.
  const forced = variantByKey(facts.override);
  if (forced) {
    reasons.push(`3. override for "${actor}": variant "${forced.key}".`);
    return { in: true, variant: forced, source: "OVERRIDE", slot, isNew: false, reasons };
  }
  reasons.push("3. no override.");

  // 4. A stored assignment never changes, whatever the weights are now.
  const stuck = variantByKey(facts.sticky);
  if (stuck) {
    reasons.push(`4. stored assignment: variant "${stuck.key}".`);
    return { in: true, variant: stuck, source: "STICKY", slot, isNew: false, reasons };
  }
  reasons.push("4. no stored assignment.");

  // 5. Targeting.
  if (input.rule && !input.rule(input.context)) {
    reasons.push("5. the targeting rule is false: not in the experiment.");
    return out("RULE", slot);
  }
  reasons.push(input.rule ? "5. the targeting rule holds." : "5. no targeting rule: everyone.");

  // 6. Mutual exclusion.
  if (exp.exclusionGroup !== null && facts.heldByGroup) {
    reasons.push(`6. actor is already in another experiment of group "${exp.exclusionGroup}".`);
    return out("EXCLUDED_BY_GROUP", slot);
  }
  reasons.push(exp.exclusionGroup === null ? "6. no exclusion group." : `6. free in group "${exp.exclusionGroup}".`);

  // 7. Bucketing: the variant whose range holds the slot.
  if (!findSegment(exp.slots, slot)) {
    reasons.push(`7. slot ${slot} is not owned by "${exp.key}": not in the experiment.`);
    return out("UNOWNED_SLOT", slot);
  }
  const range = findSegment(exp.ranges, slot);
  const bucketed = range && exp.variants.find((v) => v.vid === range.vid);
  if (!bucketed) {
    reasons.push(`7. every weight of "${exp.key}" is zero: no variant to serve.`);
    return out("NO_VARIANT", slot);
  }
  reasons.push(`7. slot ${slot} → variant "${bucketed.key}" (vid ${bucketed.vid}).`);

  // 8. The caller stores the assignment (first write wins) and records an exposure.
  return { in: true, variant: bucketed, source: "BUCKET", slot, isNew: true, reasons };
}
