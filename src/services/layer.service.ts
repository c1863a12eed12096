// LayerService: explicit layers (SPEC §1, §3): create, update, set ranges directly, and their views.

import { countSlots, normalizeRanges, normalizeSegments, sameRuns } from "../engine/allocation";
import { validateKey, validateParams, validateServices, validateText } from "../engine/definition";
import { DomainError, badInput, notFound } from "../engine/errors";
import { HASH_VERSION, SLOTS_PER_LAYER } from "../engine/hashing";
import type { Experiment, JsonObject, JsonValue, Layer, Segment, SlotRange } from "../engine/types";
import type { Database } from "../persistence/database";
import { ExperimentRepository } from "../persistence/experiment.repository";
import { LayerRepository } from "../persistence/layer.repository";
import type { Caller } from "./caller";
import { type ConfigChanges, layerSubject } from "./config-change";

export interface LayerView extends Layer {
  /** Every experiment's slot ranges in this layer, sorted by start. */
  readonly ranges: readonly SlotRange[];
  readonly freeSlots: number;
}

export interface CreateLayerCommand {
  readonly key: string;
  readonly description?: string | null;
  readonly priority?: number | null;
  readonly services: readonly string[];
  readonly hashKey?: string | null;
  readonly salt?: string | null;
  readonly defaultParams?: JsonValue | null;
}

export interface UpdateLayerCommand {
  readonly description?: string | null;
  readonly priority?: number | null;
  readonly services?: readonly string[] | null;
  readonly defaultParams?: JsonValue | null;
  readonly enabled?: boolean | null;
}

const MAX_ATTRIBUTE = 128;

function validateName(field: string, value: string, what: string): void {
  if (value.trim() === "" || value.length > MAX_ATTRIBUTE) throw badInput(field, `${what} must be 1-${MAX_ATTRIBUTE} characters, not blank`);
}

export function viewOf(layer: Layer, members: readonly Experiment[]): LayerView {
  const ranges = members.flatMap((e) => e.ranges).sort((a, b) => a.start - b.start);
  const owned = members.reduce((n, e) => n + countSlots(e.slots), 0);
  return { ...layer, ranges, freeSlots: SLOTS_PER_LAYER - owned };
}

