// loadConfig(env): the only reader of process.env; typed and validated.

import path from "node:path";
import { ROLES, type Role } from "./services/access-key";

export type DatabaseConfig =
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "pglite"; readonly dir: string }
  /** STORAGE=none: no database at all (file mode only): bucketing, no stored assignments, no exposures. */
  | { readonly kind: "none" };

/** Where the configuration comes from: the database (mutations), or files (SPEC §15 file mode, read-only). */
export type ConfigSource =
  | { readonly kind: "database" }
  /** CONFIG_FILE: one `tessera.config/v1` document. */
  | { readonly kind: "document"; readonly file: string }
  /** LAYERS_DIR + EXPERIMENTS_DIR: the layered system's own files, one JSON object each. */
  | { readonly kind: "layered"; readonly layersDir: string; readonly experimentsDir: string };

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
  /** The PostgreSQL pool's bounds (ignored on the embedded database). */
  readonly postgres: PostgresSettings;
  /**
   * How long decide waits for stored assignments (read or first-wins write) before answering from
   * memory and the actor's slot; 0 = no deadline (the default on the embedded database, which cannot hang).
   */
  readonly stickyTimeoutMs: number;
  /** New assignments held in memory while the database is unreachable, at most; beyond that they are dropped and counted. */
  readonly assignmentQueueMax: number;
  /** Access control (SPEC §13). */
  readonly auth: AuthConfig;
  /** The configuration's source: files make the server read-only (SPEC §15). */
  readonly configSource: ConfigSource;
  /** TRUSTED_DOCUMENTS: the keys of these roles may run only the manifest's documents; null: any document. */
  readonly trustedDocuments: TrustedDocumentsConfig | null;
  /** GET /metrics (SPEC §14). */
  readonly metrics: MetricsConfig;
}

export interface TrustedDocumentsConfig {
  /** A persisted-documents manifest, `{"<id>": "<document text>"}` (graphql-codegen's client preset writes one). */
  readonly file: string;
  /** TRUSTED_DOCUMENTS_ROLES: SDK by default (the keys shipped inside applications); `all` is every role. */
  readonly roles: ReadonlySet<Role>;
}

export interface MetricsConfig {
  /** METRICS=off: nothing is counted or timed and GET /metrics answers 404 (the bench's baseline for their cost). */
  readonly enabled: boolean;
  /** METRICS_PUBLIC=true: GET /metrics needs no key (a scraper inside a private network). */
  readonly public: boolean;
}

export interface AuthConfig {
  /** AUTH=off: no keys checked (only on a loopback HOST). */
  readonly enabled: boolean;
  /** TESSERA_ADMIN_KEY: an ADMIN key named `bootstrap` while set; null when unset. */
  readonly adminKey: string | null;
  /** TESSERA_ADMIN_KEY_RATE_LIMIT: the bootstrap key's requests per second (an ADMIN's 100 by default). */
  readonly adminKeyRateLimit: number;
}

/** TESSERA_ADMIN_KEY's shortest length: a guessable bootstrap key would open everything. */
export const MIN_ADMIN_KEY_CHARS = 32;

/** 127.0.0.0/8, ::1 and localhost: where AUTH=off is allowed (nobody else can connect). */
export const isLoopbackHost = (host: string): boolean => host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

export function authConfig(env: NodeJS.ProcessEnv, host: string): AuthConfig {
  const mode = env.AUTH || "on";
  if (mode !== "on" && mode !== "off") throw new ConfigError(`AUTH must be on or off, got "${mode.slice(0, 20)}"`);
  if (mode === "off" && !isLoopbackHost(host)) {
    throw new ConfigError(`AUTH=off is only allowed when HOST is a loopback address (127.0.0.1, ::1, localhost), not "${host}": anyone who can reach the port could change every experiment`);
  }
  const adminKey = env.TESSERA_ADMIN_KEY || null;
  // The message says how long it is, never what it is.
  if (adminKey !== null && (adminKey.length < MIN_ADMIN_KEY_CHARS || !/^[\x21-\x7e]+$/.test(adminKey))) {
    throw new ConfigError(`TESSERA_ADMIN_KEY must be at least ${MIN_ADMIN_KEY_CHARS} printable characters without spaces (got ${adminKey.length} characters)`);
  }
  return { enabled: mode === "on", adminKey, adminKeyRateLimit: integer(env, "TESSERA_ADMIN_KEY_RATE_LIMIT", 100, 1, 1_000_000) };
}

