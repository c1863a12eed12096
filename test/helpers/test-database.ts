// A database of its own for each test file: a fresh PostgreSQL database when DATABASE_URL
// is set (CI runs the suite both ways), else an embedded PGlite (in memory, or a directory).

import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DatabaseConfig } from "../../src/config";

export const ON_POSTGRES = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  readonly config: DatabaseConfig;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  return connected(process.env.DATABASE_URL!, work);
}

/** Runs `work` with a direct connection to a test file's own PostgreSQL database. */
export async function withPg<T>(database: TestDatabase, work: (client: Client) => Promise<T>): Promise<T> {
  if (database.config.kind !== "postgres") throw new Error("withPg needs PostgreSQL");
  return connected(database.config.url, work);
}

/** Runs `work` with a connection of its own to `url`, closed after. */
export async function connected<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** PGlite: `dir` keeps the data on disk (restart tests); default in memory. */
export async function createTestDatabase(options: { pgliteDir?: string } = {}): Promise<TestDatabase> {
  if (!ON_POSTGRES) {
    return { config: { kind: "pglite", dir: options.pgliteDir ?? "memory://" }, drop: async () => {} };
  }
  const name = `tessera_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    config: { kind: "postgres", url: url.toString() },
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** The environment that points a server process (`src/main.ts`) at `config`, and at nothing else. */
export function databaseEnv(config: DatabaseConfig): NodeJS.ProcessEnv {
  if (config.kind === "none") return { DATABASE_URL: undefined, STORAGE: "none" };
  return config.kind === "postgres" ? { DATABASE_URL: config.url } : { DATABASE_URL: undefined, PGLITE_DIR: config.dir };
}
