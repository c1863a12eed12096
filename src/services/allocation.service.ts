// AllocationService: setWeights and setTraffic (SPEC §3, §6), moving as few slots as possible, with dry runs.

import { countMovedSlots, countSlots } from "../engine/allocation";
import { validateVariants } from "../engine/definition";
import { DomainError, badInput } from "../engine/errors";
import { SLOTS_PER_LAYER } from "../engine/hashing";
import { assertMutable, assertWeightsMutable } from "../engine/lifecycle";
import type { Experiment } from "../engine/types";
import type { Database } from "../persistence/database";
import type { Caller } from "./caller";
import { type ConfigChanges, experimentSubject } from "./config-change";
import { type ChangeScope, layerFreeSlots, loadExperiment, reweigh, saveReweighed, scopeOf } from "./experiment-scope";

export interface WeightChange {
  readonly experiment: Experiment;
  readonly slotsMoved: number;
  readonly applied: boolean;
}

interface Plan {
  readonly before: Experiment;
  readonly next: Experiment;
}

export class AllocationService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  /**
   * Listed variants take the given weights, unlisted ones are removed (never one
   * that has assignments). With `dryRun` nothing is written: the result previews
   * the experiment and counts the slots that would change variant.
   */
  setWeights(key: string, weights: readonly { key: string; weight: number }[], dryRun: boolean, caller: Caller): Promise<WeightChange> {
    validateVariants("weights", weights);
    return this.plan(key, "set_weights", dryRun, caller, async (scope) => {
      const { experiment: exp } = await loadExperiment(scope.experiments, key);
      assertWeightsMutable(key, exp.state);
      const variants = weights.map((w, i) => {
        const current = exp.variants.find((v) => v.key === w.key);
        if (!current) throw badInput(`weights[${i}].key`, `"${w.key}" is not a variant of "${key}"`);
        return { ...current, weight: w.weight };
      });
      // Keep the experiment's variant order: the split follows it.
      const order = new Map(exp.variants.map((v, i) => [v.key, i]));
      variants.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
      return { before: exp, next: await reweigh(scope, exp, variants) };
    });
  }

  /**
   * Grows or shrinks the slots the experiment owns in its layer: growth takes the
   * lowest free slots, and every variant keeps what it can. Also on CONCLUDED
   * experiments (widening who gets the winner); not on ARCHIVED.
   */
  setTraffic(key: string, traffic: number, dryRun: boolean, caller: Caller): Promise<WeightChange> {
    if (!Number.isInteger(traffic) || traffic < 0 || traffic > SLOTS_PER_LAYER) {
      throw badInput("traffic", `traffic must be an integer in [0, ${SLOTS_PER_LAYER}]`);
    }
    return this.plan(key, "set_traffic", dryRun, caller, async (scope) => {
      const { experiment: exp } = await loadExperiment(scope.experiments, key);
      assertMutable(key, exp.state);
      const free = await layerFreeSlots(scope, exp.layer);
      const owned = countSlots(exp.slots);
      if (traffic > owned + countSlots(free)) {
        throw new DomainError("CONFLICT", `layer "${exp.layer}" has ${countSlots(free)} free slots; ${traffic - owned} more requested`, {
          field: "traffic",
          freeSlots: countSlots(free),
        });
      }
      return { before: exp, next: await reweigh(scope, exp, exp.variants, traffic, free) };
    });
  }

  /** Computes the change; a dry run answers from a read, otherwise it is applied with its change record. */
  private async plan(key: string, mutation: string, dryRun: boolean, caller: Caller, compute: (scope: ChangeScope) => Promise<Plan>): Promise<WeightChange> {
    if (dryRun) {
      return this.db.read(async (em) => {
        const { before, next } = await compute(scopeOf(em));
        return { experiment: next, slotsMoved: countMovedSlots(before.ranges, next.ranges), applied: false };
      });
    }
    return this.changes.apply(experimentSubject(key), mutation, caller, async (em) => {
      const scope = scopeOf(em);
      const { before, next } = await compute(scope);
      await saveReweighed(scope, before, { ...next, version: before.version + 1 });
      const experiment = (await loadExperiment(scope.experiments, key)).experiment;
      return { experiment, slotsMoved: countMovedSlots(before.ranges, next.ranges), applied: true };
    });
  }
}
