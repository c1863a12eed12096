// File mode on a shared PostgreSQL (SPEC §10, §15): sidecars write their files into the database as an
// import, once for all of them; every instance sharing the database, sidecar or not, follows it; API keys
// made elsewhere reach the sidecars.

import fs from "node:fs";
import { ok } from "../helpers/factories";
import { decide, layeredFolders, startFileServer, until, untilVersionAbove } from "../helpers/file-mode";
import { waitForVersion } from "../helpers/instances";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

let database: TestDatabase;
let folders: ReturnType<typeof layeredFolders>;
let editor: TestServer;
let sidecars: TestServer[];

beforeAll(async () => {
  database = await createTestDatabase();
  folders = layeredFolders();
  editor = await startTestServer({ database });
  sidecars = [await startTestServer({ database, config: { configSource: folders.source } }), await startTestServer({ database, config: { configSource: folders.source } })];
});
afterAll(async () => {
  for (const s of sidecars) await s.stop();
  await editor.close();
  fs.rmSync(folders.root, { recursive: true, force: true });
});

const IMPORTS = `{ configChanges(since: 0) { version kind mutation actor } }`;
const PARAMETERS = `query($c: JSON!) { decide(services: ["ranker_svc"], context: $c) { configVersion results { parameters vids } } }`;

async function everyoneServes(version: number, context: Record<string, unknown>): Promise<unknown> {
  for (const s of [editor, ...sidecars]) await waitForVersion(s, version);
  const answers = await Promise.all([editor, ...sidecars].map(async (s) => ok(await s.gql(PARAMETERS, { c: context })).decide));
  for (const answer of answers) expect(answer).toEqual(answers[0]);
  return answers[0];
}

it("two sidecars make one import of the same files; every instance on the database serves them, and a file change reaches all", async () => {
  const first = ok(await editor.gql(IMPORTS)).configChanges.filter((c: { kind: string }) => c.kind === "import");
  expect(first).toEqual([{ version: first[0].version, kind: "import", mutation: "imported", actor: "file mode" }]);
  const context = { user_id: "user_5", country: "US", age: 33 };
  await everyoneServes(first[0].version, context);
  expect(ok(await editor.gql(`{ experiment(key: "100") { state layer variants { key vid } } }`)).experiment).toEqual({
    state: "RUNNING",
    layer: "click_experiment",
    variants: [{ key: "1001", vid: 1001 }, { key: "1002", vid: 1002 }],
  });

  const layer = JSON.parse(fs.readFileSync(`${folders.layersDir}/click.json`, "utf8"));
  layer.ranges = [{ start: 0, end: 100, vid: 1001 }, { start: 100, end: 10_000, vid: 1002 }];
  folders.replace("layers/click.json", layer);
  await untilVersionAbove(sidecars[0]!, first[0].version);
  await until(async () => ok(await editor.gql(IMPORTS)).configChanges.filter((c: { kind: string }) => c.kind === "import").length, (n) => n >= 2);
  // Let the other sidecar's reload run too: it must find nothing to change.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const imports = ok(await editor.gql(IMPORTS)).configChanges.filter((c: { kind: string }) => c.kind === "import");
  expect(imports).toHaveLength(2);
  // A new actor in the slots the edit moved to 1002 is served 1002 everywhere.
  const moved = { user_id: "user_moved", country: "US", age: 40 };
  const served = (await everyoneServes(imports[1].version, moved)) as { results: Array<{ vids: number[] }> };
  expect(served.results[0]!.vids).toHaveLength(1);
});

it("API keys made on another instance reach the sidecars", async () => {
  const created = ok(await editor.gql(`mutation { createApiKey(input: {name: "sdk-elsewhere", role: SDK}) { secret } }`)).createApiKey;
  for (const sidecar of sidecars) {
    const answered = await until(() => sidecar.gql(PARAMETERS, { c: { user_id: "k" } }, { authorization: `Bearer ${created.secret}` }), (r) => r.status === 200);
    expect(answered.errors).toBeUndefined();
  }
  expect((await decide(sidecars[0]!, ["ranker_svc"], { user_id: "k" })).results[0]!.service).toBe("ranker_svc");
});
