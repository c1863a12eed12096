// The real server over HTTP on a free loopback port, on a test database of its own.

import { randomBytes } from "node:crypto";
import { type App, createApp } from "../../src/app";
import { type AppConfig, DEFAULT_SUBSCRIBER_QUEUE_MAX, defaultStickyMissTtlMs, defaultStickyTimeoutMs, postgresSettings } from "../../src/config";
import { createLogger, type Logger } from "../../src/logger";
import { createTestDatabase, type TestDatabase } from "./test-database";

/** The tests' ADMIN key (TESSERA_ADMIN_KEY of every test server): made fresh for each test process. */
export const TEST_ADMIN_KEY = `tsk_test_${randomBytes(24).toString("base64url")}`;
export const ADMIN_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface GqlResponse<T = Record<string, any>> {
  readonly status: number;
  readonly data: T;
  readonly errors?: Array<{ message: string; path?: string[]; extensions: { code: string; field?: string; [k: string]: unknown } }>;
}

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly database: TestDatabase;
  /** Sent with the tests' ADMIN key unless `headers` carries an authorization of its own (`""`: none). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** Stops the app; the database stays (for restart tests) until `drop`. */
  stop(): Promise<void>;
  /** Stops the app and drops its database. */
  close(): Promise<void>;
}

/** The ADMIN key unless the headers name one; an empty authorization sends none. */
export function withAuthorization(headers: Record<string, string>): Record<string, string> {
  if (headers.authorization === undefined) return { ...ADMIN_HEADERS, ...headers };
  const { authorization, ...rest } = headers;
  return authorization === "" ? rest : headers;
}

export function testConfig(database: TestDatabase, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    host: "127.0.0.1",
    database: database.config,
    migrate: true,
    logLevel: "silent",
    production: false,
    exposureFlushMs: 50,
    stickyMissTtlMs: defaultStickyMissTtlMs(database.config),
    configReconcileMs: 30_000,
    configCacheFile: null,
    subscriberQueueMax: DEFAULT_SUBSCRIBER_QUEUE_MAX,
    postgres: postgresSettings(),
    stickyTimeoutMs: defaultStickyTimeoutMs(database.config),
    assignmentQueueMax: 100_000,
    // The suite drives whole batches and concurrent storms through this key: limits are tested with keys of their own.
    auth: { enabled: true, adminKey: TEST_ADMIN_KEY, adminKeyRateLimit: 1_000_000 },
    configSource: { kind: "database" },
    trustedDocuments: null,
    metrics: { enabled: true, public: false },
    ...overrides,
  };
}

export interface TestServerOptions {
  database?: TestDatabase;
  pgliteDir?: string;
  /** The app reaches its database at this URL instead (a proxy in front of it, say); the test still reaches it directly. */
  databaseUrl?: string;
  /** Settings other than the defaults of testConfig. */
  config?: Partial<AppConfig>;
  /** Where the app logs (TEST_LOG_LEVEL on stdout by default). */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase({ pgliteDir: options.pgliteDir }));
  const base = testConfig(database);
  const config: AppConfig = {
    ...base,
    ...options.config,
    database: options.databaseUrl === undefined ? base.database : { kind: "postgres", url: options.databaseUrl },
  };
  const app = await createApp(config, options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? "silent"));
  const address = await app.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}/graphql`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    url,
    app,
    database,
    async gql(query, variables = {}, headers = {}) {
      const res = await fetch(url, {
        method: "POST",
        headers: withAuthorization({ "content-type": "application/json", ...headers }),
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return { status: res.status, data: body.data, errors: body.errors };
    },
    stop,
    async close() {
      await stop();
      await database.drop();
    },
  };
}
