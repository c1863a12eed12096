// Layers: lookups and listings of the `layers` table (writes go through ExperimentRepository).

import type { EntityManager } from "typeorm";
import type { Layer } from "../engine/types";
import { LayerEntity } from "./entities";
import { layerToDomain } from "./experiment.repository";

export class LayerRepository {
  constructor(private readonly em: EntityManager) {}

  async find(key: string): Promise<Layer | null> {
    const row = await this.em.findOne(LayerEntity, { where: { key } });
    return row ? layerToDomain(row) : null;
  }

  /** Explicit layers, sorted by priority then key; optionally only those serving `service`. */
  async listExplicit(service: string | null): Promise<Layer[]> {
    const qb = this.em
      .createQueryBuilder(LayerEntity, "l")
      .where("l.implicit = false")
      .orderBy("l.priority", "ASC")
      .addOrderBy("l.key", "ASC");
    if (service) qb.andWhere(":service = ANY(l.services)", { service });
    return (await qb.getMany()).map(layerToDomain);
  }

  /**
   * Every layer that can take part in decisions: explicit ones and the implicit layers of active
   * experiments; only those among `keys` when given.
   */
  async listDeciding(keys?: readonly string[]): Promise<Layer[]> {
    const qb = this.em
      .createQueryBuilder(LayerEntity, "l")
      .where(
        `(l.implicit = false OR EXISTS (SELECT 1 FROM experiments e WHERE e.layer_key = l.key AND e.state IN ('RUNNING', 'CONCLUDED')))`,
      );
    if (keys !== undefined) qb.andWhere("l.key = ANY(:keys)", { keys });
    return (await qb.getMany()).map(layerToDomain);
  }
}
