// File mode's refusals (SPEC §15): an invalid file is refused naming the file and the JSON path, the last
// good configuration keeps serving, /readyz says so, and the next good write is served.

import fs from "node:fs";
import { README_EXPERIMENT, README_LAYER, decide, fileServerPerSuite, readyz, until, untilVersionAbove } from "../helpers/file-mode";
import { collectingLogger } from "../helpers/outage";

const log = collectingLogger("warn");
// The mechanics of refusal, on the data plane of the layered system (no database): the database's own refusals are in file-mode-database.test.ts.
const suite = fileServerPerSuite({ logger: log.logger, storage: "none" });

const US_ADULT = { user_id: "user_7", country: "US", age: 30 };

/** Writes a bad file, expects it refused as `fault`, the last good still served; then writes the good file back. */
async function refused(write: () => void, fault: { file: string; field: string; message: RegExp }, restore: () => void): Promise<void> {
  const good = await decide(suite.server, ["ranker_svc"], US_ADULT);
  write();
  const report = await until(() => readyz(suite.server), (r) => r.config?.error != null);
  expect(report).toMatchObject({ httpStatus: 200, status: "degraded", configVersion: good.configVersion, config: { source: "file", error: { file: fault.file, field: fault.field } } });
  expect(report.config!.error!.message).toMatch(fault.message);
  // Logged as an error, with the file and the JSON path.
  expect(log.lines().filter((l) => l.level === 50 && l.file === fault.file && l.field === fault.field).map((l) => l.msg)).toContain("configuration file refused: the last good configuration keeps serving");
  // The last good configuration keeps serving, unchanged.
  expect(await decide(suite.server, ["ranker_svc"], US_ADULT)).toEqual(good);
  restore();
  const back = await until(() => readyz(suite.server), (r) => r.config?.error === null);
  expect(back).toMatchObject({ httpStatus: 200, status: "ready" });
}

it("invalid JSON", async () => {
  await refused(
    () => suite.folders.write("experiments/100.json", "{ \"eid\": 100, oops }"),
    { file: "experiments/100.json", field: "$", message: /is not JSON/ },
    () => suite.folders.write("experiments/100.json", README_EXPERIMENT),
  );
});

it("a file written in two parts: the first part is refused, the whole is served", async () => {
  const before = (await decide(suite.server, [], {})).configVersion;
  const changed = README_LAYER.replace('"end": 5000', '"end": 4000').replace('"start": 5000', '"start": 4000');
  const half = Math.floor(changed.length / 2);
  suite.folders.write("layers/click.json", changed.slice(0, half));
  const report = await until(() => readyz(suite.server), (r) => r.config?.error != null);
  expect(report.config!.error).toMatchObject({ file: "layers/click.json", field: "$" });
  expect((await decide(suite.server, [], {})).configVersion).toBe(before);
  fs.appendFileSync(`${suite.folders.layersDir}/click.json`, changed.slice(half));
  const served = await untilVersionAbove(suite.server, before);
  expect(served.configVersion).toBe(before + 1);
  expect((await readyz(suite.server)).config!.error).toBeNull();
});

it("two ranges of a layer overlap", async () => {
  await refused(
    () => suite.folders.write("layers/click.json", README_LAYER.replace('"start": 5000', '"start": 4000')),
    { file: "layers/click.json", field: "ranges[1]", message: /\[4000, 10000\) overlaps ranges\[0\] \[0, 5000\)/ },
    () => suite.folders.write("layers/click.json", README_LAYER),
  );
});

it("a vid in two layers", async () => {
  await refused(
    () => suite.folders.write("layers/other.json", { layer_id: "other", salt: "o", ranges: [{ start: 0, end: 100, vid: 1002 }] }),
    { file: "layers/other.json", field: "ranges[0].vid", message: /vid 1002 is also in layer "click_experiment" \(layers\/click\.json: ranges\[1\]\.vid\)/ },
    () => suite.folders.remove("layers/other.json"),
  );
});

it("an experiment whose vids are spread over two layers", async () => {
  await refused(
    () => {
      suite.folders.write("layers/click.json", README_LAYER.replace(',\n    {"start": 5000, "end": 10000, "vid": 1002}', ""));
      suite.folders.write("layers/other.json", { layer_id: "other", ranges: [{ start: 0, end: 100, vid: 1002 }] });
    },
    { file: "experiments/100.json", field: "variants[1].vid", message: /vid 1002 is in layer "other" \(layers\/other\.json\) but vid 1001 is in layer "click_experiment"/ },
    () => {
      suite.folders.remove("layers/other.json");
      suite.folders.write("layers/click.json", README_LAYER);
    },
  );
});

it("a vid in two experiments, and an eid twice", async () => {
  await refused(
    () => suite.folders.write("experiments/101.json", { eid: 101, service: "ranker_svc", variants: [{ vid: 1001, params: {} }] }),
    { file: "experiments/101.json", field: "variants[0].vid", message: /vid 1001 is also a variant of experiment "100" \(experiments\/100\.json: variants\[0\]\.vid\)/ },
    () => suite.folders.remove("experiments/101.json"),
  );
  await refused(
    () => suite.folders.write("experiments/copy.json", README_EXPERIMENT),
    { file: "experiments/copy.json", field: "eid", message: /experiment "100" is also defined in experiments\/100\.json/ },
    () => suite.folders.remove("experiments/copy.json"),
  );
});

it("a rule the engine refuses, at its JSON path inside the experiment file", async () => {
  await refused(
    () => suite.folders.write("experiments/100.json", README_EXPERIMENT.replace('"op": "gte"', '"op": "bigger"')),
    { file: "experiments/100.json", field: "rule.children[1].op", message: /op must be one of eq, neq/ },
    () => suite.folders.write("experiments/100.json", README_EXPERIMENT),
  );
});

it("a layer_id that is not a Tessera key", async () => {
  await refused(
    () => suite.folders.write("layers/click.json", README_LAYER.replace('"click_experiment"', '"Click Experiment"')),
    { file: "layers/click.json", field: "layer_id", message: /must match/ },
    () => suite.folders.write("layers/click.json", README_LAYER),
  );
});
