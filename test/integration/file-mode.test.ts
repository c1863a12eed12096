// File mode with the layered system's own files (SPEC §15, `001`): the README's layer and experiment served
// as the layered system serves them, and every way a file changes (edit, rename, a ConfigMap's ..data swap,
// deletion) served without a restart.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ok } from "../helpers/factories";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { type Decided, README_EXPERIMENT, README_LAYER, decide, fileServerPerSuite, readyz, startFileServer, until, untilVersionAbove } from "../helpers/file-mode";
import { ADMIN_HEADERS, type TestServer } from "../helpers/test-server";

let slotOf: SlotOf;
beforeAll(async () => {
  slotOf = await loadSlotOf();
});

const BASELINE = { algorithm: "baseline", timeout: 100 };
const NEW_MODEL = { algorithm: "new_model", timeout: 200 };

/** What the README's configuration gives a context: the rule (US, age ≥ 18), then the slot's range. */
function expected(context: Record<string, unknown>, split = 5_000): { vids: number[]; parameters: object; slot: number | null } {
  if (context.country !== "US" || typeof context.age !== "number" || context.age < 18) return { vids: [], parameters: {}, slot: null };
  const slot = slotOf("click_exp_2024", String(context.user_id));
  return slot < split ? { vids: [1001], parameters: BASELINE, slot } : { vids: [1002], parameters: NEW_MODEL, slot };
}

const CONTEXTS: Array<Record<string, unknown>> = Array.from({ length: 120 }, (_, i) => ({
  user_id: `user_${i}`,
  country: i % 4 === 3 ? "DE" : "US",
  age: i % 5 === 4 ? 16 : 18 + (i % 40),
}));

function check(decided: Decided, context: Record<string, unknown>, split = 5_000): void {
  const want = expected(context, split);
  const result = decided.results[0]!;
  expect(result.service).toBe("ranker_svc");
  expect({ vids: result.vids, parameters: result.parameters }).toEqual({ vids: want.vids, parameters: want.parameters });
  if (want.slot === null) expect(result.experiments).toEqual([]);
  else {
    expect(result.experiments).toEqual([{ experiment: "100", variant: String(want.vids[0]), vid: want.vids[0], layer: "click_experiment", slot: want.slot, source: "BUCKET" }]);
    expect(result.matchedLayers).toEqual(["click_experiment"]);
  }
}

