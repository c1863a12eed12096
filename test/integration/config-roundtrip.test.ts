// The round-trip property of SPEC §15: a random configuration built through the mutations, exported,
// imported into a server that has none of it and exported again, gives the same document, and the same
// `decide` and `decideFlags` answers for random contexts.
//
// One server B for every seed (a server per seed costs seconds each): seed by seed, A gets the seed's
// objects (keys, services' actors all prefixed by the seed), then A's whole export is imported into B.
// B then holds exactly the earlier seeds (imported before, equal to A's), and none of this seed's keys:
// for the seed, B is empty, and the plan must create exactly the seed's keys and touch nothing else. The
// first seed meets a B with an empty database. Fresh actors of each seed are decided on both servers in
// the same order, so the sticky assignments both store agree.

import Ajv2020 from "ajv/dist/2020";
import schema from "../../schemas/tessera.config.v1.schema.json";
import { DECISION_FIELDS } from "../helpers/decide-factories";
import { ok } from "../helpers/factories";
import { prng } from "../helpers/prng";
import { RandomConfig, SERVICES } from "../helpers/random-config";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { type TestDatabase, createTestDatabase, databaseEnv } from "../helpers/test-database";
import { type GqlResponse, type TestServer, startTestServer } from "../helpers/test-server";

const SEEDS = [11, 23, 37, 41, 59];
const CONTEXTS_PER_SEED = 80;

const EXPORT = `{ exportConfig }`;
const IMPORT = `mutation($document: JSON!) { importConfig(document: $document) { applied configVersion slotsMoved changes { kind key action detail } } }`;
const VERSION = `{ configVersion }`;
const DECIDE = `query($services: [String!]!, $context: JSON!) { decide(services: $services, context: $context) { ${DECISION_FIELDS} } }`;
const DECIDE_FLAGS = `query($context: JSON!) { decideFlags(context: $context) { configVersion flags { flag enabled variables rule variation source } } }`;

const validDocument = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

let a: TestServer;
let b: ServerProcess;
let bDatabase: TestDatabase;

let bStarting: Promise<ServerProcess> | undefined;

beforeAll(async () => {
  bDatabase = await createTestDatabase();
  // B logs where it listens at level info: that line is how startServerProcess knows it is up.
  bStarting = startServerProcess(databaseEnv(bDatabase.config));
  [a, b] = await Promise.all([startTestServer(), bStarting]);
}, 60_000);

afterAll(async () => {
  // Even when B never came up, its process must not outlive the suite.
  const started = await bStarting?.catch(() => undefined);
  started?.child.kill("SIGTERM");
  await started?.exited;
  await Promise.all([a?.close(), bDatabase?.drop()]);
});

const onB = async (query: string, variables: Record<string, unknown> = {}) => ok((await b.gql(query, variables)) as GqlResponse);
const versionOf = async (gql: (q: string) => Promise<Record<string, any>>) => (await gql(VERSION)).configVersion as number;

/** Everything a decision answers but the version it was decided at. */
const answers = (decision: { configVersion: number }) => ({ ...decision, configVersion: undefined });

/** decide over every service and decideFlags over every flag, in this order, one request at a time. */
async function decideAll(gql: (q: string, v: Record<string, unknown>) => Promise<Record<string, any>>, contexts: readonly unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const context of contexts) {
    out.push(answers((await gql(DECIDE, { services: SERVICES, context })).decide));
    out.push(answers((await gql(DECIDE_FLAGS, { context })).decideFlags));
  }
  return out;
}

