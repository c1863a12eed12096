// ConfigStateRepository.loadDelta after real changes over GraphQL: what a full load reads, for the layers asked.
//
// PGlite: a directory of this test's own; the server stops while the test reads it (one process per
// directory) and starts again after. PostgreSQL: the test reads the server's database alongside it.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ConfigState } from "../../src/engine/snapshot";
import type { ConfigDelta } from "../../src/engine/snapshot-delta";
import type { EntityManager } from "typeorm";
import { CatchUpRepository } from "../../src/persistence/catch-up.repository";
import { ConfigChangeRepository } from "../../src/persistence/config-change.repository";
import { ConfigStateRepository } from "../../src/persistence/config-state.repository";
import { createDataSource } from "../../src/persistence/data-source";
import { Database } from "../../src/persistence/database";
import { ARCHIVE, CLEAR_OVERRIDE, CONCLUDE, FIFTY_FIFTY, SET_OVERRIDE, SET_WEIGHTS, START, createExperiment, ok, runningExperiment, uniqueKey } from "../helpers/factories";
import { ARCHIVE_FLAG, SET_FORCED, createFlag, delivery } from "../helpers/flag-factories";
import { createLayer, updateLayer } from "../helpers/layer-factories";
import { ON_POSTGRES, createTestDatabase, type TestDatabase } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

const UPDATE = `mutation($key: String!, $input: UpdateExperimentInput!) { updateExperiment(key: $key, input: $input) { key } }`;

