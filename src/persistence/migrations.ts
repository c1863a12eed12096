// Every migration, in order, listed explicitly (no globs: ts-node, Jest and dist/ agree).

import type { DataSource } from "typeorm";
import { Initial1763700000000 } from "../../migrations/1763700000000-Initial";
import { ConfigChanges1764400000000 } from "../../migrations/1764400000000-ConfigChanges";
import type { Logger } from "../logger";

export const MIGRATIONS = [Initial1763700000000, ConfigChanges1764400000000];

/** Applies the pending migrations, each in its own transaction, and logs which ran. */
export async function applyMigrations(dataSource: DataSource, logger: Logger): Promise<void> {
  const applied = await dataSource.runMigrations({ transaction: "each" });
  logger.info({ applied: applied.map((m) => m.name) }, applied.length > 0 ? "migrations applied" : "schema is up to date");
}
