// Driver errors become domain errors: lost connections are UNAVAILABLE, unique violations CONFLICT.

import { QueryFailedError } from "typeorm";
import { postgresSettings } from "../../src/config";
import { DomainError } from "../../src/engine/errors";
import { createDataSource } from "../../src/persistence/data-source";
import { Database, translateDriverError } from "../../src/persistence/database";
import { startTcpProxy } from "../helpers/tcp-proxy";
import { createTestDatabase } from "../helpers/test-database";

it("a database that cannot be reached is UNAVAILABLE, and not ready", async () => {
  // Nothing listens on port 1: the pg driver fails to connect (ECONNREFUSED).
  const ds = createDataSource({ kind: "postgres", url: "postgres://postgres@127.0.0.1:1/none" });
  const error = await ds.initialize().then(() => null, (e: unknown) => e);
  const translated = translateDriverError(error);
  expect(translated).toBeInstanceOf(DomainError);
  expect((translated as DomainError).code).toBe("UNAVAILABLE");
});

it("a closed database reports not ready, and a unique violation is CONFLICT", async () => {
  const database = await createTestDatabase();
  const ds = createDataSource(database.config);
  await ds.initialize();
  const db = new Database(ds);
  try {
    await ds.query(`CREATE TABLE uniq (k text PRIMARY KEY)`);
    await db.transaction((em) => em.query(`INSERT INTO uniq VALUES ('a')`));
    const clash = await db.transaction((em) => em.query(`INSERT INTO uniq VALUES ('a')`)).then(() => null, (e: unknown) => e);
    expect(clash).toBeInstanceOf(DomainError);
    expect((clash as DomainError).code).toBe("CONFLICT");
    expect(await db.isReachable()).toBe(true);
  } finally {
    await ds.destroy();
    await database.drop();
  }
  expect(await db.isReachable()).toBe(false);
});

it("a server that accepts and never answers: connecting fails UNAVAILABLE once the connect timeout passes", async () => {
  // Nothing behind the proxy answers: in hang mode it accepts and forwards nothing.
  const proxy = await startTcpProxy({ host: "127.0.0.1", port: 1 });
  await proxy.setMode("hang");
  try {
    const ds = createDataSource(
      { kind: "postgres", url: proxy.urlFor("postgres://postgres@127.0.0.1:5432/none") },
      { postgres: { ...postgresSettings(), connectTimeoutMs: 300 } },
    );
    const error = await ds.initialize().then(() => null, (e: unknown) => e);
    expect(proxy.accepted).toBe(1);
    expect(translateDriverError(error)).toMatchObject({ code: "UNAVAILABLE" });
  } finally {
    await proxy.close();
  }
});

// What pg, pg-pool and the server say when the database is gone, hangs, or gives up on a statement.
it.each([
  ["pg-pool, no connection within connectionTimeoutMillis", { message: "timeout exceeded when trying to connect" }],
  ["pg, a connection that never completed", { message: "Connection terminated due to connection timeout", cause: new Error("timeout expired") }],
  ["pg, a connection lost", { message: "Connection terminated unexpectedly" }],
  ["pg, query_timeout", { message: "Query read timeout" }],
  ["pg, a client after a connection error", { message: "Client has encountered a connection error and is not queryable" }],
  ["pg-pool, after end()", { message: "Cannot use a pool after calling end on the pool" }],
  ["a socket error in the cause", { message: "connection failed", cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) }],
  ["statement_timeout (57014)", { code: "57014", message: "canceling statement due to statement timeout" }],
  ["lock_timeout (55P03)", { code: "55P03", message: "canceling statement due to lock timeout" }],
  ["idle_in_transaction_session_timeout (25P03)", { code: "25P03", message: "terminating connection due to idle-in-transaction timeout" }],
  ["too many connections (53300)", { code: "53300", message: "sorry, too many clients already" }],
  ["pg_terminate_backend (57P01)", { code: "57P01", message: "terminating connection due to administrator command" }],
  ["a connection exception (08006)", { code: "08006", message: "connection failure" }],
])("%s is UNAVAILABLE", (_what, error) => {
  expect(translateDriverError(Object.assign(new Error(error.message), error))).toMatchObject({ code: "UNAVAILABLE" });
  expect(translateDriverError(new QueryFailedError("SELECT 1", [], Object.assign(new Error(error.message), error)))).toMatchObject({ code: "UNAVAILABLE" });
});

it("errors that are not about reaching the database stay what they are", () => {
  const syntax = Object.assign(new Error("syntax error at or near \"SELEC\""), { code: "42601" });
  expect(translateDriverError(syntax)).toBe(syntax);
  expect(translateDriverError(Object.assign(new Error("invalid byte sequence"), { code: "22021" }))).toMatchObject({ code: "BAD_USER_INPUT" });
});
