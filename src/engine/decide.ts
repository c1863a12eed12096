// The decision, step by step as SPEC §5 lists it: one experiment (`judge`), then one service over its layers.

import { actorOf, bucketingIdOf } from "./actor";
import { ExperimentDecision, ServiceDecision } from "./answer";
import { deepFreeze } from "./params";
import type { CompiledRule } from "./rules";
import type { CompiledExperiment, CompiledLayer, CompiledVariant, MergeNode, ServicePlan, Snapshot, Verdict } from "./snapshot";
import type { JsonObject } from "./types";

/** Per-actor facts the caller holds; the engine does no I/O. */
export interface ActorLookups {
  /** The vid stored for the actor in `experiment`: a number, null when none, undefined when not loaded (treated as none). */
  sticky(experiment: string, actor: string): number | null | undefined;
  /** Whether the actor holds an assignment in another experiment of `experiment`'s exclusion group. */
  heldByGroup(experiment: CompiledExperiment, actor: string): boolean;
}

/** Lookups for a world without stored assignments (benchmarks, previews). */
export const NO_STICKY: ActorLookups = { sticky: () => null, heldByGroup: () => false };

export type OutReason = "INACTIVE" | "NO_ACTOR" | "RULE" | "EXCLUDED_BY_GROUP" | "UNOWNED_SLOT" | "NO_VARIANT";

/**
 * The last rule evaluated during the current (synchronous) decideService call. Equal rules
 * share one closure (`SharedRules`), so a rule common to a run of consecutive layers
 * runs once per decision; rules that alternate between layers are evaluated each time. Outside
 * decideService (`judge` on its own), or when no two of the service's experiments share a
 * rule, `context` is null and every rule just runs.
 */
const ruleMemo: { context: JsonObject | null; rule: CompiledRule | null; held: boolean; evaluations: number } = { context: null, rule: null, held: false, evaluations: 0 };

/** Counts the rules it runs (a memo hit runs none): decideService hands the count out with its answer (SPEC §14). */
function ruleHolds(rule: CompiledRule, context: JsonObject): boolean {
  if (context !== ruleMemo.context) {
    ruleMemo.evaluations++;
    return rule(context);
  }
  if (rule !== ruleMemo.rule) {
    ruleMemo.evaluations++;
    ruleMemo.held = rule(context);
    ruleMemo.rule = rule;
  }
  return ruleMemo.held;
}

/** `judge`'s "the stored assignment was not looked up yet" (vids are positive). */
const NOT_ASKED = -1;

/**
 * Decides one experiment for one actor whose slot is known. `owned` says whether the
 * experiment owns that slot and `bucket` is the variant its range maps the slot to.
 * Returns the verdict, or why the actor is not in the experiment; never throws.
 */
