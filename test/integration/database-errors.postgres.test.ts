// The pool's bounds on a real PostgreSQL: every timeout ends in UNAVAILABLE, and a connection that
// hangs or was cut is closed and leaves the pool instead of being handed out again.

import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { type PostgresSettings, postgresSettings } from "../../src/config";
import { createDataSource } from "../../src/persistence/data-source";
import { Database } from "../../src/persistence/database";
import { waitUntil } from "../helpers/outage";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database";

let database: TestDatabase;
let proxy: TcpProxy;
const opened: DataSource[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  const direct = new URL((database.config as { url: string }).url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
});
afterEach(async () => {
  await proxy.setMode("pass");
  for (const ds of opened.splice(0)) if (ds.isInitialized) await ds.destroy();
});
afterAll(async () => {
  await proxy.close();
  await database.drop();
});

/** A Database reaching the test database through the proxy, with these bounds. */
async function throughProxy(bounds: Partial<PostgresSettings>): Promise<{ db: Database; pool: Pool }> {
  const url = proxy.urlFor((database.config as { url: string }).url);
  const ds = createDataSource({ kind: "postgres", url }, { postgres: { ...postgresSettings(), ...bounds } });
  opened.push(ds);
  await ds.initialize();
  return { db: new Database(ds), pool: (ds.driver as unknown as { master: Pool }).master };
}

const failure = (work: Promise<unknown>) => work.then(() => null, (e: unknown) => e);

it("a transaction whose server stops answering is UNAVAILABLE after query_timeout; its connection leaves the pool", async () => {
  const { db, pool } = await throughProxy({ connectTimeoutMs: 500, queryTimeoutMs: 800 });
  await db.transaction((em) => em.query("SELECT 1"));
  expect(pool.totalCount).toBe(1);
  await proxy.setMode("hang");
  expect(await failure(db.transaction((em) => em.query("SELECT 1")))).toMatchObject({ code: "UNAVAILABLE" });
  // Handed out again, it would queue every later query behind the one that hangs.
  expect(pool.totalCount).toBe(0);
  // A new connection cannot be made either: the pool's connect timeout.
  expect(await failure(db.read((em) => em.query("SELECT 1")))).toMatchObject({ code: "UNAVAILABLE" });
  await proxy.setMode("pass");
  expect(await db.read((em) => em.query("SELECT 1 AS one"))).toEqual([{ one: 1 }]);
});

it("a read outside a transaction timed out by query_timeout does not poison the pool", async () => {
  const { db, pool } = await throughProxy({ connectTimeoutMs: 500, queryTimeoutMs: 800 });
  await db.read((em) => em.query("SELECT 1"));
  await proxy.setMode("hang");
  expect(await failure(db.read((em) => em.query("SELECT 1")))).toMatchObject({ code: "UNAVAILABLE", details: { cause: "Query read timeout" } });
  await waitUntil("the stalled connection to leave the pool", () => pool.totalCount === 0, 5_000);
  await proxy.setMode("pass");
  expect(await db.read((em) => em.query("SELECT 2 AS two"))).toEqual([{ two: 2 }]);
});

it("withDeadline gives up with UNAVAILABLE and closes the connection it was waiting on", async () => {
  const { db, pool } = await throughProxy({});
  await db.read((em) => em.query("SELECT 1"));
  await proxy.setMode("hang");
  expect(await failure(db.withDeadline(200, (em) => em.query("SELECT 1"), { transaction: true }))).toMatchObject({ code: "UNAVAILABLE" });
  await waitUntil("the abandoned connection to leave the pool", () => pool.totalCount === 0, 5_000);
  expect(await db.isReachable(200)).toBe(false);
  await proxy.setMode("pass");
  expect(await db.isReachable(2_000)).toBe(true);
});

it("statement_timeout and idle_in_transaction_session_timeout end in UNAVAILABLE", async () => {
  const { db } = await throughProxy({ statementTimeoutMs: 200, idleInTransactionTimeoutMs: 300 });
  expect(await failure(db.read((em) => em.query("SELECT pg_sleep(5)")))).toMatchObject({ code: "UNAVAILABLE", details: { cause: "57014" } });
  const idle = failure(
    db.transaction(async (em) => {
      await em.query("SELECT 1");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await em.query("SELECT 1");
    }),
  );
  expect(await idle).toMatchObject({ code: "UNAVAILABLE" });
  expect(await db.read((em) => em.query("SELECT 3 AS three"))).toEqual([{ three: 3 }]);
});

it("dropIdleConnections closes the idle connections, so the next transaction makes a new one instead of waiting on a stalled one", async () => {
  const { db, pool } = await throughProxy({ connectTimeoutMs: 500, queryTimeoutMs: 60_000 });
  await Promise.all([1, 2, 3].map(() => db.transaction((em) => em.query("SELECT pg_sleep(0.05)"))));
  expect(pool.idleCount).toBe(3);
  await proxy.setMode("hang");
  db.dropIdleConnections();
  await waitUntil("the idle connections to be closed", () => pool.totalCount === 0, 5_000);
  // Failing on the connect timeout, not on a query_timeout a minute away.
  const error = await failure(db.transaction((em) => em.query("SELECT 1")));
  expect(error).toMatchObject({ code: "UNAVAILABLE" });
  expect(String((error as { details: { cause: string } }).details.cause)).toMatch(/connection timeout|trying to connect/);
  await proxy.setMode("pass");
  expect(await db.read((em) => em.query("SELECT 4 AS four"))).toEqual([{ four: 4 }]);
});
