// documentOfLayeredFiles: the 001 files as a tessera.config/v1 document, and faults named by file and JSON path.

import { EMPTY_DOCUMENT } from "../../src/engine/config-document";
import { planImport } from "../../src/engine/config-plan";
import { DomainError } from "../../src/engine/errors";
import { FileFaultError, documentOfLayeredFiles, faultInFiles } from "../../src/engine/layered-files";
import { README_EXPERIMENT, README_LAYER } from "../helpers/file-mode";

const layer = (text: string, file = "layers/click.json") => ({ file, text });
const experiment = (value: object | string, file = "experiments/100.json") => ({ file, text: typeof value === "string" ? value : JSON.stringify(value) });

function faultOf(work: () => unknown): { file: string; field: string; message: string } {
  try {
    work();
  } catch (error) {
    if (error instanceof FileFaultError) return error.fault;
    throw error;
  }
  throw new Error("no fault");
}

it("the README's layer and experiment: eid and vids as text, RUNNING in the layer, slots and ranges as written, weights from the range sizes", () => {
  const converted = documentOfLayeredFiles([layer(README_LAYER)], [experiment(README_EXPERIMENT)]);
  expect(converted.warnings).toEqual([]);
  expect(converted.document).toEqual({
    format: "tessera.config/v1",
    layers: [{ key: "click_experiment", description: "layers/click.json, version v1", priority: 200, services: ["ranker_svc"], hashKey: "user_id", salt: "click_exp_2024", enabled: true, defaultParams: {} }],
    experiments: [
      {
        key: "100",
        services: ["ranker_svc"],
        layer: "click_experiment",
        state: "RUNNING",
        rule: JSON.parse(README_EXPERIMENT).rule,
        slots: [{ start: 0, end: 5000 }, { start: 5000, end: 10000 }],
        ranges: [{ start: 0, end: 5000, vid: 1001 }, { start: 5000, end: 10000, vid: 1002 }],
        variants: [
          { key: "1001", vid: 1001, weight: 5000, params: { algorithm: "baseline", timeout: 100 } },
          { key: "1002", vid: 1002, weight: 5000, params: { algorithm: "new_model", timeout: 200 } },
        ],
      },
    ],
  });
  const planned = planImport(EMPTY_DOCUMENT, converted.document, { prune: false }).document;
  expect(planned.experiments[0]).toMatchObject({ traffic: 10000, slots: [{ start: 0, end: 10000 }] });
});

it("defaults: priority 0, hash key user_id, salt = layer_id, enabled; a layer with no experiment serves no service", () => {
  const converted = documentOfLayeredFiles([layer(JSON.stringify({ layer_id: "bare", ranges: [{ start: 0, end: 10, vid: 7 }] }), "layers/bare.json")], []);
  expect(converted.document.layers).toEqual([{ key: "bare", description: "layers/bare.json", priority: 0, services: [], hashKey: "user_id", salt: "bare", enabled: true, defaultParams: {} }]);
  expect(converted.warnings).toEqual([{ file: "layers/bare.json", field: "ranges[0].vid", message: "vid 7 is a variant of no experiment file: these slots serve nothing" }]);
});

it("an experiment in no layer is not served, with a warning; a vid the layer does not hold weighs 0", () => {
  const lone = experiment({ eid: "lone", service: "s", variants: [{ vid: 9 }] }, "experiments/lone.json");
  const partial = experiment({ eid: 100, service: "s", variants: [{ vid: 1001 }, { vid: 1002 }, { vid: 1003 }] });
  const converted = documentOfLayeredFiles([layer(README_LAYER)], [lone, partial]);
  expect(converted.document.experiments!.map((e) => e.key)).toEqual(["100"]);
  expect(converted.document.experiments![0]!.variants.map((v) => v.weight)).toEqual([5000, 5000, 0]);
  expect(converted.warnings).toEqual([{ file: "experiments/lone.json", field: "variants", message: 'no layer\'s ranges hold a vid of experiment "lone": it is not served' }]);
});

it.each([
  ["a layer without layer_id", [layer("{}")], [], { file: "layers/click.json", field: "layer_id" }],
  ["a range past the layer", [layer(README_LAYER.replace("10000", "10001"))], [], { file: "layers/click.json", field: "ranges[1].end" }],
  ["an empty range", [layer(README_LAYER.replace('"end": 5000', '"end": 0'))], [], { file: "layers/click.json", field: "ranges[0]" }],
  ["an eid that is no key", [], [experiment({ eid: "Big One", service: "s", variants: [{ vid: 1 }] })], { file: "experiments/100.json", field: "eid" }],
  ["no service", [], [experiment({ eid: 1, variants: [{ vid: 1 }] })], { file: "experiments/100.json", field: "service" }],
  ["a vid twice in one experiment", [], [experiment({ eid: 1, service: "s", variants: [{ vid: 1 }, { vid: 1 }] })], { file: "experiments/100.json", field: "variants[1].vid" }],
  ["params that are not an object", [], [experiment({ eid: 1, service: "s", variants: [{ vid: 1, params: [] }] })], { file: "experiments/100.json", field: "variants[0].params" }],
  ["a layer file holding a list", [layer("[]")], [], { file: "layers/click.json", field: "$" }],
])("refuses %s, naming the file and the path", (_, layers, experiments, expected) => {
  expect(faultOf(() => documentOfLayeredFiles(layers, experiments))).toMatchObject(expected);
});

it("names a fault the planner finds in the file it came from", () => {
  const converted = documentOfLayeredFiles([layer(README_LAYER)], [experiment(README_EXPERIMENT)]);
  const error = new DomainError("BAD_USER_INPUT", "bad", { field: "document.experiments[0].rule.children[0].op" });
  expect(faultInFiles(error, converted, "document")).toEqual({ file: "experiments/100.json", field: "rule.children[0].op", message: "bad" });
  expect(faultInFiles(new DomainError("CONFLICT", "x", { field: "document.layers[0].key" }), converted, "document")).toMatchObject({ file: "layers/click.json", field: "layer_id" });
  expect(faultInFiles(new DomainError("CONFLICT", "x", { field: "document" }), converted, "document")).toBeNull();
});
