// Experiment management through GraphQL: lifecycle, listing, history, weights, overrides, groups.

import {
  ARCHIVE, ASSIGN, CLEAR_OVERRIDE, CONCLUDE, CREATE, EXPERIMENT, FIFTY_FIFTY, HISTORY, SET_OVERRIDE, SET_WEIGHTS, START,
  assign, createExperiment, errorCode, ok, runningExperiment, uniqueKey,
} from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const UPDATE = `mutation($key: String!, $input: UpdateExperimentInput!) {
  updateExperiment(key: $key, input: $input) { key description services exclusionGroup version variants { key vid weight params } } }`;
const LIST = `query($state: ExperimentState, $service: String) { experiments(state: $state, service: $service) { key state } }`;
const ASSIGNMENT = `query($experiment: String!, $actor: String!) { assignment(experiment: $experiment, actor: $actor) { variant isOverride } }`;
const VERSION = `{ configVersion }`;
const configVersion = async () => ok(await server.gql(VERSION)).configVersion as number;
const mutations = async (key: string) => ok(await server.gql(HISTORY, { key, limit: 0 })).history.map((r: any) => r.mutation);

describe("create and read", () => {
  it("creates a DRAFT experiment with its own layer, vids and a full-layer contiguous split", async () => {
    const key = uniqueKey();
    const exp = await createExperiment(server, {
      key,
      description: "checkout button",
      services: ["web", "ranker_svc"],
      variants: [{ key: "control", weight: 1, params: { color: "blue" } }, { key: "treatment", weight: 1, params: { color: "green" } }],
    });
    expect(exp).toMatchObject({ key, state: "DRAFT", layer: key, traffic: 10000, version: 1, winner: null, description: "checkout button" });
    expect(exp.services).toEqual(["web", "ranker_svc"]);
    expect(exp.variants.map((v: any) => v.params)).toEqual([{ color: "blue" }, { color: "green" }]);
    const [a, b] = exp.variants.map((v: any) => v.vid);
    expect(b).toBe(a + 1);
    expect(ok(await server.gql(EXPERIMENT, { key })).experiment).toEqual(exp);
  });

  it("keeps a given vid and refuses one already used (CONFLICT)", async () => {
    const key = uniqueKey();
    const exp = await createExperiment(server, { key, variants: [{ key: "a", weight: 1, vid: 900001 }] });
    expect(exp.variants[0].vid).toBe(900001);
    const clash = await server.gql(CREATE, { input: { key: uniqueKey(), variants: [{ key: "b", weight: 1, vid: 900001 }] } });
    expect(errorCode(clash)).toBe("CONFLICT");
    expect(clash.errors![0]!.extensions.field).toBe("input.variants[0].vid");
  });

  it("experiment(key) is null when unknown", async () => {
    expect(ok(await server.gql(EXPERIMENT, { key: "nope" })).experiment).toBeNull();
  });

  it("lists experiments sorted by key, filtered by state and service", async () => {
    const prefix = uniqueKey("list");
    for (const name of ["gamma", "alpha", "beta"]) {
      await createExperiment(server, { key: `${prefix}.${name}`, services: [`${prefix}_svc`], variants: FIFTY_FIFTY });
    }
    ok(await server.gql(START, { key: `${prefix}.beta` }));
    const all = ok(await server.gql(LIST, { service: `${prefix}_svc` })).experiments;
    expect(all.map((e: any) => e.key)).toEqual([`${prefix}.alpha`, `${prefix}.beta`, `${prefix}.gamma`]);
    const running = ok(await server.gql(LIST, { state: "RUNNING", service: `${prefix}_svc` })).experiments;
    expect(running).toEqual([{ key: `${prefix}.beta`, state: "RUNNING" }]);
  });
});