/** Bounds of every pooled PostgreSQL connection (node-postgres options); 0 = none. */
export interface PostgresSettings {
  /** Getting a connection (pool wait or new connection): past this, UNAVAILABLE. */
  readonly connectTimeoutMs: number;
  /** Server side: a statement running longer is cancelled by PostgreSQL. */
  readonly statementTimeoutMs: number;
  /** Client side: a query the server has not answered by then fails (a hanging server sends no statement timeout). */
  readonly queryTimeoutMs: number;
  /** Server side: a session idle inside a transaction this long is ended, releasing its locks. */
  readonly idleInTransactionTimeoutMs: number;
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

/** 500 ms on PostgreSQL: see README (a healthy sticky read takes milliseconds; an SDK's own timeout is usually 1-2 s). */
export function defaultStickyTimeoutMs(database: DatabaseConfig): number {
  return database.kind === "pglite" ? 0 : 500;
}

export function postgresSettings(env: NodeJS.ProcessEnv = {}): PostgresSettings {
  const statementTimeoutMs = integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 30_000, 0, 3_600_000);
  return {
    connectTimeoutMs: integer(env, "DATABASE_CONNECT_TIMEOUT_MS", 5_000, 0, 600_000),
    statementTimeoutMs,
    // Past the statement timeout, so the server's own cancellation (a clear error) comes first.
    queryTimeoutMs: integer(env, "DATABASE_QUERY_TIMEOUT_MS", statementTimeoutMs === 0 ? 0 : statementTimeoutMs + 5_000, 0, 3_600_000),
    idleInTransactionTimeoutMs: integer(env, "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 30_000, 0, 3_600_000),
  };
}

/** CONFIG_FILE, or LAYERS_DIR with EXPERIMENTS_DIR, or neither (the database holds the configuration). */
export function configSource(env: NodeJS.ProcessEnv): ConfigSource {
  const file = env.CONFIG_FILE || null;
  const layers = env.LAYERS_DIR || null;
  const experiments = env.EXPERIMENTS_DIR || null;
  if (file !== null && (layers !== null || experiments !== null)) {
    throw new ConfigError("CONFIG_FILE and LAYERS_DIR/EXPERIMENTS_DIR are two file modes: set one of them");
  }
  if (file !== null) return { kind: "document", file: path.resolve(file) };
  if ((layers === null) !== (experiments === null)) {
    throw new ConfigError(`file mode with the layered system's files needs both LAYERS_DIR and EXPERIMENTS_DIR (${layers === null ? "LAYERS_DIR" : "EXPERIMENTS_DIR"} is not set)`);
  }
  if (layers !== null && experiments !== null) return { kind: "layered", layersDir: path.resolve(layers), experimentsDir: path.resolve(experiments) };
  return { kind: "database" };
}

/** TRUSTED_DOCUMENTS=path, with TRUSTED_DOCUMENTS_ROLES a comma-separated list of roles or `all`. */
export function trustedDocumentsConfig(env: NodeJS.ProcessEnv): TrustedDocumentsConfig | null {
  const file = env.TRUSTED_DOCUMENTS || null;
  const raw = env.TRUSTED_DOCUMENTS_ROLES || null;
  if (file === null) {
    if (raw !== null) throw new ConfigError("TRUSTED_DOCUMENTS_ROLES needs TRUSTED_DOCUMENTS (the manifest of persisted documents)");
    return null;
  }
  if (raw === null) return { file: path.resolve(file), roles: new Set<Role>(["SDK"]) };
  if (raw.trim().toLowerCase() === "all") return { file: path.resolve(file), roles: new Set<Role>(ROLES) };
  const roles = new Set<Role>();
  for (const part of raw.split(",")) {
    const role = part.trim().toUpperCase();
    if (!(ROLES as readonly string[]).includes(role)) throw new ConfigError(`TRUSTED_DOCUMENTS_ROLES must be "all" or a comma-separated list of ${ROLES.join(", ")}, got "${part.trim().slice(0, 20)}"`);
    roles.add(role as Role);
  }
  return { file: path.resolve(file), roles };
}

function databaseConfig(env: NodeJS.ProcessEnv, source: ConfigSource): DatabaseConfig {
  const storage = env.STORAGE || "database";
  if (storage !== "database" && storage !== "none") throw new ConfigError(`STORAGE must be database or none, got "${storage.slice(0, 20)}"`);
  const url = env.DATABASE_URL;
  if (storage === "none") {
    if (source.kind === "database") {
      throw new ConfigError("STORAGE=none runs without a database, so the configuration must come from files: set CONFIG_FILE, or LAYERS_DIR and EXPERIMENTS_DIR");
    }
    if (url) throw new ConfigError("STORAGE=none runs without a database: DATABASE_URL must not be set with it");
    return { kind: "none" };
  }
  if (url !== undefined && url !== "" && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const pgliteDir = env.PGLITE_DIR || "./data/pglite";
  return url ? { kind: "postgres", url } : { kind: "pglite", dir: pgliteDir.startsWith("memory://") ? pgliteDir : path.resolve(pgliteDir) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const source = configSource(env);
  const database = databaseConfig(env, source);
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const host = env.HOST || "127.0.0.1";
  const auth = authConfig(env, host);
  // Keys live in the database: without one, the bootstrap key is the only key there can be.
  if (database.kind === "none" && auth.enabled && auth.adminKey === null) {
    throw new ConfigError("STORAGE=none keeps no API keys: set TESSERA_ADMIN_KEY (the one key, ADMIN), or AUTH=off on a loopback HOST");
  }
  return {
    port: integer(env, "PORT", 4000, 0, 65535),
    host,
    database,
    migrate: boolean(env, "MIGRATE", true),
    logLevel,
    production: env.NODE_ENV === "production",
    exposureFlushMs: integer(env, "EXPOSURE_FLUSH_MS", 200, 1, 60_000),
    stickyMissTtlMs: integer(env, "STICKY_MISS_TTL_MS", defaultStickyMissTtlMs(database), 0, 60_000),
    configReconcileMs: integer(env, "CONFIG_RECONCILE_MS", 30_000, 100, 3_600_000),
    configCacheFile: env.CONFIG_CACHE_FILE ? path.resolve(env.CONFIG_CACHE_FILE) : null,
    subscriberQueueMax: integer(env, "SUBSCRIBER_QUEUE_MAX", DEFAULT_SUBSCRIBER_QUEUE_MAX, 1, 1_000_000),
    postgres: postgresSettings(env),
    stickyTimeoutMs: integer(env, "STICKY_TIMEOUT_MS", defaultStickyTimeoutMs(database), 0, 60_000),
    assignmentQueueMax: integer(env, "ASSIGNMENT_QUEUE_MAX", 100_000, 0, 10_000_000),
    auth,
    configSource: source,
    trustedDocuments: trustedDocumentsConfig(env),
    metrics: metricsConfig(env),
  };
}

export function metricsConfig(env: NodeJS.ProcessEnv): MetricsConfig {
  const mode = env.METRICS || "on";
  if (mode !== "on" && mode !== "off") throw new ConfigError(`METRICS must be on or off, got "${mode.slice(0, 20)}"`);
  return { enabled: mode === "on", public: boolean(env, "METRICS_PUBLIC", false) };
}
