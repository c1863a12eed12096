// Concurrent requests over HTTP: first write wins for assignments, exclusion groups hold under
// races, and configuration changes are serialized (one version each, none lost).
//
// On PostgreSQL the rows are also counted directly; PGlite is a single session, so there the
// same tests check through GraphQL only.

import { ASSIGN, ASSIGNMENT, EXPOSURE_COUNTS, HISTORY, SET_OVERRIDE, configVersion, ok, runningExperiment } from "../helpers/factories";
import { ON_POSTGRES, withPg } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;


beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());


async function countAssignmentRows(experiment: string, actor: string): Promise<number> {
  return withPg(server.database, async (c) => {
    const res = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM assignments WHERE experiment_key = $1 AND actor = $2`, [experiment, actor]);
    return res.rows[0]!.n;
  });
}

async function assignment(experiment: string, actor: string) {
  return ok(await server.gql(ASSIGNMENT, { experiment, actor })).assignment as { variant: string; vid: number; isOverride: boolean } | null;
}

it("50 concurrent assigns for one new actor store one row and return one variant", async () => {
  const key = "conc-sticky";
  const exp = await runningExperiment(server, key);
  expect(exp.state).toBe("RUNNING");
  const actor = "user:new-1";
  expect(await assignment(key, actor)).toBeNull();

  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => server.gql(ASSIGN, { experiment: key, actor, requestId: `req-${i}` })));

  for (const r of replies) {
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
  }
  const given = replies.map((r) => r.data.assign as { variant: string; vid: number; isOverride: boolean; actor: string; experiment: string });
  const variants = new Set(given.map((a) => `${a.variant}/${a.vid}`));
  expect(variants.size).toBe(1);
  const [first] = given;
  expect(first).toMatchObject({ experiment: key, actor, isOverride: false });
  expect(["control", "treatment"]).toContain(first!.variant);
  // Every answer also carries the same first-write time.
  expect(new Set(given.map((a) => (a as unknown as { assignedAt: string }).assignedAt)).size).toBe(1);

  expect(await assignment(key, actor)).toEqual({ experiment: key, actor, variant: first!.variant, vid: first!.vid, isOverride: false });
  if (ON_POSTGRES) expect(await countAssignmentRows(key, actor)).toBe(1);

  // Every call that served a variant recorded one exposure (SPEC §6 assign), all for that variant.
  const counts = ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts as Array<{ variant: string; exposures: number }>;
  expect(counts.find((c) => c.variant === first!.variant)?.exposures).toBe(50);
  expect(counts.reduce((sum, c) => sum + c.exposures, 0)).toBe(50);
});

it("50 concurrent assigns of 10 new actors (5 each) store one row per actor", async () => {
  const key = "conc-sticky-many";
  await runningExperiment(server, key);
  const actors = Array.from({ length: 10 }, (_, i) => `user:many-${i}`);
  const replies = await Promise.all(
    Array.from({ length: 50 }, (_, i) => actors[i % actors.length]!).map((actor) => server.gql(ASSIGN, { experiment: key, actor })),
  );
  const byActor = new Map<string, Set<string>>();
  for (const r of replies) {
    expect(r.errors).toBeUndefined();
    const a = r.data.assign as { actor: string; variant: string };
    byActor.set(a.actor, (byActor.get(a.actor) ?? new Set()).add(a.variant));
  }
  expect([...byActor.keys()].sort()).toEqual([...actors].sort());
  for (const actor of actors) {
    const seen = byActor.get(actor)!;
    expect(seen.size).toBe(1);
    expect((await assignment(key, actor))?.variant).toBe([...seen][0]);
    if (ON_POSTGRES) expect(await countAssignmentRows(key, actor)).toBe(1);
  }
});

it("two experiments of one exclusion group assigned concurrently: exactly one takes each of 20 actors", async () => {
  const group = "conc-group";
  const [a, b] = ["conc-group-a", "conc-group-b"];
  await runningExperiment(server, a, { exclusionGroup: group });
  await runningExperiment(server, b, { exclusionGroup: group });
  const actors = Array.from({ length: 20 }, (_, i) => `user:group-${i}`);

  // Each actor's pair is sent in the same tick; all 20 pairs are in flight together.
  const results = await Promise.all(
    actors.map(async (actor) => {
      const [ra, rb] = await Promise.all([server.gql(ASSIGN, { experiment: a, actor }), server.gql(ASSIGN, { experiment: b, actor })]);
      return { actor, ra, rb };
    }),
  );

  const winners = new Map<string, string>();
  for (const { actor, ra, rb } of results) {
    for (const r of [ra, rb]) expect(r.status).toBe(200);
    const outcome = [ra, rb].map((r) => (r.errors ? `error:${r.errors[0]!.extensions.code}` : r.data.assign ? "assigned" : "null"));
    // Exactly one success, the other excluded by the group — in either order.
    expect([...outcome].sort()).toEqual(["assigned", "error:EXCLUDED_BY_GROUP"]);
    const [winner, loser] = ra.errors ? [b, a] : [a, b];
    winners.set(actor, winner);
    const won = (ra.errors ? rb : ra).data.assign as { experiment: string; actor: string; variant: string };
    expect(won).toMatchObject({ experiment: winner, actor });

    expect((await assignment(winner, actor))?.variant).toBe(won.variant);
    expect(await assignment(loser, actor)).toBeNull();
    if (ON_POSTGRES) {
      expect(await countAssignmentRows(winner, actor)).toBe(1);
      expect(await countAssignmentRows(loser, actor)).toBe(0);
    }
  }
  expect(winners.size).toBe(20);

  // The outcome is sticky: asking again, also concurrently, gives the same answer.
  const again = await Promise.all(actors.flatMap((actor) => [a, b].map((experiment) => server.gql(ASSIGN, { experiment, actor }).then((r) => ({ actor, experiment, r })))));
  for (const { actor, experiment, r } of again) {
    if (experiment === winners.get(actor)) expect(r.errors).toBeUndefined();
    else expect(r.errors?.[0]?.extensions.code).toBe("EXCLUDED_BY_GROUP");
  }
});

it("20 concurrent setOverride calls raise configVersion by exactly 20, one history record each", async () => {
  const key = "conc-overrides";
  await runningExperiment(server, key);
  const before = await configVersion(server);
  const actors = Array.from({ length: 20 }, (_, i) => `qa:${i}`);

  const replies = await Promise.all(
    actors.map((actor, i) => server.gql(SET_OVERRIDE, { experiment: key, actor, variant: i % 2 === 0 ? "control" : "treatment" })),
  );
  for (const r of replies) expect(r.errors).toBeUndefined();

  expect(await configVersion(server)).toBe(before + 20);
  const history = ok(await server.gql(HISTORY, { key, limit: 0 })).history as Array<{ mutation: string; configVersion: number }>;
  const overrides = history.filter((r) => r.mutation === "set_override");
  expect(overrides).toHaveLength(20);
  // Serialized: each change got a version of its own, the 20 right after `before`.
  expect(overrides.map((r) => r.configVersion).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => before + 1 + i));
  // Newest first.
  expect(history.map((r) => r.configVersion)).toEqual([...history.map((r) => r.configVersion)].sort((x, y) => y - x));

  for (const [i, actor] of actors.entries()) {
    expect(await assignment(key, actor)).toMatchObject({ variant: i % 2 === 0 ? "control" : "treatment", isOverride: true });
  }
});

it("concurrent config changes of different kinds on several experiments lose no version", async () => {
  const keys = ["conc-mixed-1", "conc-mixed-2", "conc-mixed-3"];
  for (const key of keys) await runningExperiment(server, key);
  const SET_WEIGHTS = `mutation($key: String!, $weights: [VariantWeightInput!]!) { setWeights(key: $key, weights: $weights) { applied } }`;

  const changes = (key: string) => [
    () => server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }] }),
    () => server.gql(SET_OVERRIDE, { experiment: key, actor: "qa:mixed", variant: "treatment" }),
    () => server.gql(`mutation($key: String!) { updateExperiment(key: $key, input: { description: "changed" }) { key } }`, { key }),
  ];
  const EXP = `query($key: String!) { experiment(key: $key) { version description variants { key weight } } }`;

  // The same changes one after the other, on an experiment of its own: what each must end as.
  const reference = "conc-mixed-sequential";
  await runningExperiment(server, reference);
  for (const change of changes(reference)) expect((await change()).errors).toBeUndefined();
  const expected = ok(await server.gql(EXP, { key: reference })).experiment;
  expect(expected).toMatchObject({ description: "changed", variants: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }] });

  const before = await configVersion(server);
  const replies = await Promise.all(keys.flatMap((key) => changes(key).map((change) => change())));
  for (const r of replies) expect(r.errors).toBeUndefined();

  expect(await configVersion(server)).toBe(before + 9);
  const versions: number[] = [];
  for (const key of keys) {
    const history = ok(await server.gql(HISTORY, { key, limit: 3 })).history as Array<{ mutation: string; configVersion: number }>;
    expect(history.map((r) => r.mutation).sort()).toEqual(["set_override", "set_weights", "updated"]);
    versions.push(...history.map((r) => r.configVersion));
    // No lost update: each change saw the ones before it.
    expect(ok(await server.gql(EXP, { key })).experiment).toEqual(expected);
    expect(await assignment(key, "qa:mixed")).toMatchObject({ variant: "treatment", isOverride: true });
  }
  expect(versions.sort((x, y) => x - y)).toEqual(Array.from({ length: 9 }, (_, i) => before + 1 + i));
});
