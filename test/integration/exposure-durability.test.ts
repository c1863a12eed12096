// An acknowledged `assign` keeps its exposure across kill -9: the real process, killed right after an acknowledgement.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDataSource } from "../../src/persistence/data-source";
import { ASSIGN, FIFTY_FIFTY } from "../helpers/factories";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { createTestDatabase, databaseEnv, type TestDatabase } from "../helpers/test-database";

const EXPERIMENT = "durable_exp";
/** Acknowledgements to wait for before the kill; more requests are in flight when it lands. */
const ACKNOWLEDGED = 1_000;
const CLIENTS = 50;
/** Fewer actors than requests: some assigns store a new assignment, the others find it (both paths expose). */
const ACTORS = 600;

let database: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-durability-"));
  database = await createTestDatabase({ pgliteDir: path.join(dataDir, "pglite") });
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The request ids of the exposures stored, read once the process is dead. */
async function storedRequestIds(): Promise<Set<string>> {
  const ds = createDataSource(database.config);
  await ds.initialize();
  try {
    const rows: Array<{ request_id: string }> = await ds.query(`SELECT request_id FROM exposures WHERE experiment_key = $1`, [EXPERIMENT]);
    return new Set(rows.map((r) => r.request_id));
  } finally {
    await ds.destroy();
  }
}

/**
 * CLIENTS concurrent clients send assigns (each with its own request id) until ACKNOWLEDGED
 * have been answered; that answer's callback sends SIGKILL at once. Resolves with the
 * acknowledged request ids once every request has settled.
 */
async function assignUntilKilled(server: ServerProcess): Promise<{ acknowledged: Set<string>; sent: number }> {
  const acknowledged = new Set<string>();
  let sent = 0;
  let killed = false;
  const client = async () => {
    while (!killed) {
      const i = sent++;
      const requestId = `req-${i}`;
      const res = await server.gql(ASSIGN, { experiment: EXPERIMENT, actor: `user:${i % ACTORS}`, requestId }).catch(() => null);
      if (!res) continue;
      if (res.errors) throw new Error(`assign failed: ${JSON.stringify(res.errors)}`);
      acknowledged.add(requestId);
      if (acknowledged.size >= ACKNOWLEDGED && !killed) {
        killed = true;
        server.child.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { acknowledged, sent };
}

it("every acknowledged assign has its exposure after kill -9 (lost 0 of N)", async () => {
  // A flush interval far beyond the test: only a write made before the answer can count.
  const server = await startServerProcess({ ...databaseEnv(database.config), EXPOSURE_FLUSH_MS: "60000" });
  const run = async () => {
    const created = await server.gql(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, {
      input: { key: EXPERIMENT, variants: FIFTY_FIFTY },
    });
    expect(created.errors).toBeUndefined();
    expect((await server.gql(`mutation { startExperiment(key: "${EXPERIMENT}") { state } }`)).errors).toBeUndefined();
    return assignUntilKilled(server);
  };
  const { acknowledged, sent } = await run().catch((error: unknown) => {
    // A failed step must not leave the process running (Jest would wait for it).
    server.child.kill("SIGKILL");
    throw error;
  });
  expect(await server.exited).toBeNull();
  expect(server.child.signalCode).toBe("SIGKILL");

  const stored = await storedRequestIds();
  const lost = [...acknowledged].filter((id) => !stored.has(id));
  expect({ lost: lost.length, of: acknowledged.size }).toEqual({ lost: 0, of: acknowledged.size });
  expect(acknowledged.size).toBeGreaterThanOrEqual(ACKNOWLEDGED);
  // Requests were still in flight when the process died: the kill landed mid-stream, not after a quiet moment.
  expect(sent).toBeGreaterThan(acknowledged.size);
}, 180_000);
