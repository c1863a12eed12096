// Flags and their forced decisions: queries and the entity ↔ domain mapping.

import type { EntityManager } from "typeorm";
import type { Flag, FlagRule, ForcedDecision } from "../engine/flag-definition";
import { FlagEntity, ForcedDecisionEntity } from "./entities";

export function flagToDomain(e: FlagEntity): Flag {
  return {
    key: e.key,
    description: e.description,
    services: e.services,
    enabled: e.enabled,
    hashKey: e.hashKey,
    variables: e.variables,
    rules: e.rules,
    archived: e.archived,
    version: e.version,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** A rule as stored: exactly the domain's fields, whatever object the caller built it from. */
const ruleRow = (r: FlagRule): FlagRule => ({
  key: r.key,
  type: r.type,
  experiment: r.experiment,
  audience: r.audience,
  traffic: r.traffic,
  enabled: r.enabled,
  variables: r.variables,
});

function columnsOf(flag: Flag): Partial<FlagEntity> {
  return {
    description: flag.description,
    services: [...flag.services],
    enabled: flag.enabled,
    hashKey: flag.hashKey,
    variables: flag.variables,
    rules: flag.rules.map(ruleRow),
    archived: flag.archived,
    version: flag.version,
  };
}

export class FlagRepository {
  constructor(private readonly em: EntityManager) {}

  async find(key: string): Promise<Flag | null> {
    const row = await this.em.findOne(FlagEntity, { where: { key } });
    return row ? flagToDomain(row) : null;
  }

  /** Sorted by key; only those listing `service` when given (archived ones too). */
  async list(service: string | null): Promise<Flag[]> {
    const qb = this.em.createQueryBuilder(FlagEntity, "f").orderBy("f.key", "ASC");
    if (service) qb.where(":service = ANY(f.services)", { service });
    return (await qb.getMany()).map(flagToDomain);
  }

  async exists(key: string): Promise<boolean> {
    return this.em.exists(FlagEntity, { where: { key } });
  }

  async insert(flag: Flag): Promise<void> {
    await this.em.insert(FlagEntity, { key: flag.key, ...columnsOf(flag) } as object);
  }

  /** Writes every mutable column; `updated_at` is set by TypeORM on every update. */
  async update(flag: Flag): Promise<void> {
    await this.em.update(FlagEntity, { key: flag.key }, columnsOf(flag) as object);
  }

  async upsertForced(forced: ForcedDecision): Promise<void> {
    await this.em.query(
      `INSERT INTO forced_decisions (flag_key, rule_key, actor, variation) VALUES ($1, $2, $3, $4)
       ON CONFLICT (flag_key, rule_key, actor) DO UPDATE SET variation = EXCLUDED.variation`,
      [forced.flag, forced.rule, forced.actor, forced.variation],
    );
  }

  async deleteForced(flag: string, rule: string, actor: string): Promise<boolean> {
    const result = await this.em.delete(ForcedDecisionEntity, { flagKey: flag, ruleKey: rule, actor });
    return (result.affected ?? 0) > 0;
  }

  /** Drops the forced decisions of these rules of `flag` (rules removed, or changed so the variation means something else). */
  async deleteForcedOfRules(flag: string, ruleKeys: readonly string[]): Promise<void> {
    if (ruleKeys.length === 0) return;
    await this.em.query(`DELETE FROM forced_decisions WHERE flag_key = $1 AND rule_key = ANY($2)`, [flag, ruleKeys]);
  }

  /** The forced decisions of these flags (all flags when omitted), by flag, rule and actor. */
  async listForced(flagKeys?: readonly string[]): Promise<ForcedDecision[]> {
    if (flagKeys !== undefined && flagKeys.length === 0) return [];
    const rows: ForcedDecision[] = await this.em.query(
      `SELECT flag_key AS flag, rule_key AS rule, actor, variation FROM forced_decisions
        ${flagKeys === undefined ? "" : "WHERE flag_key = ANY($1)"} ORDER BY flag_key, rule_key, actor`,
      flagKeys === undefined ? [] : [flagKeys],
    );
    return rows.map((r) => ({ flag: r.flag, rule: r.rule, actor: r.actor, variation: r.variation }));
  }
}