describe("lifecycle and history", () => {
  it("walks DRAFT → RUNNING → CONCLUDED → ARCHIVED with one history record each, newest first", async () => {
    const key = uniqueKey();
    await createExperiment(server, { key, variants: FIFTY_FIFTY });
    expect(ok(await server.gql(START, { key })).startExperiment).toMatchObject({ state: "RUNNING", version: 2 });
    expect(ok(await server.gql(CONCLUDE, { key, winner: "treatment" })).concludeExperiment).toMatchObject({ state: "CONCLUDED", winner: "treatment" });
    expect(ok(await server.gql(ARCHIVE, { key })).archiveExperiment.state).toBe("ARCHIVED");
    expect(await mutations(key)).toEqual(["archived", "concluded", "started", "created"]);
    expect(errorCode(await server.gql(START, { key }))).toBe("ARCHIVED");
    expect(await mutations(key)).toHaveLength(4);
  });

  it("records who made a change (x-actor) and honours the history limit", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }] }, { "x-actor": "ops@example.com" }));
    const latest = ok(await server.gql(HISTORY, { key, limit: 1 })).history;
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ key, mutation: "set_weights", actor: "ops@example.com" });
    expect(await mutations(key)).toEqual(["set_weights", "started", "created"]);
  });

  it("every configuration change raises configVersion by one, and the record carries it", async () => {
    const before = await configVersion();
    const key = uniqueKey();
    await createExperiment(server, { key, variants: FIFTY_FIFTY });
    ok(await server.gql(START, { key }));
    expect(await configVersion()).toBe(before + 2);
    const [started] = ok(await server.gql(HISTORY, { key, limit: 1 })).history;
    expect(started.configVersion).toBe(before + 2);
  });

  it("create of an existing key is CONFLICT and updateExperiment is recorded as updated", async () => {
    const key = uniqueKey();
    await createExperiment(server, { key, variants: FIFTY_FIFTY });
    expect(errorCode(await server.gql(CREATE, { input: { key, variants: FIFTY_FIFTY } }))).toBe("CONFLICT");
    const updated = ok(await server.gql(UPDATE, { key, input: { description: "new words", services: ["svc_a"], exclusionGroup: "checkout" } })).updateExperiment;
    expect(updated).toMatchObject({ description: "new words", services: ["svc_a"], exclusionGroup: "checkout", version: 2 });
    expect(await mutations(key)).toEqual(["updated", "created"]);
  });
});

describe("weights", () => {
  it("updateExperiment keeps vids of kept variants and refuses to drop an assigned one, naming it", async () => {
    const key = uniqueKey();
    const exp = await runningExperiment(server, key);
    const created = ok(await server.gql(EXPERIMENT, { key })).experiment;
    const served = ok(await assign(server, key, "user1")).assign.variant;
    const kept = served === "control" ? "treatment" : "control";
    const drop = await server.gql(UPDATE, { key, input: { variants: [{ key: kept, weight: 100 }] } });
    expect(errorCode(drop)).toBe("CONFLICT");
    expect(drop.errors![0]!.message).toContain(served);
    const grown = ok(await server.gql(UPDATE, { key, input: { variants: [...FIFTY_FIFTY, { key: "extra", weight: 50, params: { x: 1 } }] } })).updateExperiment;
    expect(grown.variants.slice(0, 2).map((v: any) => v.vid)).toEqual(created.variants.map((v: any) => v.vid));
    expect(grown.variants[2]).toMatchObject({ key: "extra", weight: 50, params: { x: 1 } });
    expect(exp.state).toBe("RUNNING");
  });

  it("dryRun reports the slots that would move and writes nothing", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const version = await configVersion();
    const dry = ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }], dryRun: true })).setWeights;
    expect(dry).toMatchObject({ applied: false, slotsMoved: 2000 });
    expect(dry.experiment.variants.map((v: any) => v.weight)).toEqual([30, 70]);
    expect(await configVersion()).toBe(version);
    expect(ok(await server.gql(EXPERIMENT, { key })).experiment.variants.map((v: any) => v.weight)).toEqual([50, 50]);
    const real = ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }] })).setWeights;
    expect(real).toMatchObject({ applied: true, slotsMoved: 2000 });
    expect(real.experiment.variants.map((v: any) => v.weight)).toEqual([30, 70]);
  });

  it("a dry run that would drop a variant leaves that variant's overrides in place", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [...FIFTY_FIFTY, { key: "third", weight: 10 }] });
    ok(await server.gql(SET_OVERRIDE, { experiment: key, actor: "qa:dana", variant: "third" }));
    const dry = ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 1 }], dryRun: true })).setWeights;
    expect(dry.applied).toBe(false);
    expect(ok(await server.gql(ASSIGNMENT, { experiment: key, actor: "qa:dana" })).assignment).toEqual({ variant: "third", isOverride: true });
  });

  it("unlisted variants without assignments are removed", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [...FIFTY_FIFTY, { key: "third", weight: 10 }] });
    const change = ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "treatment", weight: 1 }] })).setWeights;
    expect(change.experiment.variants.map((v: any) => v.key)).toEqual(["treatment"]);
    expect(ok(await assign(server, key, "anyone")).assign.variant).toBe("treatment");
  });
});