export function judge(
  exp: CompiledExperiment,
  actor: string | undefined,
  slot: number | null,
  owned: boolean,
  bucket: CompiledVariant | null,
  context: JsonObject,
  lookups: ActorLookups,
  reasons: string[] | null,
  /** The caller already found the rule true for this context (it is not evaluated twice). */
  ruleHeld = false,
  /** What `lookups.sticky` answered the caller for this experiment and actor, if it asked (it is not asked twice). */
  stored: number | null | undefined = NOT_ASKED,
): Verdict | OutReason {
  // 1. State: only RUNNING and CONCLUDED experiments take part; a concluded one serves its winner.
  if (exp.state === "DRAFT" || exp.state === "ARCHIVED") {
    reasons?.push(`1. experiment "${exp.key}" is ${exp.state}: not in the experiment.`);
    return "INACTIVE";
  }
  if (exp.state === "CONCLUDED") {
    if (exp.winner === null) {
      reasons?.push(`1. experiment "${exp.key}" is CONCLUDED without a known winner.`);
      return "NO_VARIANT";
    }
    if (exp.rule !== null && !ruleHolds(exp.rule, context)) {
      reasons?.push(`1. experiment "${exp.key}" is CONCLUDED but its targeting rule is false.`);
      return "RULE";
    }
    if (!owned) {
      reasons?.push(`1. experiment "${exp.key}" is CONCLUDED but does not own the actor's slot.`);
      return "UNOWNED_SLOT";
    }
    reasons?.push(`1. experiment "${exp.key}" is CONCLUDED: winner "${exp.winner.key}".`);
    return exp.winner.verdicts.WINNER;
  }
  reasons?.push(`1. experiment "${exp.key}" is RUNNING.`);

  // 2. Who is assigned: the layer's hash-key attribute.
  if (actor === undefined || slot === null) {
    reasons?.push("2. the context has no hash-key attribute: not in the experiment.");
    return "NO_ACTOR";
  }
  reasons?.push(`2. actor "${actor}" falls in slot ${slot}.`);

  // 3. An override bypasses targeting, weights and exclusion groups.
  const forced = exp.overrides?.get(actor);
  if (forced !== undefined) {
    reasons?.push(`3. override for "${actor}": variant "${forced.key}".`);
    return forced.verdicts.OVERRIDE;
  }
  reasons?.push("3. no override.");

  // 4. A stored assignment never changes, whatever the weights are now.
  const storedVid = stored === NOT_ASKED ? lookups.sticky(exp.key, actor) : stored;
  const stuck = storedVid == null ? undefined : exp.byVid.get(storedVid);
  if (stuck !== undefined) {
    reasons?.push(`4. stored assignment: variant "${stuck.key}".`);
    return stuck.verdicts.STICKY;
  }
  reasons?.push("4. no stored assignment.");

  // 5. Targeting.
  if (exp.rule !== null && !ruleHeld && !ruleHolds(exp.rule, context)) {
    reasons?.push("5. the targeting rule is false: not in the experiment.");
    return "RULE";
  }
  reasons?.push(exp.rule !== null ? "5. the targeting rule holds." : "5. no targeting rule: everyone.");

  // 6. Mutual exclusion.
  if (exp.exclusionGroup !== null && lookups.heldByGroup(exp, actor)) {
    reasons?.push(`6. actor is already in another experiment of group "${exp.exclusionGroup}".`);
    return "EXCLUDED_BY_GROUP";
  }
  reasons?.push(exp.exclusionGroup === null ? "6. no exclusion group." : `6. free in group "${exp.exclusionGroup}".`);

  // 7. Bucketing: the variant whose range holds the slot.
  if (!owned) {
    reasons?.push(`7. slot ${slot} is not owned by "${exp.key}": not in the experiment.`);
    return "UNOWNED_SLOT";
  }
  if (bucket === null) {
    reasons?.push(`7. slot ${slot} serves no variant of "${exp.key}" (zero weights).`);
    return "NO_VARIANT";
  }
  reasons?.push(`7. slot ${slot} → variant "${bucket.key}" (vid ${bucket.vid}).`);

  // 8. The caller stores the assignment (first write wins) and records an exposure.
  return bucket.verdicts.BUCKET;
}

const MAX_MERGE_NODES = 50_000;
/** Plans up to this many layers reuse merged parameters by the path of vids taken. */
const MAX_CACHED_DEPTH = 16;
/** Scratch for the experiments of one (synchronous) decision: the answer gets an exact-size copy. */
const found: (ExperimentDecision | null)[] = [];

/**
 * The decision for one service: for each layer serving it (ascending priority, then
 * key) the experiment owning the actor's slot, and the parameters merged across layers.
 */
export function decideService(
  snapshot: Snapshot,
  service: string,
  context: JsonObject,
  lookups: ActorLookups,
  explain: boolean,
): ServiceDecision {
  const plan = snapshot.services.get(service);
  const reasons = explain ? [`config version ${snapshot.version}.`] : null;
  ruleMemo.evaluations = 0;
  if (plan === undefined) {
    reasons?.push(`no layer serves "${service}".`);
    return new ServiceDecision(service, {}, [], reasons);
  }
  const layers = plan.layers;
  const chosen = plan.chosen;
  // Up to a few layers, paths of vids repeat and their merge is cached; past that nearly every actor takes a path of its own.
  let node: MergeNode | null = layers.length <= MAX_CACHED_DEPTH ? plan.mergeRoot : null;
  let count = 0;
  // Read once per decision, not per layer: a context without it pays one property miss.
  const bucketing = bucketingIdOf(context);
  if (plan.sharesRules) ruleMemo.context = context;
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const decided = decideLayer(snapshot, layer, context, bucketing, lookups, reasons);
      if (decided === null) chosen[i] = layer.defaults;
      else {
        found[count++] = decided;
        chosen[i] = decided.served.aligned;
      }
      if (node !== null) node = mergeStep(plan, node, decided === null ? 0 : decided.vid);
    }
  } finally {
    ruleMemo.context = null;
    ruleMemo.rule = null;
  }
  let parameters: JsonObject;
  if (node === null) parameters = plan.merge.merge(chosen);
  else {
    node.params ??= deepFreeze(plan.merge.merge(chosen));
    parameters = node.params;
  }
  const experiments = found.slice(0, count) as ExperimentDecision[];
  for (let k = 0; k < count; k++) found[k] = null;
  return new ServiceDecision(service, parameters, experiments, reasons, ruleMemo.evaluations);
}

