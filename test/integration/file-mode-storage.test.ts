// File mode's other halves (SPEC §15): CONFIG_FILE with a tessera.config/v1 document; read-only (every
// configuration mutation FORBIDDEN at the access gate, API keys still managed); not ready until a first good
// load; STORAGE=none: a process with no database at all that decides.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ACCESS_RULES, CONFIGURATION_MUTATIONS } from "../../src/api/access-rules";
import { ok } from "../helpers/factories";
import { README_LAYER, decide, layeredFolders, readyz, startFileServer, fileServerPerSuite, until, untilVersionAbove } from "../helpers/file-mode";
import { startServerProcess } from "../helpers/server-process";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import type { TestServer } from "../helpers/test-server";

let slotOf: SlotOf;
let tmp: string;
beforeAll(async () => {
  slotOf = await loadSlotOf();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-file-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const document = (weights: [number, number]) => ({
  format: "tessera.config/v1",
  layers: [{ key: "checkout", services: ["web"], salt: "checkout_salt", priority: 1, defaultParams: { button: "grey" } }],
  experiments: [
    {
      key: "button-color",
      layer: "checkout",
      state: "RUNNING",
      traffic: 10000,
      variants: [
        { key: "blue", vid: 11, weight: weights[0], params: { button: "blue" } },
        { key: "green", vid: 12, weight: weights[1], params: { button: "green" } },
      ],
    },
  ],
});

describe("CONFIG_FILE: a tessera.config/v1 document", () => {
  let server: TestServer;
  let file: string;

  beforeAll(async () => {
    file = path.join(tmp, "tessera.json");
    fs.writeFileSync(file, JSON.stringify(document([50, 50])));
    server = await startFileServer({ kind: "document", file });
  });
  afterAll(() => server.close());

  it("is served, and served again when it changes; a fault is refused at its JSON path", async () => {
    const variantAt = (actor: string, split: number) => (slotOf("checkout_salt", actor) < split ? "blue" : "green");
    for (let i = 0; i < 40; i++) {
      const result = (await decide(server, ["web"], { user_id: `u${i}` })).results[0]!;
      expect(result.parameters).toEqual({ button: variantAt(`u${i}`, 5_000) });
    }
    expect(ok(await server.gql("{ configVersion }")).configVersion).toBe(1);
    fs.writeFileSync(file, JSON.stringify(document([20, 80])));
    await untilVersionAbove(server, 1);
    // On a database the first actors are sticky; new ones follow the new weights.
    for (let i = 0; i < 40; i++) {
      expect((await decide(server, ["web"], { user_id: `u${i}` })).results[0]!.parameters).toEqual({ button: variantAt(`u${i}`, 5_000) });
      expect((await decide(server, ["web"], { user_id: `v${i}` })).results[0]!.parameters).toEqual({ button: variantAt(`v${i}`, 2_000) });
    }
    expect(ok(await server.gql("{ configVersion }")).configVersion).toBe(2);

    const bad = document([20, 80]) as any;
    bad.experiments[0].variants[1].weight = -1;
    fs.writeFileSync(file, JSON.stringify(bad));
    const report = await until(() => readyz(server), (r) => r.config?.error != null);
    expect(report).toMatchObject({ status: "degraded", configVersion: 2, config: { error: { file, field: "experiments[0].variants[1].weight" } } });
    fs.writeFileSync(file, JSON.stringify(document([30, 70])));
    await untilVersionAbove(server, 2);
    expect((await readyz(server)).status).toBe("ready");
  });
});

describe("read-only, on a database", () => {
  const suite = fileServerPerSuite();

  it("every configuration mutation is a configuration mutation: all DEVELOPER may use beyond assign", () => {
    const mutations = Object.keys(ACCESS_RULES.Mutation);
    expect(mutations.filter((m) => !CONFIGURATION_MUTATIONS.has(m)).sort()).toEqual(["assign", "createApiKey", "revokeApiKey"]);
    expect(CONFIGURATION_MUTATIONS).toContain("createExperiment");
    expect(CONFIGURATION_MUTATIONS).toContain("setFlagRules");
  });

  it.each([
    ["createExperiment", `mutation { createExperiment(input: {key: "x", variants: [{key: "a", weight: 1}]}) { key } }`],
    ["startExperiment", `mutation { startExperiment(key: "100") { key } }`],
    ["setWeights", `mutation { setWeights(key: "100", weights: [{key: "1001", weight: 1}]) { applied } }`],
    ["setOverride", `mutation { setOverride(experiment: "100", actor: "a", variant: "1001") { actor } }`],
    ["createLayer", `mutation { createLayer(input: {key: "l", services: ["s"]}) { key } }`],
    ["setLayerRanges", `mutation { setLayerRanges(key: "click_experiment", ranges: []) { key } }`],
    ["createFlag", `mutation { createFlag(input: {key: "f"}) { key } }`],
    ["importConfig", `mutation { importConfig(document: {format: "tessera.config/v1"}) { applied } }`],
  ])("%s is FORBIDDEN, naming the field", async (field, query) => {
    const res = await suite.server.gql(query);
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field });
    expect(res.errors?.[0]?.message).toMatch(/the configuration comes from files \(file mode\) and is read-only/);
  });

  it("API keys are not configuration from files: an ADMIN creates and revokes one, and the key registry follows; the files' experiments are untouched", async () => {
    const created = ok(await suite.server.gql(`mutation { createApiKey(input: {name: "sdk", role: SDK}) { secret apiKey { id } } }`)).createApiKey;
    const headers = { authorization: `Bearer ${created.secret}` };
    const query = `query { decide(services: ["ranker_svc"], context: {user_id: "u1", country: "US", age: 20}) { results { vids } } }`;
    const decided = await until(() => suite.server.gql(query, {}, headers), (r) => r.status === 200);
    expect(decided.data.decide.results[0].vids).toHaveLength(1);
    ok(await suite.server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id }));
    await until(() => suite.server.gql(query, {}, headers), (r) => r.status === 401);
    expect(ok(await suite.server.gql(`{ experiment(key: "100") { state } }`)).experiment).toEqual({ state: "RUNNING" });
  });
});

