// ExperimentService: the lifecycle of SPEC §6; every change and its history record in one transaction.

import type { AccessKey } from "./access-key";
import { countSlots, splitContiguous } from "../engine/allocation";
import {
  type VariantDefinition,
  validateGroup,
  validateKey,
  validateServices,
  validateText,
  validateVariants,
} from "../engine/definition";
import { DomainError, badInput } from "../engine/errors";
import { HASH_VERSION, SLOTS_PER_LAYER } from "../engine/hashing";
import { assertMutable, assertTransition, assertWeightsMutable } from "../engine/lifecycle";
import { lowestSlots } from "../engine/reallocation";
import { validateRule } from "../engine/rules";
import type { Experiment, ExperimentState, JsonObject, Layer, Segment, Variant } from "../engine/types";
import { type ChangeRecord, ChangeLogRepository } from "../persistence/change-log.repository";
import type { Database } from "../persistence/database";
import { type ExperimentFilter, ExperimentRepository } from "../persistence/experiment.repository";
import { LayerRepository } from "../persistence/layer.repository";
import type { Caller } from "./caller";
import { type ConfigChanges, experimentSubject } from "./config-change";
import { type ChangeScope, layerFreeSlots, loadExperiment, reweigh, saveReweighed, scopeOf } from "./experiment-scope";

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

export class ExperimentService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  get(key: string): Promise<Experiment | null> {
    return this.db.read(async (em) => (await new ExperimentRepository(em).find(key))?.experiment ?? null);
  }

  list(filter: ExperimentFilter): Promise<Experiment[]> {
    return this.db.read((em) => new ExperimentRepository(em).list(filter));
  }

  /** An API key's own records (created, revoked) only for ADMIN keys, as its change events (SPEC §13). */
  history(key: string, limit: number, viewer: AccessKey | null): Promise<ChangeRecord[]> {
    if (!Number.isInteger(limit) || limit < 0) throw badInput("limit", "limit must be 0 (all) or more");
    const keysVisible = viewer === null || viewer.role === "ADMIN";
    return this.db.read((em) => new ChangeLogRepository(em).history(key, limit, keysVisible));
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
    if (cmd.layer != null) validateKey("input.layer", cmd.layer);
    const traffic = cmd.traffic ?? (cmd.layer == null ? SLOTS_PER_LAYER : null);
    if (traffic !== null && (!Number.isInteger(traffic) || traffic < 1 || traffic > SLOTS_PER_LAYER)) {
      throw badInput("input.traffic", `traffic must be an integer in [1, ${SLOTS_PER_LAYER}]`);
    }
    return this.change(cmd.key, "created", caller, async (scope) => {
      const { experiments } = scope;
      const taken = await experiments.keyIsTaken(cmd.key);
      if (taken) throw new DomainError("CONFLICT", `key "${cmd.key}" is already taken by a ${taken}`, { field: "input.key" });
      const placed = cmd.layer == null ? null : await this.placeInLayer(scope, cmd.layer, traffic);
      const variants = await this.assignVids(experiments, cmd.variants);
      // In an explicit layer the experiment lists the layer's services unless told otherwise.
      const services = [...(cmd.services?.length || !placed ? (cmd.services ?? []) : placed.layer.services)];
      const slots = placed ? placed.slots : [{ start: 0, end: traffic! }];
      if (!placed) await experiments.insertLayer({
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
        layer: placed ? placed.layer.key : cmd.key,
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
      const { experiment: exp, layer } = await loadExperiment(scope.experiments, key);
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
        next = await reweigh(scope, next, variants);
        await saveReweighed(scope, exp, next);
      } else await scope.experiments.updateExperiment(next);
      if (layer.implicit && cmd.services != null) await scope.experiments.updateLayer({ ...layer, services: next.services });
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

  /** Archiving gives an explicit layer's slots back to it; an implicit layer keeps its record. */
  archive(key: string, caller: Caller): Promise<Experiment> {
    return this.transition(key, "ARCHIVED", "archived", caller, (exp, layer) =>
      layer.implicit ? { winner: exp.winner } : { winner: exp.winner, slots: [], ranges: [] },
    );
  }

  /** Runs one configuration change: version bump (serializes writers), the work, its change record. */
  private change<T>(key: string, mutation: string, caller: Caller, work: (scope: ChangeScope) => Promise<T>): Promise<T> {
    return this.changes.apply(experimentSubject(key), mutation, caller, (em) => work(scopeOf(em)));
  }

  private transition(
    key: string,
    to: ExperimentState,
    mutation: string,
    caller: Caller,
    fields: (exp: Experiment, layer: Layer) => Partial<Pick<Experiment, "winner" | "slots" | "ranges">>,
  ): Promise<Experiment> {
    return this.change(key, mutation, caller, async ({ experiments }) => {
      const { experiment: exp, layer } = await loadExperiment(experiments, key);
      assertTransition(key, exp.state, to);
      await experiments.updateExperiment({ ...exp, ...fields(exp, layer), state: to, version: exp.version + 1 });
      return this.reload(experiments, key);
    });
  }

  private async reload(experiments: ExperimentRepository, key: string): Promise<Experiment> {
    return (await loadExperiment(experiments, key)).experiment;
  }

  /** The lowest free slots of an explicit layer for a new experiment; CONFLICT when too few are free. */
  private async placeInLayer(scope: ChangeScope, layerKey: string, traffic: number | null | undefined): Promise<{ layer: Layer; slots: Segment[] }> {
    const layer = await new LayerRepository(scope.em).find(layerKey);
    if (!layer || layer.implicit) {
      throw new DomainError("NOT_FOUND", `layer "${layerKey}" not found`, { field: "input.layer", key: layerKey });
    }
    if (traffic == null) throw badInput("input.traffic", "traffic is required in an explicit layer: how many of its slots to own");
    const free = await layerFreeSlots(scope, layerKey);
    const available = countSlots(free);
    if (available < traffic) {
      throw new DomainError("CONFLICT", `layer "${layerKey}" has ${available} free slots; ${traffic} requested`, {
        field: "input.traffic",
        freeSlots: available,
      });
    }
    return { layer, slots: lowestSlots(free, traffic) };
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