let dir: string | null = null;
let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  if (!ON_POSTGRES) dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-delta-"));
  database = await createTestDatabase(dir === null ? {} : { pgliteDir: path.join(dir, "pglite") });
  server = await startTestServer({ database });
});
afterAll(async () => {
  await server.close();
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads in one REPEATABLE READ transaction of the test's own, as SnapshotStore does. */
async function read<T>(work: (repo: ConfigStateRepository, em: EntityManager) => Promise<T>): Promise<T> {
  if (!ON_POSTGRES) await server.stop();
  const dataSource = createDataSource(database.config);
  await dataSource.initialize();
  try {
    return await new Database(dataSource).consistentRead((em) => work(new ConfigStateRepository(em), em));
  } finally {
    await dataSource.destroy();
    if (!ON_POSTGRES) server = await startTestServer({ database });
  }
}

const byKey = <T extends { key: string }>(rows: readonly T[]) => [...rows].sort((a, b) => (a.key < b.key ? -1 : 1));
const overridesSorted = (rows: ConfigState["overrides"]) => [...rows].sort((a, b) => (`${a.experiment} ${a.actor}` < `${b.experiment} ${b.actor}` ? -1 : 1));

/** The part of a full load that concerns `keys`, shaped as a delta. */
function part(full: ConfigState, keys: readonly string[]) {
  const wanted = new Set(keys);
  const experiments = full.experiments.filter((e) => wanted.has(e.layer));
  const ofThem = new Set(experiments.map((e) => e.key));
  return {
    version: full.version,
    layerKeys: [...wanted],
    layers: byKey(full.layers.filter((l) => wanted.has(l.key))),
    experiments: byKey(experiments),
    overrides: overridesSorted(full.overrides.filter((o) => ofThem.has(o.experiment))),
    flagKeys: [],
    flags: [],
    forced: [],
  };
}

const forcedSorted = (rows: ConfigState["forced"]) => [...rows].sort((a, b) => (`${a.flag} ${a.rule} ${a.actor}` < `${b.flag} ${b.rule} ${b.actor}` ? -1 : 1));
const sortedDelta = (d: ConfigDelta) => ({
  ...d, layerKeys: [...d.layerKeys], layers: byKey(d.layers), experiments: byKey(d.experiments), overrides: overridesSorted(d.overrides),
  flagKeys: [...(d.flagKeys ?? [])].sort(), flags: byKey(d.flags ?? []), forced: forcedSorted(d.forced ?? []),
});

/** A full load and a delta per key set, all in one transaction; each delta must be its part of the full load. */
async function loadBoth(keySets: readonly string[][]): Promise<ConfigDelta[]> {
  const { full, deltas } = await read(async (repo) => ({ full: await repo.load(), deltas: await Promise.all(keySets.map((k) => repo.loadDelta(k))) }));
  keySets.forEach((keys, i) => expect(sortedDelta(deltas[i]!)).toEqual(part(full, keys)));
  return deltas;
}

const keysOf = (rows: readonly { key: string }[]) => rows.map((r) => r.key).sort();

it("reads the deciding rows of the layers asked, before and after starts, conclusions, archives, weights, overrides and layer edits", async () => {
  const [l1, l2, l3] = [uniqueKey("l1"), uniqueKey("l2"), uniqueKey("l3")];
  await createLayer(server, { key: l1, services: ["web"] });
  await createLayer(server, { key: l2, services: ["web", "app"], defaultParams: { ranker: { depth: 1 } } });
  await createLayer(server, { key: l3, services: ["app"], priority: 2 });
  const a = uniqueKey("a");
  const b = uniqueKey("b");
  const c = uniqueKey("c");
  const d = uniqueKey("d");
  const e = uniqueKey("e");
  await runningExperiment(server, a, { layer: l1, traffic: 3000 });
  await createExperiment(server, { key: b, layer: l1, traffic: 2000, variants: FIFTY_FIFTY });
  const rule = { type: "field", field: "country", op: "eq", values: ["US"] };
  await runningExperiment(server, c, { layer: l2, traffic: 5000, exclusionGroup: "g", rule });
  await runningExperiment(server, d, { services: ["web"], exclusionGroup: "g" });
  await createExperiment(server, { key: e, services: ["app"], variants: FIFTY_FIFTY });
  ok(await server.gql(SET_OVERRIDE, { experiment: a, actor: "u1", variant: "treatment" }));
  ok(await server.gql(SET_OVERRIDE, { experiment: c, actor: "u2", variant: "control" }));
  ok(await server.gql(SET_OVERRIDE, { experiment: b, actor: "u3", variant: "control" }));

  const sets = [[l1], [l2, d], [e], [l3], [l1, l2, l3, d, e, "no_such_layer", l1]];
  const [first, second, third, fourth, all] = await loadBoth(sets);
  // l1's DRAFT experiment and its override are left out; e's implicit layer does not decide while e is a DRAFT.
  expect([keysOf(first!.layers), keysOf(first!.experiments), first!.overrides]).toEqual([[l1], [a], [{ experiment: a, actor: "u1", variant: "treatment" }]]);
  expect([keysOf(second!.layers), keysOf(second!.experiments), second!.overrides.map((o) => o.actor)]).toEqual([[d, l2].sort(), [c, d].sort(), ["u2"]]);
  expect([third!.layers, fourth!.experiments, keysOf(fourth!.layers)]).toEqual([[], [], [l3]]);
  expect([all!.layerKeys, keysOf(all!.layers)]).toEqual([[l1, l2, l3, d, e, "no_such_layer"], [l1, l2, l3, d].sort()]);

  ok(await server.gql(CONCLUDE, { key: a, winner: "treatment" }));
  ok(await server.gql(START, { key: b }));
  ok(await server.gql(SET_WEIGHTS, { key: c, weights: [{ key: "control", weight: 1 }, { key: "treatment", weight: 3 }] }));
  ok(await server.gql(UPDATE, { key: c, input: { exclusionGroup: null, rule: { type: "field", field: "country", op: "eq", values: ["FR"] } } }));
  ok(await server.gql(ARCHIVE, { key: d }));
  ok(await server.gql(START, { key: e }));
  ok(await server.gql(CLEAR_OVERRIDE, { experiment: c, actor: "u2" }));
  await updateLayer(server, l3, { enabled: false, priority: 5 });
  await updateLayer(server, l2, { services: ["app"] });

  const [afterL1, afterL2D, afterE, afterL3] = await loadBoth(sets);
  expect([afterL1!.experiments.map((x) => [x.key, x.state]).sort(), afterL1!.overrides.map((o) => o.actor).sort()]).toEqual([
    [[a, "CONCLUDED"], [b, "RUNNING"]].sort(),
    ["u1", "u3"],
  ]);
  // d is archived: its implicit layer is gone from the deciding rows; c's edits are read back.
  expect([keysOf(afterL2D!.layers), afterL2D!.layers[0]!.services, afterL2D!.overrides]).toEqual([[l2], ["app"], []]);
  expect(afterL2D!.experiments.map((x) => [x.key, x.exclusionGroup, x.rule, x.variants.map((v) => v.weight)])).toEqual([[c, null, { type: "field", field: "country", op: "eq", values: ["FR"] }, [1, 3]]]);
  expect([keysOf(afterE!.layers), keysOf(afterE!.experiments)]).toEqual([[e], [e]]);
  expect(afterL3!.layers.map((l) => [l.enabled, l.priority])).toEqual([[false, 5]]);
});

it("reads nothing but the version for no layers, and the version it reads is the one the full load reads", async () => {
  const [empty] = await loadBoth([[]]);
  expect(empty).toMatchObject({ layerKeys: [], layers: [], experiments: [], overrides: [] });
  expect(empty!.version).toBeGreaterThan(0);
});

it("the follower's one-statement catch-up reads the events after a version and the rows of the layers they name, as loadDelta does", async () => {
  const layer = uniqueKey("cu_layer");
  await createLayer(server, { key: layer, services: ["cu"], defaultParams: { a: 1 } });
  const x = uniqueKey("cu_x");
  await runningExperiment(server, x, { layer, traffic: 4000, exclusionGroup: "cu_group", rule: { type: "field", field: "age", op: "gte", values: [18] } });
  const y = uniqueKey("cu_y");
  await runningExperiment(server, y, { services: ["cu"] });
  ok(await server.gql(SET_OVERRIDE, { experiment: x, actor: "ann", variant: "treatment" }));
  await createExperiment(server, { key: uniqueKey("cu_draft"), layer, traffic: 100, variants: FIFTY_FIFTY });
  ok(await server.gql(CONCLUDE, { key: y, winner: "control" }));
  // Flag changes: their keys name the flags the catch-up reads (with forced decisions), archived ones too.
  const flag = uniqueKey("cu_flag");
  await createFlag(server, { key: flag, services: ["cu"], variables: { on: false }, rules: [delivery("r1", { traffic: 2500, variables: { on: true } })] });
  ok(await server.gql(SET_FORCED, { flag, rule: "r1", actor: "ann", variation: "off" }));
  const gone = uniqueKey("cu_gone");
  await createFlag(server, { key: gone });
  ok(await server.gql(ARCHIVE_FLAG, { key: gone }));
  const checked = await read(async (repo, em) => {
    const newest = await new ConfigChangeRepository(em).after(0);
    const froms = [0, newest.at(-10)!.version, newest.at(-2)!.version, newest.at(-1)!.version];
    for (const from of froms) {
      const since = await new CatchUpRepository(em).readSince(from);
      const events = await new ConfigChangeRepository(em).after(from);
      const named = [...new Set(events.flatMap((e) => e.layers))];
      const flagsNamed = [...new Set(events.filter((e) => e.kind === "flag").flatMap((e) => e.keys))];
      expect(since.events).toEqual(events);
      expect(sortedDelta(since.delta)).toEqual(sortedDelta({ ...(await repo.loadDelta(named, flagsNamed)), layerKeys: [...named].sort() }));
      if (from === 0) {
        expect(since.delta.flags!.find((f) => f.key === flag)).toMatchObject({ services: ["cu"], enabled: true, archived: false, hashKey: "user_id" });
        expect(since.delta.flags!.find((f) => f.key === gone)).toMatchObject({ archived: true });
        expect(since.delta.forced).toContainEqual({ flag, rule: "r1", actor: "ann", variation: "off" });
      }
    }
    return froms.length;
  });
  expect(checked).toBe(4);
});
