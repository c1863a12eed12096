// File mode on a shared PostgreSQL (SPEC §10, §15): a file-mode instance follows the database's change events
// for API keys, but its snapshot stays the files', whatever another instance changes in the database.

import fs from "node:fs";
import { ok } from "../helpers/factories";
import { decide, layeredFolders, startFileServer, until } from "../helpers/file-mode";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

let database: TestDatabase;
let folders: ReturnType<typeof layeredFolders>;
let editor: TestServer;
let sidecar: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  folders = layeredFolders();
  editor = await startTestServer({ database });
  sidecar = await startTestServer({ database, config: { configSource: folders.source } });
});
afterAll(async () => {
  await sidecar.stop();
  await editor.close();
  fs.rmSync(folders.root, { recursive: true, force: true });
});

it("configuration changed in the database never replaces the files' snapshot; API keys made elsewhere are followed", async () => {
  const context = { user_id: "user_5", country: "US", age: 33 };
  const before = await decide(sidecar, ["ranker_svc"], context);
  // The database-backed instance serves the same service with an experiment of its own.
  ok(await editor.gql(`mutation { createLayer(input: {key: "db-layer", services: ["ranker_svc"], priority: 999}) { key } }`));
  ok(await editor.gql(`mutation { createExperiment(input: {key: "db-exp", layer: "db-layer", traffic: 10000, variants: [{key: "x", weight: 1, params: {algorithm: "from-db"}}]}) { key } }`));
  ok(await editor.gql(`mutation { startExperiment(key: "db-exp") { key } }`));
  const created = ok(await editor.gql(`mutation { createApiKey(input: {name: "sdk-elsewhere", role: SDK}) { secret } }`)).createApiKey;
  // The key reaches the sidecar through the change events it follows...
  const query = `query { decide(services: ["ranker_svc"], context: {user_id: "user_5", country: "US", age: 33}) { configVersion results { parameters } } }`;
  const withKey = await until(() => sidecar.gql(query, {}, { authorization: `Bearer ${created.secret}` }), (r) => r.status === 200);
  // ...and by then the experiment made in the database, committed before it, would have too: the sidecar still serves the files.
  expect(withKey.data.decide).toEqual({ configVersion: before.configVersion, results: [{ parameters: before.results[0]!.parameters }] });
  expect(await decide(sidecar, ["ranker_svc"], context)).toEqual(before);
  expect(ok(await sidecar.gql(`{ experiment(key: "db-exp") { key } configVersion }`))).toEqual({ experiment: null, configVersion: before.configVersion });
});