it("AUTH=off does not lift read-only: the mode refuses before any key is looked at", async () => {
  const folders = layeredFolders();
  const server = await startFileServer(folders.source, { storage: "none", config: { auth: { enabled: false, adminKey: null, adminKeyRateLimit: 100 } } });
  try {
    const res = await server.gql(`mutation { createLayer(input: {key: "l", services: ["s"]}) { key } }`, {}, { authorization: "" });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "createLayer" });
    expect((await decide(server, ["ranker_svc"], { user_id: "u" })).configVersion).toBe(1);
  } finally {
    await server.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  }
});

it("not ready (503) until the files are first valid; then ready (STORAGE=none: nothing is served before)", async () => {
  const folders = layeredFolders();
  folders.write("layers/click.json", README_LAYER.slice(0, 40));
  const server = await startFileServer(folders.source, { storage: "none" });
  try {
    const report = await readyz(server);
    expect(report).toMatchObject({ httpStatus: 503, status: "unavailable", configVersion: null, config: { source: "file", error: { file: "layers/click.json", field: "$" } } });
    const refused = await server.gql(`{ decide(services: ["ranker_svc"], context: {user_id: "u"}) { configVersion } }`);
    expect(refused.errors?.[0]?.extensions.code).toBe("UNAVAILABLE");
    folders.write("layers/click.json", README_LAYER);
    const ready = await until(() => readyz(server), (r) => r.httpStatus === 200);
    expect(ready).toMatchObject({ status: "ready", configVersion: 1, config: { error: null } });
  } finally {
    await server.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  }
});

describe("STORAGE=none: a process with no database", () => {
  it("starts without DATABASE_URL or PGlite, decides from the files, refuses what needs a database, stops cleanly", async () => {
    const folders = layeredFolders();
    const pgliteDir = path.join(tmp, "never-made");
    const server = await startServerProcess({ STORAGE: "none", LAYERS_DIR: folders.layersDir, EXPERIMENTS_DIR: folders.experimentsDir, DATABASE_URL: undefined, PGLITE_DIR: pgliteDir });
    try {
      const context = { user_id: "user_3", country: "US", age: 40 };
      const slot = slotOf("click_exp_2024", "user_3");
      const decided = await server.gql(`query($c: JSON!) { decide(services: ["ranker_svc"], context: $c) { configVersion results { vids experiments { slot source } } } }`, { c: context });
      expect(decided.data.decide).toEqual({ configVersion: 1, results: [{ vids: [slot < 5000 ? 1001 : 1002], experiments: [{ slot, source: "BUCKET" }] }] });
      const batch = await server.gql(`{ decideBatch(requests: [{services: ["ranker_svc"], context: {user_id: "a", country: "US", age: 20}}, {services: ["ranker_svc"], context: {user_id: "b"}}]) { results { vids } } }`);
      expect(batch.data.decideBatch).toHaveLength(2);
      const flags = await server.gql(`{ decideFlags(context: {user_id: "a"}) { configVersion flags { flag } } }`);
      expect(flags.data.decideFlags).toEqual({ configVersion: 1, flags: [] });
      for (const [field, query] of [
        ["history", `{ history(key: "100") { key } }`],
        ["assign", `mutation { assign(experiment: "100", actor: "a") { variant } }`],
        ["createApiKey", `mutation { createApiKey(input: {name: "k", role: SDK}) { secret } }`],
        ["startExperiment", `mutation { startExperiment(key: "100") { key } }`],
      ]) {
        const res = await server.gql(query!);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field });
      }
      const layers = await server.gql(`{ layers { key ranges { vid } } experiment(key: "100") { state } }`);
      expect(layers.data).toEqual({ layers: [{ key: "click_experiment", ranges: [{ vid: 1001 }, { vid: 1002 }] }], experiment: { state: "RUNNING" } });
      const report = (await (await fetch(server.url.replace(/\/graphql$/, "/readyz"))).json()) as Record<string, unknown>;
      expect(report).toMatchObject({ status: "ready", configVersion: 1, database: "none", listener: "none", config: { source: "file", error: null } });
      expect(fs.existsSync(pgliteDir)).toBe(false);
      expect(server.output()).not.toMatch(/migration/i);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill("SIGKILL");
      fs.rmSync(folders.root, { recursive: true, force: true });
    }
  });

  it("refuses to start without files", async () => {
    await expect(startServerProcess({ STORAGE: "none", DATABASE_URL: undefined })).rejects.toThrow(/STORAGE=none runs without a database, so the configuration must come from files/);
  });
});
