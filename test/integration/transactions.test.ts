// Transactions are isolated on both drivers: on PGlite (one session) the session pool must
// hand the session to one transaction at a time, or concurrent transactions interleave.

import type { DataSource } from "typeorm";
import { createDataSource } from "../../src/persistence/data-source";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database";

let database: TestDatabase;
let ds: DataSource;
beforeAll(async () => {
  database = await createTestDatabase();
  ds = createDataSource(database.config);
  await ds.initialize();
  await ds.query(`CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)`);
  await ds.query(`CREATE TABLE notes (id int PRIMARY KEY)`);
  await ds.query(`INSERT INTO counter VALUES (1, 0)`);
});
afterAll(async () => {
  await ds.destroy();
  await database.drop();
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

it("concurrent read-modify-write transactions lose no update", async () => {
  await Promise.all(
    Array.from({ length: 10 }, () =>
      ds.transaction(async (em) => {
        const [row] = await em.query(`SELECT n FROM counter WHERE id = 1 FOR UPDATE`);
        await pause(); // give another transaction the chance to interleave
        await em.query(`UPDATE counter SET n = $1 WHERE id = 1`, [Number(row.n) + 1]);
      }),
    ),
  );
  const [row] = await ds.query(`SELECT n FROM counter WHERE id = 1`);
  expect(Number(row.n)).toBe(10);
});

it("a failed transaction's writes are not committed by a concurrent one", async () => {
  const failing = ds.transaction(async (em) => {
    await em.query(`INSERT INTO notes VALUES (1)`);
    await pause();
    throw new Error("roll me back");
  });
  const committing = ds.transaction(async (em) => {
    await pause();
    await em.query(`INSERT INTO notes VALUES (2)`);
  });
  await expect(failing).rejects.toThrow("roll me back");
  await committing;
  const rows: Array<{ id: number }> = await ds.query(`SELECT id FROM notes ORDER BY id`);
  expect(rows.map((r) => Number(r.id))).toEqual([2]);
});

it("int8 values come back as numbers on both drivers", async () => {
  // count(*) is int8 too; over a list of its own, so the test needs no other test's rows.
  const [row] = await ds.query(`SELECT 9007199254740991::int8 AS big, count(*) AS n FROM (VALUES (1)) AS v(x)`);
  expect(row).toEqual({ big: 9007199254740991, n: 1 });
});
