// Metrics of two instances on one PostgreSQL (SPEC §14): a change made on one is counted as served on
// the other (propagation, version, layers recompiled), while each counts only its own requests.

import { START, createExperiment, ok, uniqueKey } from "../helpers/factories";
import { startInstances, type Instances, waitForVersion } from "../helpers/instances";
import { scrape } from "../helpers/prometheus-scrape";
import { ADMIN_HEADERS } from "../helpers/test-server";

let instances: Instances;
beforeAll(async () => {
  instances = await startInstances(2);
});
afterAll(() => instances.close());

it("a change made on A is served on B: B's version, propagation and layer reloads count it; A's requests stay A's", async () => {
  const [a, b] = instances.servers;
  const before = await scrape(b, ADMIN_HEADERS);
  expect(before.value("tessera_listener_connected")).toBe(1);
  const key = uniqueKey("propagated");
  await createExperiment(a, { key, services: ["metrics_instances"], variants: [{ key: "a", weight: 1 }] });
  ok(await a.gql(START, { key }));
  const committed = ok(await a.gql("query { configVersion }")).configVersion as number;
  await waitForVersion(b, committed);

  const after = await scrape(b, ADMIN_HEADERS);
  expect(after.value("tessera_config_version")).toBe(committed);
  expect(after.value("tessera_config_version") - before.value("tessera_config_version")).toBe(2);
  expect(after.count("tessera_config_propagation_seconds") - before.count("tessera_config_propagation_seconds")).toBe(2);
  expect(after.value("experiment_layer_reload_total") - before.value("experiment_layer_reload_total")).toBeGreaterThanOrEqual(2);
  // The mutations were A's requests: B counted none of them.
  for (const operation of ["createExperiment", "startExperiment"]) {
    expect(after.value("experiment_requests_total", { operation }) - before.value("experiment_requests_total", { operation })).toBe(0);
  }
  expect((await scrape(a, ADMIN_HEADERS)).value("experiment_requests_total", { operation: "startExperiment" })).toBe(1);
});
