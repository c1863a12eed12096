// exportConfig / importConfig (SPEC §15) over HTTP: the plan, dry runs, prune, one version per import,
// protected assignments, states only forward, and faults named by their JSON path.

import Ajv2020 from "ajv/dist/2020";
import schema from "../../schemas/tessera.config.v1.schema.json";
import { CONFIG_VERSION, HISTORY, SET_WEIGHTS, assign, configVersion, createExperiment, errorCode, ok, runningExperiment } from "../helpers/factories";
import { CREATE_LAYER } from "../helpers/layer-factories";
import { loadSlotOf } from "../helpers/slots";
import { type TestServer, startTestServer } from "../helpers/test-server";

const EXPORT = `{ exportConfig }`;
const IMPORT = `mutation($d: JSON!, $dry: Boolean, $prune: Boolean) {
  importConfig(document: $d, dryRun: $dry, prune: $prune) { applied configVersion slotsMoved changes { kind key action detail } } }`;
const CHANGES = `query($since: Int!) { configChanges(since: $since) { version kind keys services mutation } }`;
const DECIDE = `query($s: [String!]!, $c: JSON!) { decide(services: $s, context: $c) { results { parameters vids experiments { experiment variant } } } }`;

let server: TestServer;
const validate = new Ajv2020({ strict: true }).compile(schema);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function exported(): Promise<any> {
  return ok(await server.gql(EXPORT)).exportConfig;
}

async function importDocument(document: unknown, options: { dryRun?: boolean; prune?: boolean } = {}) {
  return server.gql(IMPORT, { d: document, dry: options.dryRun ?? false, prune: options.prune ?? false });
}

/** The document restricted to keys starting with `prefix`: other tests' objects share the server. */
function only(doc: any, prefix: string): any {
  const mine = (x: { key: string }) => x.key.startsWith(prefix);
  return { format: doc.format, layers: doc.layers.filter(mine), experiments: doc.experiments.filter(mine), flags: doc.flags.filter(mine) };
}

describe("exportConfig", () => {
  it("writes every deciding field, valid against the published schema, sorted by key, objects with sorted keys", async () => {
    await ok(await server.gql(CREATE_LAYER, { input: { key: "ex_layer", services: ["ex_svc"], priority: 5, salt: "ex_salt", defaultParams: { z: 1, a: { y: 2, b: 3 } } } }));
    await runningExperiment(server, "ex_b", { layer: "ex_layer", traffic: 4000, rule: { type: "field", field: "country", op: "eq", values: ["US"] } });
    await createExperiment(server, { key: "ex_a", services: ["ex_svc"], variants: [{ key: "only", weight: 1, params: { k: "v" } }] });
    await assign(server, "ex_b", "someone");
    await ok(await server.gql(`mutation { setOverride(experiment: "ex_b", actor: "qa", variant: "treatment") { variant } }`));
    const doc = await exported();
    expect(validate(doc)).toBe(true);
    const mine = only(doc, "ex_");
    expect(mine.layers).toEqual([
      { key: "ex_layer", description: null, priority: 5, services: ["ex_svc"], hashKey: "user_id", salt: "ex_salt", enabled: true, defaultParams: { a: { b: 3, y: 2 }, z: 1 } },
    ]);
    expect(Object.keys(mine.layers[0].defaultParams)).toEqual(["a", "z"]);
    expect(mine.experiments.map((e: any) => e.key)).toEqual(["ex_a", "ex_b"]);
    const [a, b] = mine.experiments;
    expect(a).toMatchObject({ layer: null, state: "DRAFT", traffic: 10_000, slots: [{ start: 0, end: 10_000 }], overrides: [] });
    expect(b).toMatchObject({
      layer: "ex_layer",
      state: "RUNNING",
      traffic: 4000,
      slots: [{ start: 0, end: 4000 }],
      rule: { field: "country", op: "eq", type: "field", values: ["US"] },
      overrides: [{ actor: "qa", variant: "treatment" }],
    });
    expect(b.ranges).toEqual([
      { start: 0, end: 2000, vid: b.variants[0].vid },
      { start: 2000, end: 4000, vid: b.variants[1].vid },
    ]);
    // Never assignments, exposures or keys.
    expect(JSON.stringify(doc)).not.toContain("someone");
    expect(JSON.stringify(doc)).not.toContain("tsk_");
  });

  it("is refused to an SDK key and allowed to a VIEWER (SPEC §13)", async () => {
    const sdk = ok(await server.gql(`mutation { createApiKey(input: {name: "doc-sdk", role: SDK}) { secret } }`)).createApiKey.secret;
    const viewer = ok(await server.gql(`mutation { createApiKey(input: {name: "doc-viewer", role: VIEWER}) { secret } }`)).createApiKey.secret;
    const refused = await server.gql(EXPORT, {}, { authorization: `Bearer ${sdk}` });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("FORBIDDEN");
    expect(ok(await server.gql(EXPORT, {}, { authorization: `Bearer ${viewer}` })).exportConfig.format).toBe("tessera.config/v1");
    const viewerImport = await server.gql(IMPORT, { d: { format: "tessera.config/v1" } }, { authorization: `Bearer ${viewer}` });
    expect(errorCode(viewerImport)).toBe("FORBIDDEN");
  });
});

