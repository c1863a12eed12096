// ExposureWriter against a real database: what it does when writing fails, or the database refuses a row.

import { Writable } from "node:stream";
import pino from "pino";
import { createDataSource } from "../../src/persistence/data-source";
import type { DomainError } from "../../src/engine/errors";
import { Database } from "../../src/persistence/database";
import { applyMigrations } from "../../src/persistence/migrations";
import type { Exposure } from "../../src/persistence/exposure.repository";
import { ExposureWriter } from "../../src/services/exposure-writer";
import { createTestDatabase } from "../helpers/test-database";

const exposure = (i: number): Exposure => ({ experiment: "e", variant: "v", vid: 1, actor: `a${i}`, requestId: null, isOverride: false, at: new Date() });
const settle = () => new Promise((r) => setTimeout(r, 100));

it("while a failed write waits for its retry, a full buffer does not write again at once, and nothing is lost", async () => {
  const database = await createTestDatabase();
  const ds = createDataSource(database.config);
  await ds.initialize();
  await ds.destroy();
  await database.drop();
  const lines: string[] = [];
  const logger = pino({ level: "error" }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const writer = new ExposureWriter(new Database(ds), logger, { flushMs: 60_000, batchSize: 10 });
  const failures = () => lines.filter((l) => l.includes("will retry")).length;

  for (let i = 0; i < 10; i++) writer.record(exposure(i));
  await settle();
  expect([failures(), writer.pending]).toEqual([1, 10]);
  // Twice a batch more, before the retry is due: kept, not written (and failed) once per batch.
  for (let i = 10; i < 30; i++) writer.record(exposure(i));
  await settle();
  expect([failures(), writer.pending]).toEqual([1, 30]);
});

it("store: a row the database refuses fails its own caller only; the others of its group are stored", async () => {
  const database = await createTestDatabase();
  const ds = createDataSource(database.config);
  await ds.initialize();
  await applyMigrations(ds, pino({ level: "silent" }), database.config);
  try {
    const writer = new ExposureWriter(new Database(ds), pino({ level: "silent" }), { flushMs: 60_000 });
    // A NUL character: text cannot hold it (assign refuses it before; the writer must not rely on that).
    const rows = [exposure(1), { ...exposure(2), requestId: "bad\u0000id" }, exposure(3)];
    const outcomes = await Promise.all(rows.map((row) => writer.store(row).then(() => "stored", (e: DomainError) => e.code)));
    expect(outcomes).toEqual(["stored", "BAD_USER_INPUT", "stored"]);
    const stored: Array<{ actor: string }> = await ds.query(`SELECT actor FROM exposures ORDER BY actor`);
    expect(stored.map((r) => r.actor)).toEqual(["a1", "a3"]);
  } finally {
    await ds.destroy();
    await database.drop();
  }
});
