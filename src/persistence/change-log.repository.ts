// The configuration version and the change records written with every configuration change.

import type { EntityManager } from "typeorm";
import { Like, Not } from "typeorm";
import { ChangeRecordEntity } from "./entities";

export interface ChangeRecord {
  readonly key: string;
  readonly mutation: string;
  readonly actor: string | null;
  /** The name of the API key the change was made with; null with AUTH=off. */
  readonly apiKey: string | null;
  readonly at: Date;
  readonly configVersion: number;
}

/**
 * An advisory lock every configuration change holds exclusively until it commits, and decide's
 * first-wins writes hold shared: a write waits for a change being committed, then sees its version,
 * so no assignment is stored under a configuration that is no longer current. Outside the int4
 * range of the hashtext() keys the exclusion-group locks use, so the two never collide.
 */
const CONFIG_WRITE_LOCK = "7465346826171939617";

export class ChangeLogRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Increases the configuration version. The row lock it takes serializes every
   * configuration write, so checks made after it see all earlier changes.
   */
  async bumpVersion(): Promise<number> {
    await this.em.query(`SELECT pg_advisory_xact_lock(${CONFIG_WRITE_LOCK}::bigint)`);
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
    const rows: Array<{ version: number }> = await this.em.query(
      `WITH bumped AS (UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version) SELECT version FROM bumped`,
    );
    return Number(rows[0]!.version);
  }

  /**
   * The current version, read after taking the change lock shared (two statements: a statement
   * that waited for the lock would still read with the snapshot it started with).
   */
  async versionHeldShared(): Promise<number> {
    await this.em.query(`SELECT pg_advisory_xact_lock_shared(${CONFIG_WRITE_LOCK}::bigint)`);
    return this.currentVersion();
  }

  async currentVersion(): Promise<number> {
    const rows: Array<{ version: number }> = await this.em.query(`SELECT version FROM config_version WHERE id = 1`);
    return Number(rows[0]?.version ?? 0);
  }

  async append(record: Omit<ChangeRecord, "at">): Promise<void> {
    await this.em.insert(ChangeRecordEntity, {
      subjectKey: record.key,
      mutation: record.mutation,
      actor: record.actor,
      apiKey: record.apiKey,
      configVersion: record.configVersion,
    });
  }

  /** Newest first; limit 0 means all; without `keysVisible`, an API key's records are left out. */
  async history(key: string, limit: number, keysVisible = true): Promise<ChangeRecord[]> {
    const rows = await this.em.find(ChangeRecordEntity, {
      where: keysVisible ? { subjectKey: key } : { subjectKey: key, mutation: Not(Like("api_key_%")) },
      order: { id: "DESC" },
      ...(limit > 0 ? { take: limit } : {}),
    });
    return rows.map((r) => ({ key: r.subjectKey, mutation: r.mutation, actor: r.actor, apiKey: r.apiKey, at: r.at, configVersion: r.configVersion }));
  }
}
