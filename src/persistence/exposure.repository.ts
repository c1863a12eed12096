// Exposures: appended in batches, counted per variant.

import type { EntityManager } from "typeorm";
import { ExposureEntity } from "./entities";

export interface Exposure {
  readonly experiment: string;
  readonly variant: string;
  readonly vid: number;
  readonly actor: string;
  readonly requestId: string | null;
  readonly isOverride: boolean;
  readonly at: Date;
}

export class ExposureRepository {
  constructor(private readonly em: EntityManager) {}

  async insertMany(exposures: readonly Exposure[]): Promise<void> {
    if (exposures.length === 0) return;
    await this.em.insert(
      ExposureEntity,
      exposures.map((x) => ({
        experimentKey: x.experiment,
        variantKey: x.variant,
        vid: x.vid,
        actor: x.actor,
        requestId: x.requestId,
        isOverride: x.isOverride,
        createdAt: x.at,
      })),
    );
  }

  /** Newest first; limit 0 means all. */
  async list(experiment: string, actor: string | null, limit: number): Promise<Exposure[]> {
    const rows = await this.em.find(ExposureEntity, {
      where: actor === null ? { experimentKey: experiment } : { experimentKey: experiment, actor },
      order: { id: "DESC" },
      ...(limit > 0 ? { take: limit } : {}),
    });
    return rows.map((r) => ({
      experiment: r.experimentKey,
      variant: r.variantKey,
      vid: r.vid,
      actor: r.actor,
      requestId: r.requestId,
      isOverride: r.isOverride,
      at: r.createdAt,
    }));
  }

  async countByVariant(experiment: string): Promise<Map<string, number>> {
    const rows: Array<{ variant_key: string; n: number }> = await this.em.query(
      `SELECT variant_key, COUNT(*)::int AS n FROM exposures WHERE experiment_key = $1 GROUP BY variant_key`,
      [experiment],
    );
    return new Map(rows.map((r) => [r.variant_key, Number(r.n)]));
  }
}