/** The cell of the run holding `slot`: a binary search over the layer's runs. */
export function cellAt(layer: CompiledLayer, slot: number): number {
  const ends = layer.segmentEnds;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! <= slot) lo = mid + 1;
    else hi = mid;
  }
  return layer.segmentCells[lo]!;
}

function decideLayer(
  snapshot: Snapshot,
  layer: CompiledLayer,
  context: JsonObject,
  /** The context's `$bucketing_id`: hashed instead of the actor, who stays the identity for everything else. */
  bucketing: string | undefined,
  lookups: ActorLookups,
  reasons: string[] | null,
): ExperimentDecision | null {
  const at = reasons === null ? "" : `layer "${layer.key}"`;
  if (!layer.enabled) {
    reasons?.push(`${at} is disabled: its defaultParams apply.`);
    return null;
  }
  const actor = actorOf(context, layer.hashKey);
  if (actor === undefined) {
    reasons?.push(`${at}: the context has no "${layer.hashKey}": its defaultParams apply.`);
    return null;
  }
  const sole = layer.soleOwner;
  // Hashing is the dearest step: when the owner is known without it and its rule already
  // rules the actor out (no override, no stored assignment), the slot is never needed.
  let ruleHeld = false;
  let stored: number | null | undefined = NOT_ASKED;
  if (reasons === null && sole !== null && sole.rule !== null && sole.overrides === null && sole.state === "RUNNING") {
    stored = lookups.sticky(sole.key, actor);
    if (stored == null) {
      if (!ruleHolds(sole.rule, context)) return null;
      ruleHeld = true;
    }
  }
  const slot = snapshot.hasher.slot(layer.saltPrefix, bucketing === undefined ? actor : bucketing);
  const who = reasons === null ? "" : bucketing === undefined ? `actor "${actor}"` : `actor "${actor}" (bucketing id "${bucketing}")`;
  const cellIndex = cellAt(layer, slot);
  if (cellIndex === 0) {
    reasons?.push(`${at} (salt "${layer.salt}"): ${who} falls in slot ${slot}, owned by no experiment: defaultParams apply.`);
    return null;
  }
  const cell = layer.cells[cellIndex - 1]!;
  reasons?.push(`${at} (salt "${layer.salt}"): ${who} falls in slot ${slot}, owned by "${cell.experiment.key}".`);
  const verdict = judge(cell.experiment, actor, slot, true, cell.variant, context, lookups, reasons, ruleHeld, stored);
  if (typeof verdict === "string") {
    reasons?.push(`${at}: not in "${cell.experiment.key}" (${verdict}): defaultParams apply.`);
    return null;
  }
  reasons?.push(`${at}: "${cell.experiment.key}" serves variant "${verdict.variant.key}" (vid ${verdict.variant.vid}), source ${verdict.source}.`);
  return new ExperimentDecision(verdict, slot, actor);
}

/** One step down the merge cache, dropped whole when it grows past its bound. */
function mergeStep(plan: ServicePlan, node: MergeNode, vid: number): MergeNode {
  let next = node.next?.get(vid);
  if (next === undefined) {
    if (plan.mergeNodes >= MAX_MERGE_NODES) {
      plan.mergeRoot = { params: null, next: null };
      plan.mergeNodes = 0;
    }
    next = { params: null, next: null };
    (node.next ??= new Map()).set(vid, next);
    plan.mergeNodes++;
  }
  return next;
}