export class LayerService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  /** Any layer by key, the implicit layer of an experiment too (it is not listed among `layers`). */
  get(key: string): Promise<LayerView | null> {
    return this.db.read(async (em) => {
      const layer = await new LayerRepository(em).find(key);
      return layer && this.view(new ExperimentRepository(em), layer);
    });
  }

  /** Explicit layers with their ranges: one query for the layers, one for all their experiments. */
  list(service: string | null): Promise<LayerView[]> {
    return this.db.read(async (em) => {
      const layers = await new LayerRepository(em).listExplicit(service);
      const members = await new ExperimentRepository(em).list({ layers: layers.map((l) => l.key) });
      return layers.map((l) => viewOf(l, members.filter((e) => e.layer === l.key)));
    });
  }

  create(cmd: CreateLayerCommand, caller: Caller): Promise<LayerView> {
    validateKey("input.key", cmd.key);
    validateText("input.description", cmd.description);
    validateServices("input.services", cmd.services);
    if (cmd.hashKey != null) validateName("input.hashKey", cmd.hashKey, "hashKey");
    if (cmd.salt != null) validateName("input.salt", cmd.salt, "salt");
    if (cmd.defaultParams != null) validateParams("input.defaultParams", cmd.defaultParams);
    return this.changes.apply(layerSubject(cmd.key), "layer_created", caller, async (em) => {
      const experiments = new ExperimentRepository(em);
      const taken = await experiments.keyIsTaken(cmd.key);
      if (taken) throw new DomainError("CONFLICT", `key "${cmd.key}" is already taken by a ${taken}`, { field: "input.key" });
      const layer: Layer = {
        key: cmd.key,
        description: cmd.description ?? null,
        priority: cmd.priority ?? 0,
        services: [...cmd.services],
        hashKey: cmd.hashKey ?? "user_id",
        salt: cmd.salt ?? cmd.key,
        hashVersion: HASH_VERSION,
        enabled: true,
        defaultParams: (cmd.defaultParams as JsonObject | null | undefined) ?? {},
        implicit: false,
      };
      await experiments.insertLayer(layer);
      return this.view(experiments, layer);
    });
  }

  update(key: string, cmd: UpdateLayerCommand, caller: Caller): Promise<LayerView> {
    validateText("input.description", cmd.description);
    if (cmd.services != null) validateServices("input.services", cmd.services);
    if (cmd.defaultParams != null) validateParams("input.defaultParams", cmd.defaultParams);
    return this.changes.apply(layerSubject(key), "layer_updated", caller, async (em) => {
      const experiments = new ExperimentRepository(em);
      const layer = await this.explicit(new LayerRepository(em), key);
      const next: Layer = {
        ...layer,
        description: cmd.description === undefined ? layer.description : cmd.description,
        priority: cmd.priority ?? layer.priority,
        services: cmd.services == null ? layer.services : [...cmd.services],
        defaultParams: (cmd.defaultParams as JsonObject | null | undefined) ?? layer.defaultParams,
        enabled: cmd.enabled ?? layer.enabled,
      };
      await experiments.updateLayer(next);
      return this.view(experiments, next);
    });
  }

  /**
   * Sets the layer's ranges directly (the `001` style): each experiment then owns exactly
   * the slots its vids are given; one that is given none owns nothing.
   */
  setRanges(key: string, ranges: readonly SlotRange[], caller: Caller): Promise<LayerView> {
    ranges.forEach((r, i) => {
      if (!Number.isInteger(r.start) || r.start < 0 || r.start >= SLOTS_PER_LAYER) {
        throw badInput(`ranges[${i}].start`, `start must be an integer in [0, ${SLOTS_PER_LAYER})`);
      }
      if (!Number.isInteger(r.end) || r.end <= r.start || r.end > SLOTS_PER_LAYER) {
        throw badInput(`ranges[${i}].end`, `end must be an integer in (start, ${SLOTS_PER_LAYER}]`);
      }
    });
    const order = ranges.map((r, i) => ({ r, i })).sort((a, b) => a.r.start - b.r.start);
    for (let k = 1; k < order.length; k++) {
      const { r, i } = order[k]!;
      const prior = order[k - 1]!;
      if (r.start < prior.r.end) {
        throw badInput(`ranges[${i}]`, `[${r.start}, ${r.end}) overlaps ranges[${prior.i}] [${prior.r.start}, ${prior.r.end})`);
      }
    }
    return this.changes.apply(layerSubject(key), "set_ranges", caller, async (em) => {
      const experiments = new ExperimentRepository(em);
      const layer = await this.explicit(new LayerRepository(em), key);
      const members = (await experiments.list({ layer: key })).filter((e) => e.state !== "ARCHIVED");
      const ownerOf = new Map<number, Experiment>();
      for (const e of members) for (const v of e.variants) ownerOf.set(v.vid, e);
      ranges.forEach((r, i) => {
        if (!ownerOf.has(r.vid)) throw badInput(`ranges[${i}].vid`, `vid ${r.vid} is not a variant of an active experiment in layer "${key}"`);
      });
      for (const e of members) {
        const mine = normalizeRanges(ranges.filter((r) => ownerOf.get(r.vid) === e).map(({ start, end, vid }) => ({ start, end, vid })));
        const slots = normalizeSegments(mine);
        if (sameRuns(slots, e.slots) && sameRuns(mine, e.ranges)) continue;
        await experiments.updateExperiment({ ...e, slots, ranges: mine, version: e.version + 1 });
      }
      return this.view(experiments, layer);
    });
  }

  private async explicit(layers: LayerRepository, key: string): Promise<Layer> {
    const layer = await layers.find(key);
    if (!layer) throw notFound("layer", key);
    if (layer.implicit) {
      throw new DomainError("NOT_FOUND", `"${key}" is the implicit layer of experiment "${key}": change it through the experiment`, { key });
    }
    return layer;
  }

  private async view(experiments: ExperimentRepository, layer: Layer): Promise<LayerView> {
    return viewOf(layer, await experiments.list({ layer: layer.key }));
  }
}
