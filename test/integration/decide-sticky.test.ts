// decide under concurrency: first write wins for sticky assignments, exclusion groups hold across batched
// writes, weight changes never move an assignment. On PostgreSQL the rows are also checked directly and a
// second server instance on the same database takes part; PGlite (one session) runs the same tests on one.

import {
  decide, decideBatch, decideRaw, exposureLog, started, storedAssignment, type Decision, type ExperimentDecision,
} from "../helpers/decide-factories";
import { SET_WEIGHTS, assign, configVersion, ok, uniqueKey } from "../helpers/factories";
import { createLayer } from "../helpers/layer-factories";
import { ON_POSTGRES, withPg } from "../helpers/test-database";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
let slot: SlotOf;
/** A second instance on the same database (PostgreSQL only; an in-memory PGlite is private to one instance). */
let peer: TestServer | null = null;

beforeAll(async () => {
  server = await startTestServer();
  slot = await loadSlotOf();
});
afterEach(async () => {
  await peer?.stop();
  peer = null;
});
afterAll(() => server.close());

const byHalf = (salt: string, actor: string) => (slot(salt, actor) < 5000 ? "control" : "treatment");

/**
 * The instances to spread requests over. On PostgreSQL a peer is started now, on the same database,
 * so it loads the configuration set up so far (instances do not yet reload each other's changes).
 */
async function instances(): Promise<TestServer[]> {
  if (!ON_POSTGRES) return [server];
  peer = await startTestServer({ database: server.database });
  expect((await decide(peer, [], {})).configVersion).toBe(await configVersion(server));
  return [server, peer];
}


/** Rows per (experiment, actor) for these experiments, straight from the table. */
async function rowCounts(experiments: string[]): Promise<Map<string, number>> {
  return withPg(server.database, async (c) => {
    const res = await c.query<{ experiment_key: string; actor: string; n: number }>(
      `SELECT experiment_key, actor, count(*)::int AS n FROM assignments WHERE experiment_key = ANY($1) GROUP BY experiment_key, actor`,
      [experiments],
    );
    return new Map(res.rows.map((r) => [`${r.experiment_key}/${r.actor}`, r.n]));
  });
}

it("30 concurrent decides for one new actor store one row; all agree, exactly one answer is BUCKET, one exposure", async () => {
  const key = uniqueKey("race");
  const svc = `${key}_svc`;
  const exp = await started(server, key, { services: [svc] });
  const servers = await instances();
  const replies = await Promise.all(
    Array.from({ length: 30 }, (_, i) => decideRaw(servers[i % servers.length]!, [svc], { user_id: "racer" }, { requestId: `race-${i}` })),
  );
  const decided = replies.map((r) => {
    expect(r.errors).toBeUndefined();
    const experiments = (r.data.decide as Decision).results[0]!.experiments;
    expect(experiments).toHaveLength(1);
    return experiments[0]!;
  });
  const variant = byHalf(key, "racer");
  const vid = exp.variants.find((v: any) => v.key === variant).vid;
  for (const d of decided) expect(d).toMatchObject({ experiment: key, variant, vid, slot: slot(key, "racer") });
  expect(decided.filter((d) => d.source === "BUCKET")).toHaveLength(1);
  expect(decided.filter((d) => d.source === "STICKY")).toHaveLength(29);
  expect(await storedAssignment(server, key, "racer")).toEqual({ experiment: key, actor: "racer", variant, vid, isOverride: false });
  if (ON_POSTGRES) expect(await rowCounts([key])).toEqual(new Map([[`${key}/racer`, 1]]));
  // One exposure per (experiment, actor, variant) on each instance that served it. Each instance writes its
  // exposures off the request path, so each is asked in turn (asking flushes that instance's buffer).
  for (const s of servers) await exposureLog(s, key, "racer");
  expect((await exposureLog(server, key, "racer")).length).toBe(servers.length);
});

it("setWeights changing the split never moves an actor decided before (STICKY); new actors follow the new split", async () => {
  const key = uniqueKey("reweigh");
  const svc = `${key}_svc`;
  await started(server, key, { services: [svc] });
  const actors = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const run = async (list: string[]) => (await decideBatch(server, list.map((a) => ({ services: [svc], context: { user_id: a } })))).map((d) => d.results[0]!.experiments[0]!);

  const first = await run(actors);
  expect(first.map((e) => e.variant)).toEqual(actors.map((a) => byHalf(key, a)));
  expect(new Set(first.map((e) => e.variant))).toEqual(new Set(["control", "treatment"]));
  expect(new Set(first.map((e) => e.source))).toEqual(new Set(["BUCKET"]));

  for (const [control, treatment] of [[0, 100], [100, 0]]) {
    const change = ok(await server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: control }, { key: "treatment", weight: treatment }] })).setWeights;
    expect(change).toMatchObject({ applied: true });
    expect(change.slotsMoved).toBe(control === 0 ? 5000 : 10000); // 50/50 → 0/100 → 100/0
    const again = await run(actors);
    expect(again.map((e) => [e.variant, e.source])).toEqual(first.map((e) => [e.variant, "STICKY"]));
    const newcomers = Array.from({ length: 20 }, (_, i) => `new-${control}-${i}`);
    const fresh = await run(newcomers);
    expect(fresh.map((e) => [e.variant, e.source])).toEqual(newcomers.map(() => [control === 100 ? "control" : "treatment", "BUCKET"]));
  }
});

