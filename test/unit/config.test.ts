// loadConfig: defaults, and a clear ConfigError for every malformed variable.

import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";

it("defaults to PGlite under ./data/pglite on 127.0.0.1:4000 with migrations on", () => {
  expect(loadConfig({})).toEqual({
    port: 4000,
    host: "127.0.0.1",
    database: { kind: "pglite", dir: path.resolve("./data/pglite") },
    migrate: true,
    logLevel: "info",
    production: false,
    exposureFlushMs: 200,
    // The embedded database has no other writer: "no stored assignment" stays true until this process writes one.
    stickyMissTtlMs: Infinity,
    configReconcileMs: 30_000,
    configCacheFile: null,
    subscriberQueueMax: 1_000,
    postgres: { connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, queryTimeoutMs: 35_000, idleInTransactionTimeoutMs: 30_000 },
    // The embedded database cannot hang: decide waits for it as long as it takes.
    stickyTimeoutMs: 0,
    assignmentQueueMax: 100_000,
    // Keys are checked by default; no bootstrap key unless TESSERA_ADMIN_KEY says one.
    auth: { enabled: true, adminKey: null, adminKeyRateLimit: 100 },
    configSource: { kind: "database" },
    trustedDocuments: null,
    // Metrics on, behind a key of any role.
    metrics: { enabled: true, public: false },
  });
});

it("TRUSTED_DOCUMENTS: SDK keys by default, TRUSTED_DOCUMENTS_ROLES a list of roles or all", () => {
  const file = path.resolve("client/src/generated/persisted-documents.json");
  expect(loadConfig({ TRUSTED_DOCUMENTS: "client/src/generated/persisted-documents.json" }).trustedDocuments).toEqual({ file, roles: new Set(["SDK"]) });
  expect(loadConfig({ TRUSTED_DOCUMENTS: file, TRUSTED_DOCUMENTS_ROLES: "sdk, VIEWER" }).trustedDocuments).toEqual({ file, roles: new Set(["SDK", "VIEWER"]) });
  expect(loadConfig({ TRUSTED_DOCUMENTS: file, TRUSTED_DOCUMENTS_ROLES: "all" }).trustedDocuments).toEqual({ file, roles: new Set(["ADMIN", "DEVELOPER", "VIEWER", "SDK"]) });
  expect(() => loadConfig({ TRUSTED_DOCUMENTS: file, TRUSTED_DOCUMENTS_ROLES: "SDK,ROOT" })).toThrow(/TRUSTED_DOCUMENTS_ROLES.*"ROOT"/);
  expect(() => loadConfig({ TRUSTED_DOCUMENTS_ROLES: "all" })).toThrow(/needs TRUSTED_DOCUMENTS/);
});

it("METRICS on or off, METRICS_PUBLIC true or false", () => {
  expect(loadConfig({ METRICS: "off", METRICS_PUBLIC: "true" }).metrics).toEqual({ enabled: false, public: true });
  expect(() => loadConfig({ METRICS: "no" })).toThrow(/METRICS must be on or off/);
  expect(() => loadConfig({ METRICS_PUBLIC: "yes" })).toThrow(/METRICS_PUBLIC must be true or false/);
});

it("file mode: CONFIG_FILE, or LAYERS_DIR with EXPERIMENTS_DIR; STORAGE=none only with files and without DATABASE_URL", () => {
  expect(loadConfig({ CONFIG_FILE: "t.json" }).configSource).toEqual({ kind: "document", file: path.resolve("t.json") });
  expect(loadConfig({ LAYERS_DIR: "l", EXPERIMENTS_DIR: "e" }).configSource).toEqual({ kind: "layered", layersDir: path.resolve("l"), experimentsDir: path.resolve("e") });
  expect(() => loadConfig({ LAYERS_DIR: "l" })).toThrow(/needs both LAYERS_DIR and EXPERIMENTS_DIR \(EXPERIMENTS_DIR is not set\)/);
  expect(() => loadConfig({ CONFIG_FILE: "t.json", LAYERS_DIR: "l", EXPERIMENTS_DIR: "e" })).toThrow(/set one of them/);
  expect(loadConfig({ CONFIG_FILE: "t.json", STORAGE: "none", AUTH: "off" }).database).toEqual({ kind: "none" });
  expect(loadConfig({ CONFIG_FILE: "t.json", STORAGE: "none", TESSERA_ADMIN_KEY: "k".repeat(32) }).database).toEqual({ kind: "none" });
  expect(() => loadConfig({ CONFIG_FILE: "t.json", STORAGE: "none" })).toThrow(/STORAGE=none keeps no API keys: set TESSERA_ADMIN_KEY/);
  expect(() => loadConfig({ STORAGE: "none" })).toThrow(/STORAGE=none runs without a database, so the configuration must come from files/);
  expect(() => loadConfig({ STORAGE: "none", CONFIG_FILE: "t.json", DATABASE_URL: "postgres://h/db" })).toThrow(/DATABASE_URL must not be set/);
  expect(() => loadConfig({ STORAGE: "sqlite" })).toThrow(/STORAGE must be database or none/);
});