// The layered system's data plane stores nothing (STORAGE=none): every decision is bucketing, as there.
describe("the 001 README's files in LAYERS_DIR and EXPERIMENTS_DIR", () => {
  const suite = fileServerPerSuite({ storage: "none" });

  it("decides every context as the layered system does: the rule, then XXH32(salt:user_id) mod 10000 against the ranges", async () => {
    const seen = new Set<number>();
    for (const context of CONTEXTS) {
      const decided = await decide(suite.server, ["ranker_svc"], context);
      expect(decided.configVersion).toBe(1);
      check(decided, context);
      for (const vid of decided.results[0]!.vids) seen.add(vid);
    }
    // Both halves of the layer are reached: the contexts are not all on one side.
    expect([...seen].sort()).toEqual([1001, 1002]);
    const ready = await readyz(suite.server);
    expect(ready).toMatchObject({ httpStatus: 200, status: "ready", configVersion: 1, config: { source: "file", error: null } });
  });

  it("answers POST /experiment with the 001 response, exactly as the layered system's README shows it, from the same decision", async () => {
    const url = suite.server.url.replace(/\/graphql$/, "/experiment");
    const post = async (body: unknown) => {
      const res = await fetch(url, { method: "POST", headers: { ...ADMIN_HEADERS, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return res.text();
    };
    // The README's own request.
    const readme = { services: ["ranker_svc"], context: { user_id: "user_12345", country: "US", age: 25 } };
    const want = expected(readme.context);
    expect(await post(readme)).toBe(JSON.stringify({ results: { ranker_svc: { parameters: want.parameters, vids: want.vids, matched_layers: ["click_experiment"] } } }));
    for (const context of CONTEXTS) {
      const answer = JSON.parse(await post({ services: ["ranker_svc", "nobody_svc"], context }));
      const w = expected(context);
      expect(answer).toEqual({
        results: {
          ranker_svc: { parameters: w.parameters, vids: w.vids, matched_layers: w.slot === null ? [] : ["click_experiment"] },
          nobody_svc: { parameters: {}, vids: [], matched_layers: [] },
        },
      });
    }
  });

  it("exports the files as a tessera.config/v1 document (what a server with a database imports)", async () => {
    const doc = ok(await suite.server.gql(`{ exportConfig }`)).exportConfig;
    expect(doc.layers).toEqual([{ key: "click_experiment", description: "layers/click.json, version v1", priority: 200, services: ["ranker_svc"], hashKey: "user_id", salt: "click_exp_2024", enabled: true, defaultParams: {} }]);
    expect(doc.experiments).toHaveLength(1);
    expect(doc.experiments[0]).toMatchObject({
      key: "100",
      layer: "click_experiment",
      state: "RUNNING",
      traffic: 10_000,
      ranges: [{ start: 0, end: 5000, vid: 1001 }, { start: 5000, end: 10_000, vid: 1002 }],
      variants: [{ key: "1001", vid: 1001, weight: 5000, params: BASELINE }, { key: "1002", vid: 1002, weight: 5000, params: NEW_MODEL }],
    });
  });

  it("the configuration queries answer what the files say (the layered shapes mapped as SPEC §15 says)", async () => {
    const shown = ok(
      await suite.server.gql(`{
        experiments { key state layer services rule traffic variants { key vid weight params } }
        layers { key description priority services hashKey salt enabled ranges { start end vid } freeSlots }
        layer(key: "click_experiment") { key }
        experiment(key: "100") { key }
        flags { key }
      }`),
    );
    expect(shown.experiments).toEqual([
      {
        key: "100",
        state: "RUNNING",
        layer: "click_experiment",
        services: ["ranker_svc"],
        rule: JSON.parse(README_EXPERIMENT).rule,
        traffic: 10000,
        variants: [
          { key: "1001", vid: 1001, weight: 5000, params: BASELINE },
          { key: "1002", vid: 1002, weight: 5000, params: NEW_MODEL },
        ],
      },
    ]);
    expect(shown.layers).toEqual([
      {
        key: "click_experiment",
        description: "layers/click.json, version v1",
        priority: 200,
        services: ["ranker_svc"],
        hashKey: "user_id",
        salt: "click_exp_2024",
        enabled: true,
        ranges: [{ start: 0, end: 5000, vid: 1001 }, { start: 5000, end: 10000, vid: 1002 }],
        freeSlots: 0,
      },
    ]);
    expect(shown.layer).toEqual({ key: "click_experiment" });
    expect(shown.experiment).toEqual({ key: "100" });
    expect(shown.flags).toEqual([]);
  });

  it("a file edited in place is served as the next configuration version", async () => {
    const before = (await decide(suite.server, [], {})).configVersion;
    suite.folders.write("layers/click.json", README_LAYER.replace('"end": 5000', '"end": 2000').replace('"start": 5000', '"start": 2000'));
    const after = await untilVersionAbove(suite.server, before);
    expect(after.configVersion).toBe(before + 1);
    for (const context of CONTEXTS) check(await decide(suite.server, ["ranker_svc"], context), context, 2_000);
  });

  it("a file replaced by rename is served", async () => {
    const before = (await decide(suite.server, [], {})).configVersion;
    suite.folders.replace("layers/click.json", README_LAYER.replace('"end": 5000', '"end": 7000').replace('"start": 5000', '"start": 7000'));
    await untilVersionAbove(suite.server, before);
    for (const context of CONTEXTS) check(await decide(suite.server, ["ranker_svc"], context), context, 7_000);
  });

  it("a deleted experiment file takes its experiment away; written again, it is back", async () => {
    const before = (await decide(suite.server, [], {})).configVersion;
    const text = fs.readFileSync(path.join(suite.folders.experimentsDir, "100.json"), "utf8");
    suite.folders.remove("experiments/100.json");
    await untilVersionAbove(suite.server, before);
    const user = CONTEXTS.find((c) => expected(c).slot !== null)!;
    const gone = await decide(suite.server, ["ranker_svc"], user);
    expect(gone.results[0]).toMatchObject({ parameters: {}, vids: [], experiments: [] });
    // A range whose vid no experiment holds serves nothing; that is a warning, not a refusal.
    expect((await readyz(suite.server)).status).toBe("ready");
    suite.folders.write("experiments/100.json", text);
    await untilVersionAbove(suite.server, gone.configVersion);
    check(await decide(suite.server, ["ranker_svc"], user), user, 7_000);
  });

  it("a second layer file adds a layer; deleting it removes it", async () => {
    const before = (await decide(suite.server, [], {})).configVersion;
    suite.folders.write("layers/color.json", { layer_id: "color", priority: 100, salt: "color_2024", ranges: [{ start: 0, end: 10000, vid: 2001 }] });
    suite.folders.write("experiments/200.json", { eid: 200, service: "ranker_svc", variants: [{ vid: 2001, params: { color: "blue", timeout: 5 } }] });
    const added = await until(() => decide(suite.server, ["ranker_svc"], { user_id: "u1", country: "DE" }), (d) => d.configVersion > before && d.results[0]!.vids.length > 0);
    expect(added.results[0]).toMatchObject({ parameters: { color: "blue", timeout: 5 }, vids: [2001], matchedLayers: ["color"] });
    // Priorities merge as in 001: click_experiment (200) wins the shared timeout over color (100).
    const us = CONTEXTS.find((c) => expected(c).slot !== null)!;
    const merged = (await decide(suite.server, ["ranker_svc"], us)).results[0]!;
    expect(merged.parameters).toEqual({ ...expected(us, 7_000).parameters, color: "blue" });
    suite.folders.remove("layers/color.json");
    suite.folders.remove("experiments/200.json");
    const removed = await until(() => decide(suite.server, ["ranker_svc"], { user_id: "u1", country: "DE" }), (d) => d.results[0]!.vids.length === 0);
    expect(removed.results[0]!.matchedLayers).toEqual([]);
  });

  it("a disabled layer (enabled: false) serves nothing", async () => {
    const before = (await decide(suite.server, [], {})).configVersion;
    const user = CONTEXTS.find((c) => expected(c).slot !== null)!;
    suite.folders.write("layers/click.json", README_LAYER.replace('"enabled": true', '"enabled": false'));
    await untilVersionAbove(suite.server, before);
    expect((await decide(suite.server, ["ranker_svc"], user)).results[0]).toMatchObject({ parameters: {}, vids: [] });
    suite.folders.write("layers/click.json", README_LAYER);
    await until(() => decide(suite.server, ["ranker_svc"], user), (d) => d.results[0]!.vids.length === 1);
  });
});

describe("a Kubernetes ConfigMap volume: the files are links through ..data, swapped whole", () => {
  let root: string;
  let server: TestServer;

  /** The kubelet's layout: `..<timestamp>/` holds the files, `..data` links to it, `layers` and `experiments` link through `..data`. */
  function publish(name: string, layer: string): void {
    const dir = path.join(root, name);
    fs.mkdirSync(path.join(dir, "layers"), { recursive: true });
    fs.mkdirSync(path.join(dir, "experiments"), { recursive: true });
    fs.writeFileSync(path.join(dir, "layers", "click.json"), layer);
    fs.writeFileSync(path.join(dir, "experiments", "100.json"), README_EXPERIMENT);
    fs.symlinkSync(name, path.join(root, "..data_tmp"));
    fs.renameSync(path.join(root, "..data_tmp"), path.join(root, "..data"));
  }
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-configmap-"));
    publish("..2026_01_01_00_00_00.000000001", README_LAYER);
    fs.symlinkSync("..data/layers", path.join(root, "layers"));
    fs.symlinkSync("..data/experiments", path.join(root, "experiments"));
    server = await startFileServer({ kind: "layered", layersDir: path.join(root, "layers"), experimentsDir: path.join(root, "experiments") }, { storage: "none" });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("serves the new files after the swap, and again after the next one", async () => {
    for (const context of CONTEXTS.slice(0, 20)) check(await decide(server, ["ranker_svc"], context), context);
    publish("..2026_01_01_00_01_00.000000002", README_LAYER.replace('"end": 5000', '"end": 3000').replace('"start": 5000', '"start": 3000'));
    fs.rmSync(path.join(root, "..2026_01_01_00_00_00.000000001"), { recursive: true });
    await untilVersionAbove(server, 1);
    for (const context of CONTEXTS.slice(0, 40)) check(await decide(server, ["ranker_svc"], context), context, 3_000);
    publish("..2026_01_01_00_02_00.000000003", README_LAYER.replace('"end": 5000', '"end": 9000').replace('"start": 5000', '"start": 9000'));
    await untilVersionAbove(server, 2);
    for (const context of CONTEXTS.slice(0, 40)) check(await decide(server, ["ranker_svc"], context), context, 9_000);
  });
});
