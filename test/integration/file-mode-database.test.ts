// File mode on a database (SPEC §15): the files are imported into it, the files deciding, so assignments,
// exposures, history and change events work as in database mode, and what would lose stored data (a
// variant actors are assigned to) is refused like a bad file: named, logged, the last good serving.

import { ok } from "../helpers/factories";
import { README_EXPERIMENT, README_LAYER, decide, fileServerPerSuite, readyz, until, untilVersionAbove } from "../helpers/file-mode";
import { collectingLogger } from "../helpers/outage";

const log = collectingLogger("warn");
const suite = fileServerPerSuite({ logger: log.logger });

const US_ADULT = { user_id: "db_user_1", country: "US", age: 30 };

it("stores assignments and exposures, and records the files' import in history and the change log", async () => {
  const first = await decide(suite.server, ["ranker_svc"], US_ADULT);
  expect(first.results[0]!.experiments[0]).toMatchObject({ experiment: "100", source: "BUCKET" });
  const again = await decide(suite.server, ["ranker_svc"], US_ADULT);
  expect(again.results[0]!.experiments[0]).toMatchObject({ experiment: "100", variant: first.results[0]!.experiments[0]!.variant, source: "STICKY" });
  const assigned = ok(await suite.server.gql(`mutation { assign(experiment: "100", actor: "db_user_2", context: {country: "US", age: 40}) { variant vid } }`)).assign;
  expect(["1001", "1002"]).toContain(assigned.variant);
  const counts = await until(async () => ok(await suite.server.gql(`{ exposureCounts(experiment: "100") { variant exposures } }`)).exposureCounts, (c: Array<{ exposures: number }>) => c.reduce((n, x) => n + x.exposures, 0) >= 2);
  expect(counts.reduce((n: number, x: { exposures: number }) => n + x.exposures, 0)).toBe(2);
  expect(ok(await suite.server.gql(`{ history(key: "100") { mutation actor } }`)).history).toEqual([{ mutation: "imported", actor: "file mode" }]);
  const imports = ok(await suite.server.gql(`{ configChanges(since: 0) { kind keys actor } }`)).configChanges;
  expect(imports).toEqual([{ kind: "import", keys: ["100", "click_experiment"], actor: "file mode" }]);
});

it("a deleted experiment file archives its experiment; written again, it runs again with its assignments", async () => {
  const before = await decide(suite.server, ["ranker_svc"], US_ADULT);
  suite.folders.remove("experiments/100.json");
  await untilVersionAbove(suite.server, before.configVersion);
  const gone = await decide(suite.server, ["ranker_svc"], US_ADULT);
  expect(gone.results[0]!.experiments).toEqual([]);
  expect(ok(await suite.server.gql(`{ experiment(key: "100") { state } }`)).experiment.state).toBe("ARCHIVED");
  suite.folders.write("experiments/100.json", README_EXPERIMENT);
  await untilVersionAbove(suite.server, gone.configVersion);
  const back = await decide(suite.server, ["ranker_svc"], US_ADULT);
  expect(back.results[0]!.experiments[0]).toMatchObject({ variant: before.results[0]!.experiments[0]!.variant, source: "STICKY" });
  expect(ok(await suite.server.gql(`{ experiment(key: "100") { state } }`)).experiment.state).toBe("RUNNING");
});

it("refuses files that drop a variant actors are assigned to: the file and path named, logged, the last good serving", async () => {
  const good = await decide(suite.server, ["ranker_svc"], US_ADULT);
  const kept = good.results[0]!.experiments[0]!.vid;
  const experiment = JSON.parse(README_EXPERIMENT);
  experiment.variants = experiment.variants.filter((v: { vid: number }) => v.vid === kept);
  const layer = JSON.parse(README_LAYER);
  layer.ranges = [{ start: 0, end: 10_000, vid: kept }];
  const dropped = kept === 1001 ? "1002" : "1001";
  // Make sure someone holds the variant the files drop.
  for (let i = 0; ; i++) {
    const held = ok(await suite.server.gql(`mutation($a: String!) { assign(experiment: "100", actor: $a, context: {country: "US", age: 40}) { variant } }`, { a: `holder_${i}` })).assign;
    if (held.variant === dropped) break;
  }
  suite.folders.write("experiments/100.json", experiment);
  suite.folders.write("layers/click.json", layer);
  const report = await until(() => readyz(suite.server), (r) => r.config?.error != null);
  expect(report).toMatchObject({ httpStatus: 200, status: "degraded", config: { error: { file: "experiments/100.json", field: "variants" } } });
  expect(report.config!.error!.message).toMatch(new RegExp(`cannot delete variant "${dropped}" of "100": \\d+ actor\\(s\\) are assigned to it`));
  expect(log.lines().some((l) => l.level === 50 && l.file === "experiments/100.json" && l.field === "variants")).toBe(true);
  expect(await decide(suite.server, ["ranker_svc"], US_ADULT)).toEqual({ ...good, results: [{ ...good.results[0]!, experiments: [{ ...good.results[0]!.experiments[0]!, source: "STICKY" }] }] });
  suite.folders.write("experiments/100.json", README_EXPERIMENT);
  suite.folders.write("layers/click.json", README_LAYER);
  const back = await until(() => readyz(suite.server), (r) => r.config?.error === null);
  expect(back).toMatchObject({ httpStatus: 200, status: "ready" });
});