it("decides racing a setWeights each store exactly what they answered, and stay with it", async () => {
  const key = uniqueKey("midflight");
  const svc = `${key}_svc`;
  await started(server, key, { services: [svc] });
  const servers = await instances();
  // Actors in the lower half: control under 50/50, treatment once control has weight 0.
  const actors = Array.from({ length: 200 }, (_, i) => `mf${i}`).filter((a) => slot(key, a) < 5000).slice(0, 40);
  const [answers, change] = await Promise.all([
    Promise.all(actors.map((a, i) => decide(servers[i % servers.length]!, [svc], { user_id: a }))),
    server.gql(SET_WEIGHTS, { key, weights: [{ key: "control", weight: 0 }, { key: "treatment", weight: 100 }] }),
  ]);
  expect(ok(change).setWeights.applied).toBe(true);
  for (const [i, actor] of actors.entries()) {
    const given = answers[i]!.results[0]!.experiments[0]!;
    expect(given.source).toBe("BUCKET");
    expect((await storedAssignment(server, key, actor))?.variant).toBe(given.variant);
    const later = (await decide(servers[(i + 1) % servers.length]!, [svc], { user_id: actor })).results[0]!.experiments[0]!;
    expect([later.variant, later.source]).toEqual([given.variant, "STICKY"]);
  }
  // A decide after the change returned sees the new split (control has weight 0 now).
  const newcomer = Array.from({ length: 100 }, (_, i) => `late${i}`).find((a) => slot(key, a) < 5000)!;
  expect((await decide(server, [svc], { user_id: newcomer })).results[0]!.experiments[0]!.variant).toBe("treatment");
});

it("concurrent decideBatch calls over the same new actors in opposite orders all succeed, one row each", async () => {
  // Five experiments on one service: each request stores five rows, so the batched inserts are long enough to overlap.
  // Two batches in each order, five rounds of fresh actors. Rows inserted in request order by concurrent
  // transactions in opposite orders wait on each other: PostgreSQL then aborts one (40P01, deadlock detected)
  // unless the writer orders its rows (or retries); the caller must never see that.
  const [EXPS, ACTORS, BATCHES, ROUNDS] = [5, 300, 4, 5];
  const p = uniqueKey("order");
  const svc = `${p}_svc`;
  const keys = Array.from({ length: EXPS }, (_, i) => `${p}_${i}`);
  for (const key of keys) await started(server, key, { services: [svc] });
  const servers = await instances();
  for (let round = 0; round < ROUNDS; round++) {
    const actors = Array.from({ length: ACTORS }, (_, i) => `o${round}-${i}`);
    const requests = (list: string[]) => list.map((a) => ({ services: [svc], context: { user_id: a } }));
    const replies = await Promise.all(
      Array.from({ length: BATCHES }, (_, b) =>
        servers[b % servers.length]!.gql(`query($r: [DecideInput!]!) { decideBatch(requests: $r) { configVersion } }`, {
          r: requests(b % 2 === 0 ? actors : [...actors].reverse()),
        }),
      ),
    );
    for (const r of replies) expect(r.errors).toBeUndefined();
    for (const actor of actors.slice(0, 5)) expect((await storedAssignment(server, keys[0]!, actor))?.variant).toBe(byHalf(keys[0]!, actor));
    if (ON_POSTGRES) {
      const rows = await rowCounts(keys);
      expect(rows.size).toBe(keys.length * actors.length * (round + 1));
      expect([...rows.values()].every((n) => n === 1)).toBe(true);
    }
  }
});

