// An import made on one instance is followed by another (SPEC §10, §15): one change event of kind
// `import`, and the other instance's snapshot (layers, experiments, flags) decides as the first's.

import { ok } from "../helpers/factories";
import { type Instances, startInstances, waitForVersion } from "../helpers/instances";
import type { TestServer } from "../helpers/test-server";
import { type Collector, type WsClient, subscribed } from "../helpers/ws-client";

let instances: Instances;
let a: TestServer;
let b: TestServer;
const clients: WsClient[] = [];
const collectors: Collector[] = [];

beforeAll(async () => {
  instances = await startInstances(2);
  [a, b] = instances.servers as [TestServer, TestServer];
});
afterAll(async () => {
  for (const c of collectors) c.stop();
  await Promise.all(clients.map((c) => c.dispose()));
  await instances?.close();
});

const IMPORT = `mutation($d: JSON!, $prune: Boolean) { importConfig(document: $d, prune: $prune) { configVersion changes { key action } } }`;
const DECIDE = `query($c: JSON!) {
  decide(services: ["imp_web"], context: $c) { results { parameters vids matchedLayers experiments { experiment variant slot source } } }
  decideFlags(context: $c) { flags { flag enabled variables rule variation source } } }`;

const variants = (a: number, b: number) => [{ key: "a", weight: a, params: { v: "a" } }, { key: "b", weight: b, params: { v: "b" } }];
const document = (weights: [number, number], withOld: boolean) => ({
  format: "tessera.config/v1",
  layers: [{ key: "imp_layer", services: ["imp_web"], priority: 10, defaultParams: { v: "default" } }],
  experiments: [
    { key: "imp_main", layer: "imp_layer", traffic: 6000, state: "RUNNING", variants: variants(...weights) },
    ...(withOld ? [{ key: "imp_old", layer: "imp_layer", traffic: 2000, state: "RUNNING", variants: variants(1, 1) }] : []),
    { key: "imp_own", services: ["imp_web"], state: "RUNNING", rule: { type: "field", field: "country", op: "eq", values: ["US"] }, variants: variants(1, 3) },
  ],
  flags: [{ key: "imp_flag", services: ["imp_web"], variables: { on: false }, rules: [{ key: "exp", type: "EXPERIMENT", experiment: "imp_main" }, { key: "all", type: "DELIVERY", traffic: 3000, variables: { on: true } }] }],
});

async function sameDecisions(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const context = { user_id: `imp-user-${i}`, country: i % 2 ? "US" : "DE" };
    // One database: whichever instance decides second finds the first's stored assignment (STICKY, not BUCKET).
    const [onA, onB] = await Promise.all([a.gql(DECIDE, { c: context }), b.gql(DECIDE, { c: context })]);
    const sourceless = (data: any) => JSON.parse(JSON.stringify(data).replace(/"source":"(STICKY|BUCKET)"/g, '"source":"decided"'));
    expect(sourceless(ok(onB))).toEqual(sourceless(ok(onA)));
    // The flag the import made is served, on A (which caught up by the same read) as on B.
    expect(ok(onA).decideFlags.flags.map((f: { flag: string }) => f.flag)).toEqual(["imp_flag"]);
  }
}

it("B follows each import made on A: one event of kind import, then the same decisions", async () => {
  const onB = await subscribed(b, { clients, collectors }, { services: ["imp_web"] });
  const first = ok(await a.gql(IMPORT, { d: document([1, 1], true) })).importConfig;
  expect(first.changes.map((c: any) => `${c.action} ${c.key}`)).toEqual(["CREATE imp_layer", "CREATE imp_main", "CREATE imp_old", "CREATE imp_own", "CREATE imp_flag"]);
  await waitForVersion(b, first.configVersion);
  await sameDecisions(60);

  // Weights moved, one experiment pruned: B recompiles what the one event names.
  const everythingElse = { ...document([3, 1], false) };
  const second = ok(await a.gql(IMPORT, { d: everythingElse, prune: true })).importConfig;
  expect(second.changes.map((c: any) => `${c.action} ${c.key}`)).toEqual(["UPDATE imp_main", "DELETE imp_old"]);
  await waitForVersion(b, second.configVersion);
  await sameDecisions(60);

  const events = await onB.untilVersion(second.configVersion);
  expect(events.map((e) => [e.version, e.kind, e.mutation])).toEqual([
    [first.configVersion, "import", "imported"],
    [second.configVersion, "import", "imported"],
  ]);
});
