// A property of many instances: random changes (experiments, layers, flags), made on two instances one by one and concurrently,
// leave both snapshots equal to a fresh full load (SPEC §10: every instance follows every change).

import xxhash from "xxhash-wasm";
import { SlotHasher } from "../../src/engine/slot-hasher";
import { compileSnapshot } from "../../src/engine/snapshot";
import { ConfigStateRepository } from "../../src/persistence/config-state.repository";
import { createDataSource } from "../../src/persistence/data-source";
import { Database } from "../../src/persistence/database";
import { ARCHIVE, CLEAR_OVERRIDE, CONCLUDE, CREATE, SET_OVERRIDE, SET_WEIGHTS, START, configVersion } from "../helpers/factories";
import { ARCHIVE_FLAG, CREATE_FLAG, SET_FLAG_ENABLED, SET_FLAG_RULES, SET_FORCED } from "../helpers/flag-factories";
import { type Instances, startInstances, waitForVersion } from "../helpers/instances";
import { CREATE_LAYER, SET_TRAFFIC, UPDATE_LAYER } from "../helpers/layer-factories";
import { int, prng } from "../helpers/prng";
import { canonical } from "../helpers/snapshot-canonical";
import type { GqlResponse, TestServer } from "../helpers/test-server";

const UPDATE = `mutation($key: String!, $input: UpdateExperimentInput!) { updateExperiment(key: $key, input: $input) { key } }`;
const SERVICES = ["web", "app", "api"];
const RULES = [null, { type: "field", field: "country", op: "eq", values: ["US"] }, { type: "field", field: "age", op: "gte", values: [21] }];

let instances: Instances;
let hasher: SlotHasher;
beforeAll(async () => {
  instances = await startInstances(2);
  hasher = new SlotHasher((await xxhash()).h32);
});
afterAll(() => instances.close());

/** One random mutation: any of them may be refused (a wrong state, no free slots), none may fail otherwise. */
function randomChange(rand: () => number, step: number): [string, Record<string, unknown>] {
  const pick = <T>(xs: readonly T[]): T => xs[int(rand, 0, xs.length - 1)]!;
  const layer = `lay${int(rand, 0, 3)}`;
  const exp = `exp${int(rand, 0, 9)}`;
  const services = SERVICES.filter(() => rand() < 0.5);
  const flag = `flg${int(rand, 0, 3)}`;
  const flagRules = () => [
    ...(rand() < 0.5 ? [{ key: "ab", type: "EXPERIMENT", experiment: exp, audience: pick(RULES) }] : []),
    { key: "beta", type: "DELIVERY", audience: pick(RULES), traffic: int(rand, 0, 10) * 1000, variables: { color: `c${step}` } },
    { key: "everyone", type: "DELIVERY", traffic: int(rand, 0, 10) * 1000, enabled: rand() < 0.5 },
  ];
  switch (int(rand, 0, 15)) {
    case 12:
      return [CREATE_FLAG, { input: { key: flag, services, variables: { color: "grey", step }, rules: flagRules() } }];
    case 13:
      return [SET_FLAG_RULES, { key: flag, rules: flagRules() }];
    case 14:
      return [SET_FORCED, { flag, rule: pick(["beta", "everyone"]), actor: `a${int(rand, 0, 5)}`, variation: pick(["on", "off"]) }];
    case 15:
      return rand() < 0.2 ? [ARCHIVE_FLAG, { key: flag }] : [SET_FLAG_ENABLED, { key: flag, enabled: rand() < 0.6 }];
    case 0:
      return [CREATE_LAYER, { input: { key: layer, services: services.length ? services : ["web"], priority: int(rand, 0, 3), defaultParams: { ui: { step } } } }];
    case 1:
      return [UPDATE_LAYER, { key: layer, input: { priority: int(rand, 0, 3), enabled: rand() < 0.8, defaultParams: { ui: { step }, [`k${int(rand, 0, 2)}`]: step } } }];
    case 2: {
      const inLayer = rand() < 0.6;
      const variants = [{ key: "control", weight: int(rand, 0, 3), params: { ui: { arm: "c" } } }, { key: "treatment", weight: int(rand, 1, 3), params: { ui: { arm: "t" }, [`p${step}`]: 1 } }];
      return [CREATE, { input: { key: exp, services, variants, rule: pick(RULES), exclusionGroup: pick([null, "g1", "g2"]), ...(inLayer ? { layer, traffic: int(rand, 1, 4) * 1000 } : {}) } }];
    }
    case 3:
    case 4:
      return [START, { key: exp }];
    case 5:
      return [CONCLUDE, { key: exp, winner: pick(["control", "treatment"]) }];
    case 6:
      return [ARCHIVE, { key: exp }];
    case 7:
      return [SET_WEIGHTS, { key: exp, weights: [{ key: "control", weight: int(rand, 0, 5) }, { key: "treatment", weight: int(rand, 1, 5) }] }];
    case 8:
      return [SET_TRAFFIC, { key: exp, traffic: int(rand, 0, 10) * 1000 }];
    case 9:
      return [SET_OVERRIDE, { experiment: exp, actor: `a${int(rand, 0, 5)}`, variant: pick(["control", "treatment"]) }];
    case 10:
      return [CLEAR_OVERRIDE, { experiment: exp, actor: `a${int(rand, 0, 5)}` }];
    default:
      return [UPDATE, { key: exp, input: { rule: pick(RULES), exclusionGroup: pick([null, "g1", "g2"]), services } }];
  }
}

async function freshSnapshot() {
  const dataSource = createDataSource(instances.database.config);
  await dataSource.initialize();
  try {
    const state = await new Database(dataSource).consistentRead((em) => new ConfigStateRepository(em).load());
    return compileSnapshot(state, hasher);
  } finally {
    await dataSource.destroy();
  }
}

it.each([11, 29, 47])("seed %i: after random interleaved changes both instances hold the snapshot a fresh load compiles", async (seed) => {
  const rand = prng(seed);
  const servers = instances.servers;
  const unexpected: string[] = [];
  let applied = 0;
  let flagsSeen = 0;
  const run = async (server: TestServer, [query, variables]: [string, Record<string, unknown>]) => {
    const res: GqlResponse = await server.gql(query, variables, { "x-actor": `seed-${seed}` });
    const code = res.errors?.[0]?.extensions.code;
    if (!res.errors) applied++;
    if (code === "INTERNAL_SERVER_ERROR" || code === "UNAVAILABLE") unexpected.push(`${code}: ${res.errors![0]!.message}`);
  };
  for (let round = 0; round < 6; round++) {
    // One by one, each on either instance...
    for (let i = 0; i < 8; i++) await run(servers[int(rand, 0, 1)]!, randomChange(rand, round * 100 + i));
    // ...then a burst made on both at once.
    await Promise.all(Array.from({ length: 6 }, (_, i) => run(servers[i % 2]!, randomChange(rand, round * 100 + 50 + i))));
    const newest = await configVersion(servers[0]!);
    for (const server of servers) await waitForVersion(server, newest);
    const expected = canonical(await freshSnapshot());
    expect(expected.version).toBe(newest);
    for (const server of servers) expect(canonical(server.app.snapshots.snapshot)).toEqual(expected);
    flagsSeen = expected.flags.length;
  }
  // Flags took part: the comparison covered their compiled rules and forced decisions too.
  expect(flagsSeen).toBeGreaterThan(0);
  expect(unexpected).toEqual([]);
  // Most random changes are refused (wrong state, unknown key): enough must go through to prove anything.
  expect(applied).toBeGreaterThanOrEqual(25);
});
