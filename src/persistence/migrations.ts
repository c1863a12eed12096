// Every migration, in order, listed explicitly (no globs: ts-node, Jest and dist/ agree).

import type { DataSource } from "typeorm";
import { Initial1763700000000 } from "../../migrations/1763700000000-Initial";
import { ConfigChanges1764400000000 } from "../../migrations/1764400000000-ConfigChanges";
import { ApiKeys1764600000000 } from "../../migrations/1764600000000-ApiKeys";
import { Flags1764700000000 } from "../../migrations/1764700000000-Flags";
import type { DatabaseConfig } from "../config";
import type { Logger } from "../logger";

export const MIGRATIONS = [Initial1763700000000, ConfigChanges1764400000000, ApiKeys1764600000000, Flags1764700000000];

/** Held (session-level) while one instance migrates: instances started together take turns. */
const MIGRATION_LOCK = "7465346826171939618";

/**
 * Applies the pending migrations, each in its own transaction, and logs which ran. On PostgreSQL
 * several instances may start at once on a new database: an advisory lock makes the others wait,
 * then find nothing pending (TypeORM's runner takes no lock of its own). PGlite has one session
 * and one process: nothing to wait for, and a held connection would block the migrations.
 */
export async function applyMigrations(dataSource: DataSource, logger: Logger, database: DatabaseConfig): Promise<void> {
  const holder = database.kind === "postgres" ? dataSource.createQueryRunner() : null;
  try {
    await holder?.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK}::bigint)`);
    const applied = await dataSource.runMigrations({ transaction: "each" });
    logger.info({ applied: applied.map((m) => m.name) }, applied.length > 0 ? "migrations applied" : "schema is up to date");
  } finally {
    if (holder) {
      await holder.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK}::bigint)`).catch(() => undefined);
      await holder.release();
    }
  }
}
