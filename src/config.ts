// loadConfig(env): the only reader of process.env; typed and validated.

import path from "node:path";

export type DatabaseConfig =
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "pglite"; readonly dir: string };

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly migrate: boolean;
  readonly logLevel: string;
  readonly production: boolean;
  /** How long exposures may wait in memory before a batched insert. */
  readonly exposureFlushMs: number;
  /**
   * How long "no stored assignment" is believed without asking the database again (0 = always ask).
   * Infinity by default on the embedded database, which no other process can write to.
   */
  readonly stickyMissTtlMs: number;
  /** How often the configuration version is compared with the database's, in case a notification was lost. */
  readonly configReconcileMs: number;
  /** Where the configuration is cached for cold starts without the database; null: not cached. */
  readonly configCacheFile: string | null;
  /**
   * How many live changes may wait for one subscriber before it is judged too slow and its socket
   * closed (SPEC §10: it resubscribes with `since`, so nothing is lost and memory stays bounded).
   */
  readonly subscriberQueueMax: number;
}

export const DEFAULT_SUBSCRIBER_QUEUE_MAX = 1_000;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Forever on the embedded database, which no other process can write to; 1 s where other instances may. */
export function defaultStickyMissTtlMs(database: DatabaseConfig): number {
  return database.kind === "pglite" ? Infinity : 1_000;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== "" && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const pgliteDir = env.PGLITE_DIR || "./data/pglite";
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const database: DatabaseConfig = url
    ? { kind: "postgres", url }
    : { kind: "pglite", dir: pgliteDir.startsWith("memory://") ? pgliteDir : path.resolve(pgliteDir) };
  return {
    port: integer(env, "PORT", 4000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    database,
    migrate: boolean(env, "MIGRATE", true),
    logLevel,
    production: env.NODE_ENV === "production",
    exposureFlushMs: integer(env, "EXPOSURE_FLUSH_MS", 200, 1, 60_000),
    stickyMissTtlMs: integer(env, "STICKY_MISS_TTL_MS", defaultStickyMissTtlMs(database), 0, 60_000),
    configReconcileMs: integer(env, "CONFIG_RECONCILE_MS", 30_000, 100, 3_600_000),
    configCacheFile: env.CONFIG_CACHE_FILE ? path.resolve(env.CONFIG_CACHE_FILE) : null,
    subscriberQueueMax: integer(env, "SUBSCRIBER_QUEUE_MAX", DEFAULT_SUBSCRIBER_QUEUE_MAX, 1, 1_000_000),
  };
}
