// One named experiment decided from the snapshot (a flag's EXPERIMENT rule, SPEC §16): exactly what
// `decide` finds for it, but asked by name rather than by the layer's slot owner.

import { bucketingIdOf } from "./actor";
import { ExperimentDecision } from "./answer";
import { type ActorLookups, type OutReason, cellAt, judge } from "./decide";
import type { Snapshot } from "./snapshot";
import type { JsonObject } from "./types";

/**
 * SPEC §5 for `experiment` and `actor` against `snapshot`: its layer's slot for the actor (or the
 * context's `$bucketing_id`, as `decide` hashes it), whether the experiment owns that slot, then
 * `judge` (override, stored assignment, rule, group, bucket). An unknown or inactive experiment, or
 * one whose layer is disabled (`decide` serves its defaults then), is not served. Never throws.
 */
export function decideSnapshotExperiment(
  snapshot: Snapshot,
  experiment: string,
  actor: string,
  context: JsonObject,
  lookups: ActorLookups,
  reasons: string[] | null,
): ExperimentDecision | OutReason {
  const exp = snapshot.experiments.get(experiment);
  const layer = exp === undefined ? undefined : snapshot.layers.get(exp.layer);
  if (exp === undefined || layer === undefined) {
    reasons?.push(`experiment "${experiment}" is not RUNNING or CONCLUDED: not in the experiment.`);
    return "INACTIVE";
  }
  if (!layer.enabled) {
    reasons?.push(`layer "${layer.key}" is disabled: not in the experiment.`);
    return "INACTIVE";
  }
  const slot = snapshot.hasher.slot(layer.saltPrefix, bucketingIdOf(context) ?? actor);
  const cellIndex = cellAt(layer, slot);
  const cell = cellIndex === 0 ? null : layer.cells[cellIndex - 1]!;
  const owned = cell !== null && cell.experiment === exp;
  const verdict = judge(exp, actor, slot, owned, owned ? cell.variant : null, context, lookups, reasons);
  return typeof verdict === "string" ? verdict : new ExperimentDecision(verdict, slot, actor);
}
