// createDataSource(config): PostgreSQL through pg, or embedded PGlite; schema from migrations only.

import fs from "node:fs";
import path from "node:path";
import { types as pgliteTypes } from "@electric-sql/pglite";
import { DataSource, type DataSourceOptions } from "typeorm";
import type { DatabaseConfig } from "../config";
import { ENTITIES } from "./entities";
import { MIGRATIONS } from "./migrations";
import { createPGliteSessionDriver } from "./pglite-session-pool";

export interface DataSourceSettings {
  readonly migrationsRun?: boolean;
}

export function dataSourceOptions(database: DatabaseConfig, settings: DataSourceSettings = {}): DataSourceOptions {
  const common = {
    type: "postgres" as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "migrations",
    migrationsRun: settings.migrationsRun ?? false,
    synchronize: false,
    installExtensions: false,
    logging: false,
  };
  if (database.kind === "postgres") {
    // int8 as numbers on both drivers (PGlite gets the same parser below).
    return { ...common, url: database.url, parseInt8: true, poolSize: 10, applicationName: "tessera" };
  }
  if (!database.dir.startsWith("memory://")) fs.mkdirSync(path.dirname(database.dir), { recursive: true });
  const driver = createPGliteSessionDriver({
    dataDir: database.dir,
    parsers: { [pgliteTypes.INT8]: (value: string) => Number(value) },
  });
  return { ...common, driver, poolSize: 1 };
}

export function createDataSource(database: DatabaseConfig, settings: DataSourceSettings = {}): DataSource {
  return new DataSource(dataSourceOptions(database, settings));
}
