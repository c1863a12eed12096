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

  /**
   * One multi-row INSERT, written by hand: TypeORM's insert() (RETURNING the generated columns)
   * measured 1.5-1.8 ms a statement on PGlite against 0.55-0.8 ms for this, and assign now waits
   * for it.
   */
  async insertMany(exposures: readonly Exposure[]): Promise<void> {
    if (exposures.length === 0) return;
    const params: unknown[] = [];
    const rows = exposures.map((x) => {
      const n = params.push(x.experiment, x.variant, x.vid, x.actor, x.requestId, x.isOverride, x.at);
      return `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await this.em.query(
      `INSERT INTO exposures (experiment_key, variant_key, vid, actor, request_id, is_override, created_at) VALUES ${rows.join(", ")}`,
      params,
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