it("AUTH=off only on a loopback HOST; TESSERA_ADMIN_KEY at least 32 printable characters, never echoed", () => {
  expect(loadConfig({ AUTH: "off" }).auth).toEqual({ enabled: false, adminKey: null, adminKeyRateLimit: 100 });
  for (const host of ["127.0.0.1", "127.8.9.10", "::1", "localhost"]) expect(loadConfig({ AUTH: "off", HOST: host }).auth.enabled).toBe(false);
  for (const host of ["0.0.0.0", "10.0.0.5", "::", "example.com", "127.0.0.1.example.com"]) {
    expect(() => loadConfig({ AUTH: "off", HOST: host })).toThrow(/AUTH=off is only allowed when HOST is a loopback address/);
  }
  expect(() => loadConfig({ AUTH: "maybe" })).toThrow(/AUTH must be on or off/);
  const secret = "s".repeat(31);
  expect(() => loadConfig({ TESSERA_ADMIN_KEY: secret })).toThrow(/at least 32 printable characters .*got 31 characters/);
  expect(() => loadConfig({ TESSERA_ADMIN_KEY: secret })).not.toThrow(new RegExp(secret));
  expect(() => loadConfig({ TESSERA_ADMIN_KEY: `${secret} x` })).toThrow(/without spaces/);
  expect(loadConfig({ TESSERA_ADMIN_KEY: "k".repeat(32) }).auth).toEqual({ enabled: true, adminKey: "k".repeat(32), adminKeyRateLimit: 100 });
});

it("bounds every wait on PostgreSQL: decide's sticky deadline, the pool's timeouts, the queue", () => {
  const url = { DATABASE_URL: "postgres://u@h:5432/db" };
  expect(loadConfig(url)).toMatchObject({ stickyTimeoutMs: 500, assignmentQueueMax: 100_000 });
  const c = loadConfig({
    ...url,
    STICKY_TIMEOUT_MS: "250",
    ASSIGNMENT_QUEUE_MAX: "10",
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_STATEMENT_TIMEOUT_MS: "2000",
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: "3000",
  });
  expect(c).toMatchObject({ stickyTimeoutMs: 250, assignmentQueueMax: 10 });
  // The client-side query timeout follows the server-side statement timeout, 5 s later, unless set.
  expect(c.postgres).toEqual({ connectTimeoutMs: 1_000, statementTimeoutMs: 2_000, queryTimeoutMs: 7_000, idleInTransactionTimeoutMs: 3_000 });
  expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: "0" }).postgres.queryTimeoutMs).toBe(0);
  expect(loadConfig({ DATABASE_QUERY_TIMEOUT_MS: "900" }).postgres.queryTimeoutMs).toBe(900);
});

it("reads DATABASE_URL, PGLITE_DIR memory://, MIGRATE, NODE_ENV and PORT", () => {
  expect(loadConfig({ DATABASE_URL: "postgres://u@h:5432/db" }).database).toEqual({ kind: "postgres", url: "postgres://u@h:5432/db" });
  expect(loadConfig({ PGLITE_DIR: "memory://" }).database).toEqual({ kind: "pglite", dir: "memory://" });
  const c = loadConfig({ MIGRATE: "false", NODE_ENV: "production", PORT: "0", LOG_LEVEL: "warn" });
  expect(c).toMatchObject({ migrate: false, production: true, port: 0, logLevel: "warn" });
  expect(loadConfig({ STICKY_MISS_TTL_MS: "0" }).stickyMissTtlMs).toBe(0);
  expect(loadConfig({ DATABASE_URL: "postgres://u@h:5432/db" }).stickyMissTtlMs).toBe(1_000);
  expect(loadConfig({ DATABASE_URL: "postgres://u@h:5432/db", STICKY_MISS_TTL_MS: "250" }).stickyMissTtlMs).toBe(250);
  expect(loadConfig({ CONFIG_CACHE_FILE: "cache/tessera.json", CONFIG_RECONCILE_MS: "500" })).toMatchObject({
    configCacheFile: path.resolve("cache/tessera.json"),
    configReconcileMs: 500,
  });
  expect(loadConfig({ SUBSCRIBER_QUEUE_MAX: "25" }).subscriberQueueMax).toBe(25);
});

it.each([
  [{ PORT: "http" }, "PORT"],
  [{ PORT: "70000" }, "PORT"],
  [{ PORT: "1.5" }, "PORT"],
  [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
  [{ MIGRATE: "maybe" }, "MIGRATE"],
  [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
  [{ EXPOSURE_FLUSH_MS: "0" }, "EXPOSURE_FLUSH_MS"],
  [{ STICKY_MISS_TTL_MS: "-1" }, "STICKY_MISS_TTL_MS"],
  [{ CONFIG_RECONCILE_MS: "10" }, "CONFIG_RECONCILE_MS"],
  [{ SUBSCRIBER_QUEUE_MAX: "0" }, "SUBSCRIBER_QUEUE_MAX"],
  [{ STICKY_TIMEOUT_MS: "soon" }, "STICKY_TIMEOUT_MS"],
  [{ ASSIGNMENT_QUEUE_MAX: "-5" }, "ASSIGNMENT_QUEUE_MAX"],
  [{ DATABASE_CONNECT_TIMEOUT_MS: "1.5" }, "DATABASE_CONNECT_TIMEOUT_MS"],
  [{ DATABASE_STATEMENT_TIMEOUT_MS: "-1" }, "DATABASE_STATEMENT_TIMEOUT_MS"],
  [{ DATABASE_QUERY_TIMEOUT_MS: "x" }, "DATABASE_QUERY_TIMEOUT_MS"],
  [{ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: "-2" }, "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"],
])("%j is a ConfigError naming %s", (env, name) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(name);
});
