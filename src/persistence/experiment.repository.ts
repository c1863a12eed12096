// Experiments with their variants and layer: queries and the entity ↔ domain mapping.

import type { EntityManager } from "typeorm";
import { groupBy } from "../engine/group-by";
import type { Experiment, ExperimentState, Layer, Variant } from "../engine/types";
import { ExperimentEntity, FlagEntity, LayerEntity, VariantEntity } from "./entities";

export interface ExperimentWithLayer {
  readonly experiment: Experiment;
  readonly layer: Layer;
}

export function layerToDomain(e: LayerEntity): Layer {
  return {
    key: e.key,
    description: e.description,
    priority: e.priority,
    services: e.services,
    hashKey: e.hashKey,
    salt: e.salt,
    hashVersion: e.hashVersion,
    enabled: e.enabled,
    defaultParams: e.defaultParams,
    implicit: e.implicit,
  };
}

function variantToDomain(v: VariantEntity): Variant {
  return { key: v.key, vid: v.vid, weight: v.weight, params: v.params };
}

export function experimentToDomain(e: ExperimentEntity, variants: readonly VariantEntity[]): Experiment {
  return {
    key: e.key,
    description: e.description,
    services: e.services,
    layer: e.layerKey,
    state: e.state,
    variants: [...variants].sort((a, b) => a.position - b.position).map(variantToDomain),
    winner: e.winner,
    exclusionGroup: e.exclusionGroup,
    rule: e.rule,
    slots: e.slots,
    ranges: e.ranges,
    version: e.version,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function mutableColumns(exp: Experiment): Partial<ExperimentEntity> {
  return {
    description: exp.description,
    services: [...exp.services],
    state: exp.state,
    winner: exp.winner,
    exclusionGroup: exp.exclusionGroup,
    rule: exp.rule,
    slots: [...exp.slots],
    ranges: [...exp.ranges],
    version: exp.version,
  };
}

export interface ExperimentFilter {
  readonly state?: ExperimentState | null;
  readonly service?: string | null;
  /** Only the experiments of this layer. */
  readonly layer?: string | null;
  /** Only the experiments of these layers. */
  readonly layers?: readonly string[] | null;
  /** Only experiments in one of these states. */
  readonly states?: readonly ExperimentState[] | null;
}

export class ExperimentRepository {
  constructor(private readonly em: EntityManager) {}

  async find(key: string): Promise<ExperimentWithLayer | null> {
    const row = await this.em.findOne(ExperimentEntity, { where: { key }, relations: { layer: true } });
    if (!row?.layer) return null;
    const variants = await this.em.find(VariantEntity, { where: { experimentKey: key } });
    return { experiment: experimentToDomain(row, variants), layer: layerToDomain(row.layer) };
  }

  async list(filter: ExperimentFilter): Promise<Experiment[]> {
    const qb = this.em.createQueryBuilder(ExperimentEntity, "e").orderBy("e.key", "ASC");
    if (filter.state) qb.andWhere("e.state = :state", { state: filter.state });
    if (filter.service) qb.andWhere(":service = ANY(e.services)", { service: filter.service });
    if (filter.layer) qb.andWhere("e.layer_key = :layer", { layer: filter.layer });
    if (filter.layers) {
      if (filter.layers.length === 0) return [];
      // One array parameter, not one per key: a change may name a thousand layers.
      qb.andWhere("e.layer_key = ANY(:layers)", { layers: filter.layers });
    }
    if (filter.states) qb.andWhere("e.state IN (:...states)", { states: filter.states });
    const rows = await qb.getMany();
    if (rows.length === 0) return [];
    const variants = await this.em
      .createQueryBuilder(VariantEntity, "v")
      .where("v.experiment_key = ANY(:keys)", { keys: rows.map((r) => r.key) })
      .getMany();
    const byExperiment = groupBy(variants, (v) => v.experimentKey);
    return rows.map((r) => experimentToDomain(r, byExperiment.get(r.key) ?? []));
  }

  /**
   * Experiments, layers and flags share one key space: `history(key)` and change events name a
   * subject by its key alone, so two kinds of thing under one key would share a history.
   */
  async keyIsTaken(key: string): Promise<"experiment" | "layer" | "flag" | null> {
    if (await this.em.exists(ExperimentEntity, { where: { key } })) return "experiment";
    if (await this.em.exists(LayerEntity, { where: { key } })) return "layer";
    if (await this.em.exists(FlagEntity, { where: { key } })) return "flag";
    return null;
  }

  async existingVids(vids: readonly number[]): Promise<number[]> {
    if (vids.length === 0) return [];
    const rows = await this.em
      .createQueryBuilder(VariantEntity, "v")
      .select("v.vid", "vid")
      .where("v.vid IN (:...vids)", { vids })
      .getRawMany<{ vid: number }>();
    return rows.map((r) => Number(r.vid));
  }

  /** The highest vid in use; new vids follow it (config writes are serialized by the version row lock). */
  async maxVid(): Promise<number> {
    const rows: Array<{ max: number }> = await this.em.query(`SELECT COALESCE(MAX(vid), 0)::int AS max FROM variants`);
    return Number(rows[0]!.max);
  }

  async insertLayer(layer: Layer): Promise<void> {
    const row: Partial<LayerEntity> = { ...layer, services: [...layer.services] };
    await this.em.insert(LayerEntity, row as object);
  }

  async insertExperiment(exp: Experiment): Promise<void> {
    await this.em.insert(ExperimentEntity, { key: exp.key, layerKey: exp.layer, ...mutableColumns(exp) } as object);
    await this.replaceVariants(exp.key, exp.variants);
  }

  /** Writes every mutable column of the experiment (variants are written by replaceVariants). */
  async updateExperiment(exp: Experiment): Promise<void> {
    await this.em.update(ExperimentEntity, { key: exp.key }, mutableColumns(exp) as object);
  }

  async replaceVariants(experimentKey: string, variants: readonly Variant[]): Promise<void> {
    await this.em.delete(VariantEntity, { experimentKey });
    if (variants.length === 0) return;
    await this.em.insert(
      VariantEntity,
      variants.map((v, position): Partial<VariantEntity> => ({ vid: v.vid, experimentKey, key: v.key, weight: v.weight, params: v.params, position })) as object[],
    );
  }

  async updateLayer(layer: Layer): Promise<void> {
    const { key, implicit: _implicit, ...columns } = layer;
    await this.em.update(LayerEntity, { key }, { ...columns, services: [...columns.services] } as object);
  }
}
