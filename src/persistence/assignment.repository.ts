// Sticky assignments and overrides: per-actor rows, first write wins.

import type { EntityManager } from "typeorm";
import { AssignmentEntity, OverrideEntity } from "./entities";

export interface StoredAssignment {
  readonly experiment: string;
  readonly actor: string;
  readonly variant: string;
  readonly vid: number;
  readonly assignedAt: Date;
}

export interface StoredOverride {
  readonly experiment: string;
  readonly actor: string;
  readonly variant: string;
  readonly createdAt: Date;
}

const toAssignment = (r: AssignmentEntity): StoredAssignment => ({
  experiment: r.experimentKey,
  actor: r.actor,
  variant: r.variantKey,
  vid: r.vid,
  assignedAt: r.assignedAt,
});

export type InsertOutcome = { readonly excluded: true } | { readonly excluded: false; readonly assignment: StoredAssignment };

export class AssignmentRepository {
  constructor(private readonly em: EntityManager) {}

  async findAssignment(experiment: string, actor: string): Promise<StoredAssignment | null> {
    const row = await this.em.findOne(AssignmentEntity, { where: { experimentKey: experiment, actor } });
    return row ? toAssignment(row) : null;
  }

  async findOverride(experiment: string, actor: string): Promise<StoredOverride | null> {
    const row = await this.em.findOne(OverrideEntity, { where: { experimentKey: experiment, actor } });
    return row ? { experiment, actor, variant: row.variantKey, createdAt: row.createdAt } : null;
  }

  /**
   * Whether the actor holds an assignment in another experiment of `group`.
   * Archived experiments release their actors.
   */
  async heldByGroup(actor: string, group: string, experiment: string): Promise<boolean> {
    const rows = await this.em.query(
      `SELECT 1 FROM assignments a JOIN experiments e ON e.key = a.experiment_key
        WHERE a.actor = $1 AND e.exclusion_group = $2 AND a.experiment_key <> $3 AND e.state <> 'ARCHIVED'
        LIMIT 1`,
      [actor, group, experiment],
    );
    return rows.length > 0;
  }

  async countForVariants(experiment: string, variantKeys: readonly string[]): Promise<Map<string, number>> {
    if (variantKeys.length === 0) return new Map();
    const rows: Array<{ variant_key: string; n: number }> = await this.em.query(
      `SELECT variant_key, COUNT(*)::int AS n FROM assignments WHERE experiment_key = $1 AND variant_key = ANY($2) GROUP BY variant_key`,
      [experiment, variantKeys],
    );
    return new Map(rows.map((r) => [r.variant_key, Number(r.n)]));
  }

  /**
   * Stores a first assignment; call inside a transaction. With an exclusion group,
   * an advisory lock on "group:actor" (a group key has no colon) orders concurrent writers across instances,
   * so two experiments of one group can never both take the same actor. A row that
   * is already there wins over this one (first write wins).
   */
  async insertFirstWins(a: Omit<StoredAssignment, "assignedAt">, group: string | null): Promise<InsertOutcome> {
    if (group !== null) {
      await this.em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${group}:${a.actor}`]);
      const existing = await this.findAssignment(a.experiment, a.actor);
      if (existing) return { excluded: false, assignment: existing };
      if (await this.heldByGroup(a.actor, group, a.experiment)) return { excluded: true };
    }
    await this.em.query(
      `INSERT INTO assignments (experiment_key, actor, variant_key, vid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (experiment_key, actor) DO NOTHING`,
      [a.experiment, a.actor, a.variant, a.vid],
    );
    const stored = await this.findAssignment(a.experiment, a.actor);
    return { excluded: false, assignment: stored! };
  }

  async upsertOverride(experiment: string, actor: string, variant: string): Promise<StoredOverride> {
    const rows: Array<{ created_at: Date }> = await this.em.query(
      `INSERT INTO overrides (experiment_key, actor, variant_key) VALUES ($1, $2, $3)
       ON CONFLICT (experiment_key, actor) DO UPDATE SET variant_key = EXCLUDED.variant_key, created_at = now()
       RETURNING created_at`,
      [experiment, actor, variant],
    );
    return { experiment, actor, variant, createdAt: new Date(rows[0]!.created_at) };
  }

  async deleteOverride(experiment: string, actor: string): Promise<boolean> {
    const result = await this.em.delete(OverrideEntity, { experimentKey: experiment, actor });
    return (result.affected ?? 0) > 0;
  }

  async deleteOverridesOfVariants(experiment: string, variantKeys: readonly string[]): Promise<void> {
    if (variantKeys.length === 0) return;
    await this.em.query(`DELETE FROM overrides WHERE experiment_key = $1 AND variant_key = ANY($2)`, [experiment, variantKeys]);
  }
}
