// An idle pooled connection killed under the server (pg_terminate_backend) is dropped by the pool and logged:
// the process does not crash, and serves decisions and mutations on new connections.

import { DECIDE } from "../helpers/decide-factories";
import { CREATE, FIFTY_FIFTY, START } from "../helpers/factories";
import { waitUntil } from "../helpers/outage";
import { startServerProcess, type ServerProcess } from "../helpers/server-process";
import { createTestDatabase, type TestDatabase, withPg } from "../helpers/test-database";

let database: TestDatabase;
let server: ServerProcess | null = null;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  // A failed step must not leave the process running (Jest would wait for it).
  if (server?.child.exitCode === null) server.child.kill("SIGKILL");
  await database.drop();
});

const decideAll = (running: ServerProcess, actors: string[]) =>
  Promise.all(actors.map((actor) => running.gql(DECIDE, { services: ["idle_svc"], context: { user_id: actor } })));

it("survives every backend of its database being terminated while idle, and serves on", async () => {
  const url = (database.config as { url: string }).url;
  const running = (server = await startServerProcess({ DATABASE_URL: url }));
  expect((await running.gql(CREATE, { input: { key: "idle_exp", services: ["idle_svc"], variants: FIFTY_FIFTY } })).errors).toBeUndefined();
  expect((await running.gql(START, { key: "idle_exp" })).errors).toBeUndefined();
  // Concurrent first decisions (each a read and a write) leave several connections idle in the pool.
  for (const reply of await decideAll(running, Array.from({ length: 10 }, (_, i) => `before${i}`))) expect(reply.errors).toBeUndefined();

  const name = new URL(url).pathname.slice(1);
  const killed = await withPg(database, async (c) => {
    const res = await c.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = 'tessera'`,
      [name],
    );
    const pids = res.rows.map((r) => r.pid);
    // Terminated after they are listed: in one statement the planner may terminate before filtering.
    const done = await c.query<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid`, [pids]);
    return done.rows.filter((r) => r.ok).length;
  });
  expect(killed).toBeGreaterThan(0);
  // The pool hears of it (an 'error' event on an idle client): logged, not thrown.
  await waitUntil("the pool to report its dead connections", () => running.output().includes("an idle database connection failed"));

  expect(running.child.exitCode).toBeNull();
  for (const reply of await decideAll(running, Array.from({ length: 10 }, (_, i) => `after${i}`))) {
    expect(reply.errors).toBeUndefined();
    expect(reply.data.decide.results[0].experiments[0].source).toBe("BUCKET");
  }
  expect((await running.gql(CREATE, { input: { key: "idle_after", variants: FIFTY_FIFTY } })).errors).toBeUndefined();
  expect(running.child.exitCode).toBeNull();

  running.child.kill("SIGTERM");
  expect(await running.exited).toBe(0);
});
