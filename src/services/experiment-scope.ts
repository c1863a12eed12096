// What the experiment mutations share inside their transaction: loading, re-weighing, saving.

import type { EntityManager } from "typeorm";
import { countSlots } from "../engine/allocation";
import { DomainError, notFound } from "../engine/errors";
import { freeSlots, reallocate } from "../engine/reallocation";
import type { Experiment, Segment, Variant } from "../engine/types";
import { AssignmentRepository } from "../persistence/assignment.repository";
import { type ExperimentWithLayer, ExperimentRepository } from "../persistence/experiment.repository";

export interface ChangeScope {
  readonly em: EntityManager;
  readonly experiments: ExperimentRepository;
}

export const scopeOf = (em: EntityManager): ChangeScope => ({ em, experiments: new ExperimentRepository(em) });

export async function loadExperiment(experiments: ExperimentRepository, key: string): Promise<ExperimentWithLayer> {
  const found = await experiments.find(key);
  if (!found) throw notFound("experiment", key);
  return found;
}

/** The slots of a layer no experiment owns (archived ones in explicit layers own none). */
export async function layerFreeSlots(scope: ChangeScope, layerKey: string): Promise<Segment[]> {
  const members = await scope.experiments.list({ layer: layerKey });
  return freeSlots(members.map((e) => e.slots));
}

/** Keys of the variants of `exp` that `variants` no longer lists. */
function removedKeys(exp: Experiment, variants: readonly Variant[]): string[] {
  return exp.variants.filter((v) => !variants.some((n) => n.key === v.key)).map((v) => v.key);
}

/**
 * The experiment with new variants and/or traffic, slots moved as little as possible
 * (SPEC §3). Refuses to drop a variant that has assignments. Writes nothing (dry runs use it).
 */
export async function reweigh(
  scope: ChangeScope,
  exp: Experiment,
  variants: readonly Variant[],
  traffic: number = countSlots(exp.slots),
  free: readonly Segment[] = [],
): Promise<Experiment> {
  const assigned = await new AssignmentRepository(scope.em).countForVariants(exp.key, removedKeys(exp, variants));
  const [blocking] = assigned;
  if (blocking) {
    const [variant, count] = blocking;
    throw new DomainError("CONFLICT", `cannot delete variant "${variant}": ${count} actor(s) are assigned to it`, {
      field: "variants",
      variant,
    });
  }
  const next = reallocate({ owned: exp.slots, ranges: exp.ranges, variants, traffic, free });
  return { ...exp, variants, slots: next.owned, ranges: next.ranges };
}

/** Stores a re-weighed experiment: columns, variants, and no override left pointing at a removed variant. */
export async function saveReweighed(scope: ChangeScope, before: Experiment, next: Experiment): Promise<void> {
  await scope.experiments.updateExperiment(next);
  await scope.experiments.replaceVariants(next.key, next.variants);
  await new AssignmentRepository(scope.em).deleteOverridesOfVariants(next.key, removedKeys(before, next.variants));
}
