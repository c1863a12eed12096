// The decision for one named experiment (`assign`): SPEC §5 via `judge`, without a snapshot.

import { bucketingIdOf } from "./actor";
import { countSlots, findSegment } from "./allocation";
import { type OutReason, judge } from "./decide";
import { SLOTS_PER_LAYER, slotOf } from "./hashing";
import type { CompiledRule } from "./rules";
import { compileExperiment } from "./compiled-layer";
import type { CompiledExperiment } from "./snapshot";
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
  readonly layer: Pick<Layer, "key" | "salt" | "hashKey"> & Partial<Pick<Layer, "defaultParams">>;
  /** The actor; undefined when there is none. */
  readonly actor: string | undefined;
  readonly context: JsonObject;
  readonly facts: ActorFacts;
  readonly h32: Hash32;
  /** A compiled targeting rule to use instead of compiling `experiment.rule`; null means everyone. */
  readonly rule?: CompiledRule | null;
}

export type ExperimentOutcome =
  | {
      readonly in: true;
      readonly variant: Variant;
      readonly source: DecisionSource;
      /** null when no slot was computed (no actor). */
      readonly slot: number | null;
      /** True for BUCKET: the caller stores the assignment (first write wins) and records an exposure. */
      readonly isNew: boolean;
      readonly reasons: string[];
    }
  | { readonly in: false; readonly reason: OutReason; readonly slot: number | null; readonly reasons: string[] };

/** Decides one experiment for one actor; never throws for "not in the experiment". */
export function decideExperiment(input: ExperimentDecisionInput): ExperimentOutcome {
  const { experiment: exp, layer, actor, facts } = input;
  const base = compileExperiment(input.rule === undefined ? exp : { ...exp, rule: null }, { defaultParams: layer.defaultParams ?? {} });
  const compiled = input.rule === undefined ? base : { ...base, rule: input.rule };
  // The context's `$bucketing_id` replaces the actor in the slot only, as in `decide` (SPEC §16).
  const slot = actor === undefined || actor === "" ? null : slotOf(input.h32, layer.salt, bucketingIdOf(input.context) ?? actor);
  // Without a slot only an experiment owning the whole layer (an implicit one) still owns the actor.
  const owned = slot === null ? countSlots(exp.slots) === SLOTS_PER_LAYER : findSegment(exp.slots, slot) !== undefined;
  const range = slot === null ? undefined : findSegment(exp.ranges, slot);
  const bucket = (range && compiled.byVid.get(range.vid)) ?? null;
  const stickyVid = facts.sticky === null ? null : (compiled.byKey.get(facts.sticky)?.vid ?? null);
  const forced = facts.override === null ? undefined : compiled.byKey.get(facts.override);
  const withOverride: CompiledExperiment =
    forced === undefined || actor === undefined ? compiled : { ...compiled, overrides: new Map([[actor, forced]]) };
  const reasons: string[] = [];
  const verdict = judge(
    withOverride,
    slot === null ? undefined : actor,
    slot,
    owned,
    bucket,
    input.context,
    { sticky: () => stickyVid, heldByGroup: () => facts.heldByGroup },
    reasons,
  );
  if (typeof verdict === "string") return { in: false, reason: verdict, slot, reasons };
  const variant = exp.variants.find((v) => v.vid === verdict.variant.vid)!;
  return { in: true, variant, source: verdict.source, slot, isNew: verdict.source === "BUCKET", reasons };
}