it("concurrent decideBatch calls with an exclusion group spanning two layers: one row per pair, never two of the group, answers match storage", async () => {
  const p = uniqueKey("bgrp");
  const [svcAll, svcB, svcC] = [`${p}_all`, `${p}_b`, `${p}_c`];
  await createLayer(server, { key: `${p}_l1`, priority: 1, services: [svcAll] });
  await createLayer(server, { key: `${p}_l2`, priority: 2, services: [svcAll, svcB] });
  const [A, B, C] = [`${p}_a`, `${p}_bexp`, `${p}_cexp`];
  await started(server, A, { layer: `${p}_l1`, traffic: 10000, exclusionGroup: p });
  await started(server, B, { layer: `${p}_l2`, traffic: 10000, exclusionGroup: p });
  await started(server, C, { services: [svcAll, svcC] }); // implicit layer, no group
  const servers = await instances();

  const actors = Array.from({ length: 40 }, (_, i) => `bg${i}`);
  const services = [[svcAll], [svcB], [svcC], [svcB, svcAll]];
  const batches = Array.from({ length: 10 }, (_, b) =>
    Array.from({ length: 50 }, (_, j) => {
      const actor = actors[(b * 7 + j * (b % 2 === 0 ? 3 : 37)) % actors.length]!;
      return { services: services[(b + j) % services.length]!, context: { user_id: actor } };
    }),
  );
  const answers = await Promise.all(batches.map((batch, b) => decideBatch(servers[b % servers.length]!, batch)));

  const stored = new Map<string, string | null>();
  for (const actor of actors) {
    for (const e of [A, B, C]) stored.set(`${e}/${actor}`, (await storedAssignment(server, e, actor))?.variant ?? null);
    // Never two experiments of the group; every actor was asked for B's layer, so one of them holds it.
    expect([actor, [A, B].filter((e) => stored.get(`${e}/${actor}`) !== null).length]).toEqual([actor, 1]);
  }
  const bucketedBy = new Map<string, Set<number>>();
  batches.forEach((batch, b) => {
    batch.forEach((request, i) => {
      const actor = request.context.user_id;
      const decision = answers[b]![i]!;
      expect(decision.results.map((r) => r.service)).toEqual(request.services);
      for (const result of decision.results) {
        const seen = result.experiments.map((e: ExperimentDecision) => e.experiment);
        expect(seen.includes(A) && seen.includes(B)).toBe(false);
        for (const e of result.experiments) {
          expect([e.experiment, actor, e.variant]).toEqual([e.experiment, actor, stored.get(`${e.experiment}/${actor}`)]);
          if (e.source === "BUCKET") bucketedBy.set(`${e.experiment}/${actor}`, (bucketedBy.get(`${e.experiment}/${actor}`) ?? new Set()).add(b));
          else expect(e.source).toBe("STICKY");
        }
        // The group's layers answer exactly as storage says: A if it holds the actor, else B.
        const holder = stored.get(`${A}/${actor}`) !== null ? A : B;
        const expected = result.service === svcAll ? [holder] : result.service === svcB ? (holder === B ? [B] : []) : [];
        expect(seen.filter((e) => e !== C)).toEqual(expected);
      }
    });
  });
  // Each stored row was reported as BUCKET by exactly one batch: the one whose write won.
  for (const [pair, variant] of stored) {
    if (variant !== null) expect([pair, bucketedBy.get(pair)?.size ?? 0]).toEqual([pair, 1]);
  }
  if (ON_POSTGRES) {
    const rows = await rowCounts([A, B, C]);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    expect(rows.size).toBe([...stored.values()].filter((v) => v !== null).length);
  }
});

it("an assignment assign stores is served by the next decide, even where decide had found none before", async () => {
  // decide remembers "no stored row" for an actor whose rule is false (for good on the embedded database):
  // assign, on the same instance, must tell it, or the actor would keep being refused until it forgets.
  const key = uniqueKey("told");
  const svc = `${key}_svc`;
  await started(server, key, { services: [svc], rule: { type: "field", field: "plan", op: "eq", values: ["pro"] } });
  const free = { user_id: "late-pro", plan: "free" };
  expect((await decide(server, [svc], free)).results[0]!.experiments).toEqual([]);
  const given = ok(await assign(server, key, "late-pro", { context: { plan: "pro" } })).assign;
  expect(given).toMatchObject({ variant: byHalf(key, "late-pro"), isOverride: false });
  const later = (await decide(server, [svc], free)).results[0]!.experiments;
  expect(later.map((e) => [e.experiment, e.variant, e.source])).toEqual([[key, given.variant, "STICKY"]]);
});

it("an actor first outside the rule, then inside it: bucketed once (one row, one exposure), sticky after", async () => {
  // The first decide leaves "no stored row" in memory; the second must still store and expose exactly once.
  const key = uniqueKey("turns");
  const svc = `${key}_svc`;
  await started(server, key, { services: [svc], rule: { type: "field", field: "plan", op: "eq", values: ["pro"] } });
  expect((await decide(server, [svc], { user_id: "turner", plan: "free" })).results[0]!.experiments).toEqual([]);
  const pick = (d: Decision) => d.results[0]!.experiments.map((e) => [e.experiment, e.variant, e.source]);
  const variant = byHalf(key, "turner");
  expect(pick(await decide(server, [svc], { user_id: "turner", plan: "pro" }))).toEqual([[key, variant, "BUCKET"]]);
  expect(pick(await decide(server, [svc], { user_id: "turner", plan: "pro" }))).toEqual([[key, variant, "STICKY"]]);
  expect(pick(await decide(server, [svc], { user_id: "turner", plan: "free" }))).toEqual([[key, variant, "STICKY"]]);
  expect((await storedAssignment(server, key, "turner"))?.variant).toBe(variant);
  if (ON_POSTGRES) expect(await rowCounts([key])).toEqual(new Map([[`${key}/turner`, 1]]));
  expect((await exposureLog(server, key, "turner")).map((e) => e.variant)).toEqual([variant]);
});
