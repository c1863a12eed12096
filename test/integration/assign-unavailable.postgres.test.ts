// assign never acknowledges an exposure it could not store: the connection breaks as the exposure INSERT is sent.

import { assign, errorCode, ok, runningExperiment, uniqueKey } from "../helpers/factories";
import { proxiedServer, type ProxiedServer } from "../helpers/outage";
import { type TestDatabase, withPg } from "../helpers/test-database";
import type { TestServer } from "../helpers/test-server";

let running: ProxiedServer;
let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  // The app reaches PostgreSQL only through the proxy; the test reads the database directly.
  running = await proxiedServer();
  ({ database, server } = running);
});
afterAll(() => running.close());

const storedWithPrefix = (key: string, prefix: string) =>
  withPg(database, async (c) => {
    const { rows } = await c.query(`SELECT actor FROM exposures WHERE experiment_key = $1 AND request_id LIKE $2 ORDER BY actor`, [key, `${prefix}%`]);
    return rows.map((r: { actor: string }) => r.actor);
  });

it("answers UNAVAILABLE, storing no exposure, when the exposure cannot be written; answers again once it can", async () => {
  const key = uniqueKey();
  await runningExperiment(server, key);
  // Actors holding an assignment already (the sticky path) and new ones (the assignment is written first).
  const held = Array.from({ length: 10 }, (_, i) => `held:${i}`);
  for (const actor of held) ok(await assign(server, key, actor));
  const actors = [...held, ...Array.from({ length: 10 }, (_, i) => `new:${i}`)];

  running.proxy.cutOn("INSERT INTO exposures ");
  const refused = await Promise.all(actors.map((actor) => assign(server, key, actor, { requestId: `cut-${actor}` })));
  expect(refused.map(errorCode)).toEqual(actors.map(() => "UNAVAILABLE"));
  expect(refused.map((r) => r.data?.assign ?? null)).toEqual(actors.map(() => null));
  expect(running.proxy.cuts).toBeGreaterThan(0);
  expect(await storedWithPrefix(key, "cut-")).toEqual([]);

  running.proxy.cutOn(null);
  const answered = await Promise.all(actors.map((actor) => assign(server, key, actor, { requestId: `healed-${actor}` })));
  expect(answered.map((r) => ok(r).assign.actor)).toEqual(actors);
  expect(await storedWithPrefix(key, "healed-")).toEqual([...actors].sort());
});
