// ExperimentService: the lifecycle of SPEC §6; every change and its history record in one transaction.

import type { EntityManager } from "typeorm";
import { countMovedSlots, splitContiguous } from "../engine/allocation";
import {
  type VariantDefinition,
  validateGroup,
  validateKey,
  validateRule,
  validateServices,
  validateText,
  validateVariants,
} from "../engine/definition";
import { DomainError, badInput, notFound } from "../engine/errors";
import { HASH_VERSION, SLOTS_PER_LAYER } from "../engine/hashing";
import { assertMutable, assertTransition, assertWeightsMutable } from "../engine/lifecycle";
import type { Experiment, ExperimentState, JsonObject, Variant } from "../engine/types";
import { AssignmentRepository } from "../persistence/assignment.repository";
import { type ChangeRecord, ChangeLogRepository } from "../persistence/change-log.repository";
import type { Database } from "../persistence/database";
import { type ExperimentFilter, type ExperimentWithLayer, ExperimentRepository } from "../persistence/experiment.repository";
import type { Caller } from "./caller";
import { applyConfigChange } from "./config-change";

export interface CreateExperimentCommand {
  readonly key: string;
  readonly description?: string | null;
  readonly services?: readonly string[] | null;
  readonly layer?: string | null;
  readonly traffic?: number | null;
  readonly variants: readonly VariantDefinition[];
  readonly rule?: JsonObject | null;
  readonly exclusionGroup?: string | null;
}

/** Omitted (undefined) fields stay as they are; null clears a nullable field. */
export interface UpdateExperimentCommand {
  readonly description?: string | null;
  readonly services?: readonly string[] | null;
  readonly rule?: JsonObject | null;
  readonly exclusionGroup?: string | null;
  readonly variants?: readonly VariantDefinition[] | null;
}

export interface WeightChange {
  readonly experiment: Experiment;
  readonly slotsMoved: number;
  readonly applied: boolean;
}

interface ChangeScope {
  readonly em: EntityManager;
  readonly experiments: ExperimentRepository;
}

/** Keys of the variants of `exp` that `variants` no longer lists. */
function removedKeys(exp: Experiment, variants: readonly Variant[]): string[] {
  return exp.variants.filter((v) => !variants.some((n) => n.key === v.key)).map((v) => v.key);
}

export class ExperimentService {
  constructor(private readonly db: Database) {}

  get(key: string): Promise<Experiment | null> {
    return this.db.read(async (em) => (await new ExperimentRepository(em).find(key))?.experiment ?? null);
  }

  list(filter: ExperimentFilter): Promise<Experiment[]> {
    return this.db.read((em) => new ExperimentRepository(em).list(filter));
  }

  history(key: string, limit: number): Promise<ChangeRecord[]> {
    if (!Number.isInteger(limit) || limit < 0) throw badInput("limit", "limit must be 0 (all) or more");
    return this.db.read((em) => new ChangeLogRepository(em).history(key, limit));
  }

  configVersion(): Promise<number> {
    return this.db.read((em) => new ChangeLogRepository(em).currentVersion());
  }