describe("overrides", () => {
  it("an override bypasses weights and its exposure is tagged is-override", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [{ key: "control", weight: 100 }, { key: "treatment", weight: 0 }] });
    expect(ok(await server.gql(SET_OVERRIDE, { experiment: key, actor: "qa:alice", variant: "treatment" })).setOverride)
      .toEqual({ experiment: key, actor: "qa:alice", variant: "treatment" });
    const forced = ok(await server.gql(ASSIGN, { experiment: key, actor: "qa:alice" })).assign;
    expect(forced).toMatchObject({ variant: "treatment", isOverride: true });
    const log = ok(await server.gql(`query($e: String!) { exposures(experiment: $e) { actor variant isOverride } }`, { e: key })).exposures;
    expect(log).toEqual([{ actor: "qa:alice", variant: "treatment", isOverride: true }]);
    expect(ok(await server.gql(ASSIGNMENT, { experiment: key, actor: "qa:alice" })).assignment).toEqual({ variant: "treatment", isOverride: true });
  });

  it("clearOverride returns the actor to bucketing; clearing again is false", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [{ key: "control", weight: 100 }, { key: "treatment", weight: 0 }] });
    ok(await server.gql(SET_OVERRIDE, { experiment: key, actor: "qa:bob", variant: "treatment" }));
    expect(ok(await server.gql(CLEAR_OVERRIDE, { experiment: key, actor: "qa:bob" })).clearOverride).toBe(true);
    expect(ok(await server.gql(CLEAR_OVERRIDE, { experiment: key, actor: "qa:bob" })).clearOverride).toBe(false);
    expect(ok(await assign(server, key, "qa:bob")).assign).toMatchObject({ variant: "control", isOverride: false });
    expect(await mutations(key)).toEqual(["clear_override", "set_override", "started", "created"]);
  });

  it("an override wins over a stored assignment", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const first = ok(await assign(server, key, "user:9")).assign.variant;
    const other = first === "control" ? "treatment" : "control";
    ok(await server.gql(SET_OVERRIDE, { experiment: key, actor: "user:9", variant: other }));
    expect(ok(await assign(server, key, "user:9")).assign).toMatchObject({ variant: other, isOverride: true });
  });
});

describe("mutual exclusion groups", () => {
  const oneVariant = [{ key: "v1", weight: 1 }];

  it("an actor in one experiment of a group is EXCLUDED_BY_GROUP from its siblings", async () => {
    const [a, b] = [uniqueKey(), uniqueKey()];
    await runningExperiment(server, a, { variants: oneVariant, exclusionGroup: "checkout" });
    await runningExperiment(server, b, { variants: oneVariant, exclusionGroup: "checkout" });
    ok(await assign(server, a, "user:1"));
    expect(errorCode(await assign(server, b, "user:1"))).toBe("EXCLUDED_BY_GROUP");
    expect(ok(await server.gql(ASSIGNMENT, { experiment: b, actor: "user:1" })).assignment).toBeNull();
  });

  it("different groups, or no group, do not exclude each other", async () => {
    const [a, b, c, d] = [uniqueKey(), uniqueKey(), uniqueKey(), uniqueKey()];
    await runningExperiment(server, a, { variants: oneVariant, exclusionGroup: "group_a" });
    await runningExperiment(server, b, { variants: oneVariant, exclusionGroup: "group_b" });
    await runningExperiment(server, c, { variants: oneVariant });
    await runningExperiment(server, d, { variants: oneVariant });
    for (const key of [a, b, c, d]) expect(ok(await assign(server, key, "user:1")).assign.variant).toBe("v1");
  });

  it("an override bypasses the exclusion group", async () => {
    const [a, b] = [uniqueKey(), uniqueKey()];
    await runningExperiment(server, a, { variants: oneVariant, exclusionGroup: "pricing" });
    await runningExperiment(server, b, { variants: oneVariant, exclusionGroup: "pricing" });
    ok(await assign(server, a, "qa:carol"));
    ok(await server.gql(SET_OVERRIDE, { experiment: b, actor: "qa:carol", variant: "v1" }));
    expect(ok(await assign(server, b, "qa:carol")).assign).toMatchObject({ variant: "v1", isOverride: true });
  });

  it("archiving an experiment releases its actors to the group's other experiments", async () => {
    const [a, b] = [uniqueKey(), uniqueKey()];
    await runningExperiment(server, a, { variants: oneVariant, exclusionGroup: "search" });
    await runningExperiment(server, b, { variants: oneVariant, exclusionGroup: "search" });
    ok(await assign(server, a, "user:5"));
    ok(await server.gql(ARCHIVE, { key: a }));
    expect(ok(await assign(server, b, "user:5")).assign.variant).toBe("v1");
  });
});
