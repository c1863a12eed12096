// `npm run migrate`: applies pending migrations and exits.

import "reflect-metadata";
import { loadConfig } from "../config";
import { createLogger } from "../logger";
import { createDataSource } from "../persistence/data-source";

async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const dataSource = await createDataSource(config.database).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: "each" });
    logger.info({ applied: applied.map((m) => m.name) }, applied.length ? "migrations applied" : "schema is up to date");
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