  async create(cmd: CreateExperimentCommand, caller: Caller): Promise<Experiment> {
    validateKey("input.key", cmd.key);
    validateText("input.description", cmd.description);
    validateServices("input.services", cmd.services ?? []);
    validateVariants("input.variants", cmd.variants);
    validateRule("input.rule", cmd.rule);
    validateGroup("input.exclusionGroup", cmd.exclusionGroup);
    if (cmd.layer != null) {
      // Explicit layers arrive with the layered engine; until then every experiment has its own.
      throw new DomainError("NOT_FOUND", `layer "${cmd.layer}" not found`, { field: "input.layer", key: cmd.layer });
    }
    const traffic = cmd.traffic ?? SLOTS_PER_LAYER;
    if (!Number.isInteger(traffic) || traffic < 1 || traffic > SLOTS_PER_LAYER) {
      throw badInput("input.traffic", `traffic must be an integer in [1, ${SLOTS_PER_LAYER}]`);
    }
    return this.change(cmd.key, "created", caller, async ({ experiments }) => {
      const taken = await experiments.keyIsTaken(cmd.key);
      if (taken) throw new DomainError("CONFLICT", `key "${cmd.key}" is already taken by a ${taken}`, { field: "input.key" });
      const variants = await this.assignVids(experiments, cmd.variants);
      const services = [...(cmd.services ?? [])];
      const slots = [{ start: 0, end: traffic }];
      await experiments.insertLayer({
        key: cmd.key,
        description: null,
        priority: 0,
        services,
        hashKey: "user_id",
        salt: cmd.key,
        hashVersion: HASH_VERSION,
        enabled: true,
        defaultParams: {},
        implicit: true,
      });
      const now = new Date();
      await experiments.insertExperiment({
        key: cmd.key,
        description: cmd.description ?? null,
        services,
        layer: cmd.key,
        state: "DRAFT",
        variants,
        winner: null,
        exclusionGroup: cmd.exclusionGroup ?? null,
        rule: cmd.rule ?? null,
        slots,
        ranges: splitContiguous(slots, variants),
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      return this.reload(experiments, cmd.key);
    });
  }

  async update(key: string, cmd: UpdateExperimentCommand, caller: Caller): Promise<Experiment> {
    validateText("input.description", cmd.description);
    if (cmd.services != null) validateServices("input.services", cmd.services);
    validateRule("input.rule", cmd.rule);
    validateGroup("input.exclusionGroup", cmd.exclusionGroup);
    if (cmd.variants != null) validateVariants("input.variants", cmd.variants);
    return this.change(key, "updated", caller, async (scope) => {
      const { experiment: exp, layer } = await this.load(scope.experiments, key);
      assertMutable(key, exp.state);
      let next: Experiment = {
        ...exp,
        description: cmd.description === undefined ? exp.description : cmd.description,
        services: cmd.services == null ? exp.services : [...cmd.services],
        rule: cmd.rule === undefined ? exp.rule : cmd.rule,
        exclusionGroup: cmd.exclusionGroup === undefined ? exp.exclusionGroup : cmd.exclusionGroup,
        version: exp.version + 1,
      };
      if (cmd.variants != null) {
        assertWeightsMutable(key, exp.state);
        const variants = await this.mergeVariants(scope.experiments, exp, cmd.variants);
        next = await this.reweigh(scope, next, variants);
      }
      if (cmd.variants != null) await this.saveReweighed(scope, exp, next);
      else await scope.experiments.updateExperiment(next);
      if (layer.implicit && cmd.services != null) await scope.experiments.updateLayerServices(layer.key, next.services);
      return this.reload(scope.experiments, key);
    });
  }

  start(key: string, caller: Caller): Promise<Experiment> {
    return this.transition(key, "RUNNING", "started", caller, () => ({ winner: null }));
  }

  conclude(key: string, winner: string, caller: Caller): Promise<Experiment> {
    return this.transition(key, "CONCLUDED", "concluded", caller, (exp) => {
      if (!exp.variants.some((v) => v.key === winner)) {
        throw new DomainError("NO_VARIANT", `"${winner}" is not a variant of "${key}"`, { field: "winner", key });
      }
      return { winner };
    });
  }

  archive(key: string, caller: Caller): Promise<Experiment> {
    return this.transition(key, "ARCHIVED", "archived", caller, (exp) => ({ winner: exp.winner }));
  }

  /**
   * Listed variants take the given weights, unlisted ones are removed (never one
   * that has assignments). With `dryRun` nothing is written: the result previews
   * the experiment and counts the slots that would change variant.
   */
  async setWeights(key: string, weights: readonly { key: string; weight: number }[], dryRun: boolean, caller: Caller): Promise<WeightChange> {
    if (weights.length === 0) throw badInput("weights", "at least one variant must keep a weight");
    const seen = new Set<string>();
    weights.forEach((w, i) => {
      if (seen.has(w.key)) throw badInput(`weights[${i}].key`, `variant "${w.key}" is listed twice`);
      seen.add(w.key);
      if (!Number.isInteger(w.weight) || w.weight < 0) throw badInput(`weights[${i}].weight`, "weight must be an integer ≥ 0");
    });
    const compute = async (scope: ChangeScope) => {
      const { experiment: exp } = await this.load(scope.experiments, key);
      assertWeightsMutable(key, exp.state);
      const variants = weights.map((w, i) => {
        const current = exp.variants.find((v) => v.key === w.key);
        if (!current) throw badInput(`weights[${i}].key`, `"${w.key}" is not a variant of "${key}"`);
        return { ...current, weight: w.weight };
      });
      // Keep the experiment's variant order: the split follows it.
      const order = new Map(exp.variants.map((v, i) => [v.key, i]));
      variants.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
      const next = await this.reweigh(scope, { ...exp, version: exp.version + 1 }, variants);
      return { exp, next, slotsMoved: countMovedSlots(exp.ranges, next.ranges) };
    };
    if (dryRun) {
      return this.db.read(async (em) => {
        const { exp, next, slotsMoved } = await compute({ em, experiments: new ExperimentRepository(em) });
        return { experiment: { ...next, version: exp.version }, slotsMoved, applied: false };
      });
    }
    return this.change(key, "set_weights", caller, async (scope) => {
      const { exp, next, slotsMoved } = await compute(scope);
      await this.saveReweighed(scope, exp, next);
      return { experiment: await this.reload(scope.experiments, key), slotsMoved, applied: true };
    });
  }

  /** Runs one configuration change: version bump (serializes writers), the work, its change record. */
  private change<T>(key: string, mutation: string, caller: Caller, work: (scope: ChangeScope) => Promise<T>): Promise<T> {
    return applyConfigChange(this.db, key, mutation, caller, (em) => work({ em, experiments: new ExperimentRepository(em) }));
  }

  private transition(
    key: string,
    to: ExperimentState,
    mutation: string,
    caller: Caller,
    fields: (exp: Experiment) => Pick<Experiment, "winner">,
  ): Promise<Experiment> {
    return this.change(key, mutation, caller, async ({ experiments }) => {
      const { experiment: exp } = await this.load(experiments, key);
      assertTransition(key, exp.state, to);
      await experiments.updateExperiment({ ...exp, ...fields(exp), state: to, version: exp.version + 1 });
      return this.reload(experiments, key);
    });
  }

  private async load(experiments: ExperimentRepository, key: string): Promise<ExperimentWithLayer> {
    const found = await experiments.find(key);
    if (!found) throw notFound("experiment", key);
    return found;
  }

  private async reload(experiments: ExperimentRepository, key: string): Promise<Experiment> {
    return (await this.load(experiments, key)).experiment;
  }

  /** New ranges for new variants; refuses to drop a variant that has assignments. Writes nothing (dry runs use it). */
  private async reweigh(scope: ChangeScope, exp: Experiment, variants: readonly Variant[]): Promise<Experiment> {
    const assigned = await new AssignmentRepository(scope.em).countForVariants(exp.key, removedKeys(exp, variants));
    const [blocking] = assigned;
    if (blocking) {
      const [variant, count] = blocking;
      throw new DomainError("CONFLICT", `cannot delete variant "${variant}": ${count} actor(s) are assigned to it`, {
        field: "variants",
        variant,
      });
    }
    return { ...exp, variants, ranges: splitContiguous(exp.slots, variants) };
  }

  /** Stores a re-weighed experiment: columns, variants, and no override left pointing at a removed variant. */
  private async saveReweighed(scope: ChangeScope, before: Experiment, next: Experiment): Promise<void> {
    await scope.experiments.updateExperiment(next);
    await scope.experiments.replaceVariants(next.key, next.variants);
    await new AssignmentRepository(scope.em).deleteOverridesOfVariants(next.key, removedKeys(before, next.variants));
  }

  /** Replacement variants: existing keys keep their vid, new keys get fresh ones. */
  private async mergeVariants(experiments: ExperimentRepository, exp: Experiment, defs: readonly VariantDefinition[]): Promise<Variant[]> {
    const fresh = defs.filter((d) => !exp.variants.some((v) => v.key === d.key));
    const withVids = await this.assignVids(experiments, fresh);
    return defs.map((d, i) => {
      const current = exp.variants.find((v) => v.key === d.key);
      if (current && d.vid != null && d.vid !== current.vid) {
        throw badInput(`input.variants[${i}].vid`, `variant "${d.key}" has vid ${current.vid}; a vid never changes`);
      }
      return current
        ? { ...current, weight: d.weight, params: (d.params as JsonObject | undefined) ?? current.params }
        : withVids.find((v) => v.key === d.key)!;
    });
  }

  private async assignVids(experiments: ExperimentRepository, defs: readonly VariantDefinition[]): Promise<Variant[]> {
    const requested = defs.flatMap((d) => (d.vid != null ? [d.vid] : []));
    const taken = await experiments.existingVids(requested);
    if (taken.length > 0) {
      const i = defs.findIndex((d) => d.vid === taken[0]);
      throw new DomainError("CONFLICT", `vid ${taken[0]} is already used`, { field: `input.variants[${i}].vid` });
    }
    let next = Math.max(await experiments.maxVid(), ...requested) + 1;
    return defs.map((d) => ({
      key: d.key,
      vid: d.vid ?? next++,
      weight: d.weight,
      params: (d.params as JsonObject | undefined) ?? {},
    }));
  }
}
