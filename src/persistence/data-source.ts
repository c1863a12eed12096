// createDataSource(config): PostgreSQL through pg, or embedded PGlite; schema from migrations only.

import fs from "node:fs";
import path from "node:path";
import { types as pgliteTypes } from "@electric-sql/pglite";
import pg from "pg";
import { DataSource, type DataSourceOptions } from "typeorm";
import { type DatabaseConfig, type PostgresSettings, postgresSettings } from "../config";
import type { Logger } from "../logger";
import { ENTITIES } from "./entities";
import { MIGRATIONS } from "./migrations";
import { createPGliteSessionDriver } from "./pglite-session-pool";

export interface DataSourceSettings {
  readonly migrationsRun?: boolean;
  /** Pool bounds on PostgreSQL; loadConfig's defaults when absent. */
  readonly postgres?: PostgresSettings;
  /** Where pool errors (an idle connection that died) are logged; TypeORM's silent logger when absent. */
  readonly logger?: Logger;
}

/**
 * pg's Pool, except that a connection given back while a query is still outstanding on it is
 * closed instead of reused. That happens after `query_timeout`: pg reports the timeout but the
 * connection still waits for the server's answer, so every later query on it would queue behind
 * the one that hangs (node-postgres issue 3399). Closing it also rolls back its transaction.
 */
class ServerPool extends pg.Pool {
  constructor(options?: pg.PoolConfig) {
    super(options);
    this.on("release", (error: Error | undefined, client: pg.PoolClient) => {
      if (error === undefined && (client as unknown as { readyForQuery?: boolean }).readyForQuery === false) void client.end().catch(() => {});
    });
  }
}

/** The pg module as TypeORM's `driver` option, with the pool above. */
const PG_DRIVER: typeof pg = Object.create(pg, { Pool: { value: ServerPool } });

/** Whether the data source talks to a PostgreSQL server through pg's pool (not the embedded, single-session PGlite). */
export const isServerPool = (dataSource: DataSource): boolean => (dataSource.options as { driver?: unknown }).driver === PG_DRIVER;

/** The pg options node-postgres documents for a server: every wait bounded, dead peers found. */
function poolOptions(settings: PostgresSettings) {
  const optional = (ms: number) => (ms > 0 ? ms : undefined);
  return {
    statement_timeout: optional(settings.statementTimeoutMs),
    query_timeout: optional(settings.queryTimeoutMs),
    idle_in_transaction_session_timeout: optional(settings.idleInTransactionTimeoutMs),
    // TCP keepalive: a peer gone without a word (a host down, a NAT entry dropped) is noticed.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
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
    const bounds = settings.postgres ?? postgresSettings();
    const logger = settings.logger;
    return {
      ...common,
      url: database.url,
      driver: PG_DRIVER,
      // int8 as numbers on both drivers (PGlite gets the same parser below).
      parseInt8: true,
      poolSize: 10,
      applicationName: "tessera",
      connectTimeoutMS: bounds.connectTimeoutMs > 0 ? bounds.connectTimeoutMs : undefined,
      extra: poolOptions(bounds),
      // An idle connection that dies (the server restarted, a backend terminated) is an event on the
      // pool: without a listener it would end the process. The pool has already dropped it.
      // Logged without the error's `client` (pg-pool attaches the whole connection to it).
      ...(logger ? { poolErrorHandler: (error: Error & { code?: string }) => logger.warn({ error: error.message, code: error.code }, "an idle database connection failed; the pool dropped it") } : {}),
    };
  }
  if (database.kind === "none") throw new Error("STORAGE=none: there is no database to connect to");
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