describe.each(SEEDS.map((seed, i) => ({ seed, i })))("seed $seed", ({ seed, i }) => {
  const rand = prng(seed);
  const config = new RandomConfig((q, v) => a.gql(q, v), rand, `s${i}`);
  let document: Record<string, any>;

  it("builds on A through the mutations; A's export is a valid tessera.config/v1 document", async () => {
    await config.buildExperiments();
    await config.buildStatesAndFlags();
    document = ok(await a.gql(EXPORT)).exportConfig;
    expect(validDocument(document) ? [] : validDocument.errors).toEqual([]);
    // Every kind the property is about is in the seed's part of the document.
    const mine = document.experiments.filter((e: any) => e.key.startsWith(`s${i}-`));
    expect(mine.length).toBe(config.experiments.length);
    expect(mine.some((e: any) => e.layer === null)).toBe(true);
    expect(mine.some((e: any) => e.overrides.length > 0)).toBe(true);
    expect(document.flags.filter((f: any) => f.key.startsWith(`s${i}-`)).length).toBe(config.flags.length);
  });

  it("imported into B, which has none of its keys, in one version creating exactly them; B's export is A's", async () => {
    const before = await versionOf(onB);
    const plan = (await onB(IMPORT, { document })).importConfig;
    expect({ applied: plan.applied, configVersion: plan.configVersion, slotsMoved: plan.slotsMoved }).toEqual({ applied: true, configVersion: before + 1, slotsMoved: 0 });
    expect(plan.changes.map((c: any) => `${c.action} ${c.key}`).sort()).toEqual(config.keys.map((k) => `CREATE ${k}`));
    expect(await versionOf(onB)).toBe(before + 1);
    expect((await onB(EXPORT)).exportConfig).toEqual(document);
  });

  it("importing the same document again changes nothing and keeps the version, on B and on A where it came from", async () => {
    const onA = async (query: string, variables: Record<string, unknown> = {}) => ok(await a.gql(query, variables));
    for (const gql of [onB, onA]) {
      const before = await versionOf(gql);
      const plan = (await gql(IMPORT, { document })).importConfig;
      expect(plan).toEqual({ applied: true, configVersion: before, slotsMoved: 0, changes: [] });
      expect(await versionOf(gql)).toBe(before);
    }
  });

  it(`decides ${CONTEXTS_PER_SEED} random contexts on B as on A (decide over every service, decideFlags over every flag)`, async () => {
    const contexts = Array.from({ length: CONTEXTS_PER_SEED }, () => config.context());
    const [onA, onBAnswers] = await Promise.all([decideAll((q, v) => a.gql(q, v).then(ok), contexts), decideAll(onB, contexts)]);
    expect(onBAnswers).toEqual(onA);
    // The contexts reach experiments and flags, not only defaults.
    const sources = new Set((onA as any[]).flatMap((d) => (d.results ?? []).flatMap((r: any) => r.experiments.map((e: any) => e.source))));
    const flagSources = new Set((onA as any[]).flatMap((d) => (d.flags ?? []).map((f: any) => f.source)));
    expect([...sources].length).toBeGreaterThan(1);
    expect([...flagSources].length).toBeGreaterThan(1);
  });
});

it("the seeds together hold every kind the property is about", async () => {
  const doc = ok(await a.gql(EXPORT)).exportConfig;
  const experiments: any[] = doc.experiments;
  const rules: any[] = doc.flags.flatMap((f: any) => f.rules);
  const coverage = {
    states: [...new Set(experiments.map((e) => e.state))].sort(),
    implicitAndExplicit: [...new Set(experiments.map((e) => e.layer === null))].sort(),
    disabledLayer: doc.layers.some((l: any) => !l.enabled),
    saltOfItsOwn: doc.layers.some((l: any) => l.salt !== l.key),
    deviceHashKey: doc.layers.some((l: any) => l.hashKey === "device_id"),
    // More runs than variants: weights, traffic and direct ranges left the slots fragmented.
    fragmented: experiments.some((e) => e.ranges.length > e.variants.length),
    exclusionGroup: experiments.some((e) => e.exclusionGroup !== null),
    overrides: experiments.some((e) => e.overrides.length > 0),
    ruleTypes: [...new Set(rules.map((r) => r.type))].sort(),
    disabledFlag: doc.flags.some((f: any) => !f.enabled),
    archivedFlag: doc.flags.some((f: any) => f.archived),
    forcedDecisions: doc.flags.some((f: any) => f.forcedDecisions.length > 0),
  };
  expect(coverage).toEqual({
    states: ["ARCHIVED", "CONCLUDED", "DRAFT", "RUNNING"],
    implicitAndExplicit: [false, true],
    disabledLayer: true,
    saltOfItsOwn: true,
    deviceHashKey: true,
    fragmented: true,
    exclusionGroup: true,
    overrides: true,
    ruleTypes: ["DELIVERY", "EXPERIMENT"],
    disabledFlag: true,
    archivedFlag: true,
    forcedDecisions: true,
  });
});
