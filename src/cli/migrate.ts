// `npm run migrate`: applies pending migrations and exits.

import "reflect-metadata";
import { loadConfig } from "../config";
import { createLogger } from "../logger";
import { createDataSource } from "../persistence/data-source";
import { applyMigrations } from "../persistence/migrations";

async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const dataSource = await createDataSource(config.database, { postgres: config.postgres, logger }).initialize();
  try {
    await applyMigrations(dataSource, logger, config.database);
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