describe("importConfig", () => {
  const P = "pl_";

  /** Two running experiments in a layer of 10,000 slots, one with an assignment. */
  async function seed(): Promise<any> {
    ok(await server.gql(CREATE_LAYER, { input: { key: `${P}layer`, services: [`${P}svc`] } }));
    await runningExperiment(server, `${P}keep`, { layer: `${P}layer`, traffic: 4000 });
    await runningExperiment(server, `${P}gone`, { layer: `${P}layer`, traffic: 2000 });
    return only(await exported(), P);
  }

  it("plans weights changed, an experiment added and one pruned; the dry run writes nothing; applying writes one version", async () => {
    const before = await seed();
    const keep = before.experiments.find((e: any) => e.key === `${P}keep`);
    const desired = {
      format: "tessera.config/v1",
      layers: before.layers,
      experiments: [
        { ...keep, variants: [{ ...keep.variants[0], weight: 90 }, { ...keep.variants[1], weight: 10 }] },
        { key: `${P}new`, layer: `${P}layer`, traffic: 1000, state: "RUNNING", variants: [{ key: "on", weight: 1, params: { on: true } }] },
      ],
      flags: [],
    };
    // What setWeights would move, from the same allocation.
    const preview = ok(await server.gql(SET_WEIGHTS, { key: `${P}keep`, weights: [{ key: "control", weight: 90 }, { key: "treatment", weight: 10 }], dryRun: true })).setWeights;
    expect(preview.slotsMoved).toBe(1600);

    const version = await configVersion(server);
    const otherKeys = only(await exported(), "ex_");
    const dry = ok(await importDocument(desired, { dryRun: true, prune: true })).importConfig;
    expect(dry).toMatchObject({ applied: false, configVersion: version });
    const mineChanges = dry.changes.filter((c: any) => c.key.startsWith(P));
    expect(mineChanges).toEqual([
      { kind: "experiment", key: `${P}gone`, action: "DELETE", detail: "archived: not in the document (prune)" },
      { kind: "experiment", key: `${P}keep`, action: "UPDATE", detail: 'weight of "control" 50 → 90; weight of "treatment" 50 → 10; 1600 slots move' },
      { kind: "experiment", key: `${P}new`, action: "CREATE", detail: 'RUNNING in layer "pl_layer", 1 variant(s), 1000 slots' },
    ]);
    // slotsMoved counts every existing experiment: the pruned one gives its 2,000 slots back.
    const prunedElsewhere = dry.changes.filter((c: any) => !c.key.startsWith(P));
    expect(prunedElsewhere.every((c: any) => c.action === "DELETE")).toBe(true);
    expect(await configVersion(server)).toBe(version);
    expect(only(await exported(), P)).toEqual(before);

    // Without prune: the same document archives nothing.
    const applied = ok(await importDocument(desired)).importConfig;
    expect(applied).toMatchObject({ applied: true, configVersion: version + 1, slotsMoved: 1600 });
    expect(applied.changes.map((c: any) => `${c.action} ${c.key}`)).toEqual([`UPDATE ${P}keep`, `CREATE ${P}new`]);
    expect(await configVersion(server)).toBe(version + 1);
    expect(only(await exported(), "ex_")).toEqual(otherKeys);
    const after = only(await exported(), P);
    const keepAfter = after.experiments.find((e: any) => e.key === `${P}keep`);
    expect(keepAfter.variants.map((v: any) => v.weight)).toEqual([90, 10]);
    expect(keepAfter.slots).toEqual(keep.slots);
    expect(after.experiments.find((e: any) => e.key === `${P}new`)).toMatchObject({ state: "RUNNING", traffic: 1000, slots: [{ start: 6000, end: 7000 }] });
    expect(after.experiments.find((e: any) => e.key === `${P}gone`).state).toBe("RUNNING");

    const events = ok(await server.gql(CHANGES, { since: version })).configChanges;
    expect(events).toEqual([{ version: version + 1, kind: "import", keys: [`${P}keep`, `${P}new`], services: [`${P}svc`], mutation: "imported" }]);
    const history = ok(await server.gql(HISTORY, { key: `${P}new`, limit: 0 })).history;
    expect(history.map((h: any) => [h.mutation, h.configVersion])).toEqual([["imported", version + 1]]);
    // Served at once: an actor in the new experiment's slots gets its params.
    const slotOf = await loadSlotOf();
    let actor = 0;
    while (Math.floor(slotOf(`${P}layer`, `n${actor}`) / 1000) !== 6) actor++;
    const decision = ok(await server.gql(DECIDE, { s: [`${P}svc`], c: { user_id: `n${actor}` } })).decide.results[0];
    expect(decision).toMatchObject({ parameters: { on: true }, experiments: [{ experiment: `${P}new`, variant: "on" }] });

    // Applying the same document again changes nothing and commits nothing.
    const again = ok(await importDocument(desired)).importConfig;
    expect(again).toMatchObject({ applied: true, configVersion: version + 1, slotsMoved: 0, changes: [] });
    expect(ok(await server.gql(CONFIG_VERSION)).configVersion).toBe(version + 1);

    // Prune, restricted to this test's objects by listing everything else as it is.
    const everything = await exported();
    const pruneDoc = { ...everything, experiments: everything.experiments.filter((e: any) => e.key !== `${P}gone`) };
    const pruned = ok(await importDocument(pruneDoc, { prune: true })).importConfig;
    expect(pruned.changes).toEqual([{ kind: "experiment", key: `${P}gone`, action: "DELETE", detail: "archived: not in the document (prune)" }]);
    expect(pruned.slotsMoved).toBe(2000);
    const gone = (await exported()).experiments.find((e: any) => e.key === `${P}gone`);
    expect(gone).toMatchObject({ state: "ARCHIVED", traffic: 0, slots: [], ranges: [] });
  });

  it("refuses to drop a variant actors are assigned to: CONFLICT at its path, nothing written", async () => {
    await runningExperiment(server, "as_exp");
    expect(errorCode(await assign(server, "as_exp", "u-assigned"))).toBeUndefined();
    const doc = await exported();
    const exp = doc.experiments.find((e: any) => e.key === "as_exp");
    const assigned = ok(await server.gql(`{ assignment(experiment: "as_exp", actor: "u-assigned") { variant } }`)).assignment.variant;
    const index = doc.experiments.indexOf(exp);
    const dropped = { ...doc, experiments: doc.experiments.map((e: any) => (e === exp ? { ...e, variants: e.variants.filter((v: any) => v.key !== assigned), slots: undefined, ranges: undefined } : e)) };
    const version = await configVersion(server);
    const res = await importDocument(dropped);
    expect(errorCode(res)).toBe("CONFLICT");
    expect(res.errors![0]!.extensions).toMatchObject({ field: `document.experiments[${index}].variants`, variant: assigned });
    expect(await configVersion(server)).toBe(version);
    expect(await exported()).toEqual(doc);
  });

  it("moves states only forward and changes nothing archived", async () => {
    await runningExperiment(server, "st_exp");
    const doc = await exported();
    const i = doc.experiments.findIndex((e: any) => e.key === "st_exp");
    const withState = (state: string, extra: Record<string, unknown> = {}) => ({ ...doc, experiments: doc.experiments.map((e: any, k: number) => (k === i ? { ...e, state, ...extra } : e)) });
    const back = await importDocument(withState("DRAFT"));
    expect(errorCode(back)).toBe("CONFLICT");
    expect(back.errors![0]!.extensions.field).toBe(`document.experiments[${i}].state`);
    const noWinner = await importDocument(withState("CONCLUDED"));
    expect(errorCode(noWinner)).toBe("BAD_USER_INPUT");
    expect(noWinner.errors![0]!.extensions.field).toBe(`document.experiments[${i}].winner`);
    const concluded = ok(await importDocument(withState("CONCLUDED", { winner: "treatment" }))).importConfig;
    expect(concluded.changes).toEqual([{ kind: "experiment", key: "st_exp", action: "UPDATE", detail: 'state "RUNNING" → "CONCLUDED"; winner none → "treatment"' }]);
    ok(await importDocument(withState("ARCHIVED", { winner: "treatment" })));
    const archived = await exported();
    const k = archived.experiments.findIndex((e: any) => e.key === "st_exp");
    const changed = { ...archived, experiments: archived.experiments.map((e: any, n: number) => (n === k ? { ...e, description: "again" } : e)) };
    const res = await importDocument(changed);
    expect(errorCode(res)).toBe("ARCHIVED");
    expect(res.errors![0]!.extensions.field).toBe(`document.experiments[${k}]`);
  });

  it("names the JSON path of a fault: the schema's, then the rules' and the layers'", async () => {
    const version = await configVersion(server);
    const cases: Array<[unknown, string, string]> = [
      [{ format: "tessera.config/v2" }, "BAD_USER_INPUT", "document.format"],
      [{ format: "tessera.config/v1", experiments: [{ key: "f_a", variants: [{ key: "x", weight: "1" }] }] }, "BAD_USER_INPUT", "document.experiments[0].variants[0].weight"],
      [{ format: "tessera.config/v1", experiments: [{ key: "f_a", variants: [{ key: "x", weight: 1 }], colour: "red" }] }, "BAD_USER_INPUT", "document.experiments[0].colour"],
      [{ format: "tessera.config/v1", layers: [{ key: "f_l" }] }, "BAD_USER_INPUT", "document.layers[0].services"],
      [
        { format: "tessera.config/v1", experiments: [{ key: "f_a", variants: [{ key: "x", weight: 1 }], rule: { type: "and", children: [{ type: "field", field: "a", op: "eq", values: [1] }, { type: "field", field: "b", op: "between", values: [1] }] } }] },
        "BAD_USER_INPUT",
        "document.experiments[0].rule.children[1].op",
      ],
      [{ format: "tessera.config/v1", experiments: [{ key: "f_a", layer: "f_nowhere", traffic: 10, variants: [{ key: "x", weight: 1 }] }] }, "BAD_USER_INPUT", "document.experiments[0].layer"],
      [
        { format: "tessera.config/v1", layers: [{ key: "f_l", services: ["s"] }], experiments: [{ key: "f_a", layer: "f_l", traffic: 6000, variants: [{ key: "x", weight: 1 }] }, { key: "f_b", layer: "f_l", traffic: 6000, variants: [{ key: "y", weight: 1 }] }] },
        "CONFLICT",
        "document.experiments[1].traffic",
      ],
      [
        { format: "tessera.config/v1", experiments: [{ key: "f_a", variants: [{ key: "x", weight: 1, vid: 900001 }] }, { key: "f_b", variants: [{ key: "y", weight: 1, vid: 900001 }] }] },
        "CONFLICT",
        "document.experiments[1].key",
      ],
      [{ format: "tessera.config/v1", layers: [{ key: "f_x", services: [] }], flags: [{ key: "f_x" }] }, "CONFLICT", "document.flags[0].key"],
      [{ format: "tessera.config/v1", flags: [{ key: "f_f", rules: [{ key: "r", type: "EXPERIMENT", experiment: "f_missing" }] }] }, "BAD_USER_INPUT", "document.flags[0].rules[0].experiment"],
      [{ format: "tessera.config/v1", flags: [{ key: "f_f", rules: [{ key: "r", type: "DELIVERY" }], forcedDecisions: [{ rule: "r", actor: "a", variation: "maybe" }] }] }, "NO_VARIANT", "document.flags[0].forcedDecisions[0].variation"],
    ];
    for (const [document, code, field] of cases) {
      const res = await importDocument(document, { dryRun: false });
      expect([JSON.stringify(document), errorCode(res), res.errors?.[0]?.extensions.field]).toEqual([JSON.stringify(document), code, field]);
      expect(res.status).not.toBe(500);
    }
    expect(await configVersion(server)).toBe(version);
  });

  it("never changes a layer's salt and takes slots written in the document as they are", async () => {
    const doc = {
      format: "tessera.config/v1",
      layers: [{ key: "sl_layer", services: ["sl_svc"], salt: "sl_salt" }],
      experiments: [
        { key: "sl_a", layer: "sl_layer", state: "RUNNING", variants: [{ key: "x", weight: 1, vid: 700001 }, { key: "y", weight: 1, vid: 700002 }], slots: [{ start: 100, end: 200 }, { start: 9000, end: 9100 }], ranges: [{ start: 100, end: 200, vid: 700002 }, { start: 9000, end: 9100, vid: 700001 }] },
      ],
    };
    const created = ok(await importDocument(doc)).importConfig;
    expect(created.changes.map((c: any) => c.action)).toEqual(["CREATE", "CREATE"]);
    const exp = (await exported()).experiments.find((e: any) => e.key === "sl_a");
    expect(exp).toMatchObject({ traffic: 200, slots: doc.experiments[0]!.slots, ranges: doc.experiments[0]!.ranges });
    const salted = await importDocument({ ...doc, layers: [{ ...doc.layers[0], salt: "other" }] });
    expect(errorCode(salted)).toBe("CONFLICT");
    expect(salted.errors![0]!.extensions.field).toBe("document.layers[0].salt");
    const overlap = await importDocument({ ...doc, experiments: [{ ...doc.experiments[0], slots: [{ start: 0, end: 300 }, { start: 200, end: 400 }], ranges: [] }] });
    expect(errorCode(overlap)).toBe("BAD_USER_INPUT");
    expect(overlap.errors![0]!.extensions.field).toBe("document.experiments[0].slots[1]");
  });
});
