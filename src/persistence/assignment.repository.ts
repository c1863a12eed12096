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

export interface ActorPair {
  readonly experiment: string;
  readonly actor: string;
}

export interface NewAssignment extends ActorPair {
  readonly variant: string;
  readonly vid: number;
  /** The experiment's exclusion group, if any. */
  readonly group: string | null;
}

/** What a batched first-wins write left in the table, per pair asked for. */
export interface BatchWriteOutcome {
  /** Pairs whose row this write inserted. */
  readonly inserted: ActorPair[];
  /** Pairs another writer got to first, with the vid stored. */
  readonly existing: Array<ActorPair & { readonly vid: number }>;
  /** Pairs refused because the actor holds another experiment of the group: which one, with its vid. */
  readonly excluded: Array<ActorPair & { readonly holder: string; readonly vid: number }>;
}

export class AssignmentRepository {
  constructor(private readonly em: EntityManager) {}

  async findAssignment(experiment: string, actor: string): Promise<StoredAssignment | null> {
    const row = await this.em.findOne(AssignmentEntity, { where: { experimentKey: experiment, actor } });
    return row ? toAssignment(row) : null;
  }

  /** The vids stored for many (experiment, actor) pairs, in one query. */
  async findVids(pairs: readonly ActorPair[]): Promise<Array<ActorPair & { vid: number }>> {
    if (pairs.length === 0) return [];
    const rows: Array<{ experiment: string; actor: string; vid: number }> = await this.em.query(
      `SELECT a.experiment_key AS experiment, a.actor, a.vid
         FROM assignments a JOIN unnest($1::text[], $2::text[]) AS p(experiment, actor)
           ON a.experiment_key = p.experiment AND a.actor = p.actor`,
      [pairs.map((p) => p.experiment), pairs.map((p) => p.actor)],
    );
    return rows.map((r) => ({ experiment: r.experiment, actor: r.actor, vid: Number(r.vid) }));
  }

  /**
   * Stores many first assignments in one statement (call inside a transaction); rows already
   * there win. For exclusion groups, advisory locks on "group:actor", taken in sorted order so
   * two writers cannot deadlock, make the group check and the insert atomic across instances;
   * within the batch the first row of a group and actor wins too.
   */
  async insertManyFirstWins(rows: readonly NewAssignment[]): Promise<BatchWriteOutcome> {
    const excluded: Array<ActorPair & { holder: string; vid: number }> = [];
    let writable = rows;
    const grouped = rows.filter((r) => r.group !== null);
    if (grouped.length > 0) {
      const lockKeys = [...new Set(grouped.map((r) => `${r.group}:${r.actor}`))].sort();
      await this.em.query(`SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS ordered`, [lockKeys]);
      const held: Array<{ experiment: string; actor: string; vid: number; grp: string }> = await this.em.query(
        `SELECT a.experiment_key AS experiment, a.actor, a.vid, e.exclusion_group AS grp
           FROM assignments a JOIN experiments e ON e.key = a.experiment_key
          WHERE e.exclusion_group = ANY($1) AND a.actor = ANY($2) AND e.state <> 'ARCHIVED'`,
        [[...new Set(grouped.map((r) => r.group!))], [...new Set(grouped.map((r) => r.actor))]],
      );
      const holderOf = new Map(held.map((h) => [`${h.grp}:${h.actor}`, { holder: h.experiment, vid: Number(h.vid) }]));
      writable = rows.filter((r) => {
        if (r.group === null) return true;
        const holder = holderOf.get(`${r.group}:${r.actor}`);
        if (holder === undefined) {
          holderOf.set(`${r.group}:${r.actor}`, { holder: r.experiment, vid: r.vid });
          return true;
        }
        if (holder.holder === r.experiment) return true; // its own row: the insert below finds it there
        excluded.push({ experiment: r.experiment, actor: r.actor, ...holder });
        return false;
      });
    }
    if (writable.length === 0) return { inserted: [], existing: [], excluded };
    const insertedRows: Array<{ experiment: string; actor: string }> = await this.em.query(
      // Inserted in key order: two writers racing over the same new keys in different orders
      // would otherwise each wait on the other's uncommitted rows (a deadlock, 40P01).
      `INSERT INTO assignments (experiment_key, actor, variant_key, vid)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS r(e, a, v, vid) ORDER BY e, a
       ON CONFLICT (experiment_key, actor) DO NOTHING
       RETURNING experiment_key AS experiment, actor`,
      [writable.map((r) => r.experiment), writable.map((r) => r.actor), writable.map((r) => r.variant), writable.map((r) => r.vid)],
    );
    const isInserted = new Set(insertedRows.map((r) => `${r.experiment}\u0000${r.actor}`));
    const lost = writable.filter((r) => !isInserted.has(`${r.experiment}\u0000${r.actor}`));
    return {
      inserted: insertedRows.map((r) => ({ experiment: r.experiment, actor: r.actor })),
      existing: await this.findVids(lost),
      excluded,
    };
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
