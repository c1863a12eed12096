// Driver errors become domain errors: lost connections are UNAVAILABLE, unique violations CONFLICT.

import { DomainError } from "../../src/engine/errors";
import { createDataSource } from "../../src/persistence/data-source";
import { Database, translateDriverError } from "../../src/persistence/database";
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
