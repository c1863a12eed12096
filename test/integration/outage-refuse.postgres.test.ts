// SPEC §10, serving while PostgreSQL is down: the database refuses connections (a proxy closed in front of it).
// Warm actors keep their variants, new ones are bucketed by slot with nothing blanked, mutations are UNAVAILABLE,
// and once the database is back every queued assignment is stored first-wins ("lost 0 of N").

import { type Decision, decideBatch, exposureLog } from "../helpers/decide-factories";
import { CREATE, FIFTY_FIFTY, START, assign, errorCode, ok, uniqueKey } from "../helpers/factories";
import { collectingLogger, decideFor, lostOf, type ProxiedServer, proxiedServer, shapeOf, storedVariants, twoServices, waitUntil } from "../helpers/outage";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { withPg } from "../helpers/test-database";

let slot: SlotOf;
beforeAll(async () => {
  slot = await loadSlotOf();
});

const actors = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe("PostgreSQL refusing connections", () => {
  let running: ProxiedServer;
  beforeAll(async () => {
    running = await proxiedServer();
  });
  afterAll(() => running.close());

  it("serves warm and new actors without an error or a blank, answers mutations UNAVAILABLE, and stores every queued assignment when back", async () => {
    const { server, proxy, database } = running;
    const setup = await twoServices(server, slot);
    const { services, expected, main, side } = setup;
    const check = (decision: Decision | null, actor: string) => {
      const want = expected(actor);
      expect(decision?.results.map(shapeOf)).toEqual([want.web, want.other]);
    };

    const warm = actors("warm", 20);
    for (const actor of warm) {
      const { errors, decision } = await decideFor(server, services, actor);
      expect(errors).toBeUndefined();
      check(decision, actor);
    }

    await proxy.setMode("refuse");

    // Warm actors: what memory holds is honoured.
    for (const actor of warm) {
      const { errors, decision } = await decideFor(server, services, actor);
      expect(errors).toBeUndefined();
      check(decision, actor);
      expect(new Set(decision!.results.flatMap((r) => r.experiments.map((e) => e.source)))).toEqual(new Set(["STICKY"]));
    }
    // New actors: bucketed by slot; every service and every layer's defaults are there.
    const fresh = actors("new", 40);
    const answered = new Map<string, Decision>();
    for (const actor of fresh.slice(0, 30)) {
      const { errors, decision } = await decideFor(server, services, actor);
      expect(errors).toBeUndefined();
      check(decision, actor);
      answered.set(actor, decision!);
    }
    // A batch mixing warm and new actors is answered whole.
    const mixed = [...warm.slice(0, 10), ...fresh.slice(30)];
    const batch = await decideBatch(server, mixed.map((actor) => ({ services, context: { user_id: actor } })));
    expect(batch).toHaveLength(mixed.length);
    batch.forEach((decision, i) => {
      check(decision, mixed[i]!);
      if (i >= 10) answered.set(mixed[i]!, decision);
    });
    // Asked again, a new actor keeps its answer (the queued assignment stands for the stored one).
    for (const actor of fresh.slice(0, 5)) {
      const { errors, decision } = await decideFor(server, services, actor);
      expect(errors).toBeUndefined();
      check(decision, actor);
    }

    // Mutations: UNAVAILABLE, never INTERNAL_SERVER_ERROR.
    expect(errorCode(await server.gql(CREATE, { input: { key: uniqueKey("down"), variants: FIFTY_FIFTY } }))).toBe("UNAVAILABLE");
    expect(errorCode(await server.gql(START, { key: main.key }))).toBe("UNAVAILABLE");
    expect(errorCode(await assign(server, main.key, "assign-while-down"))).toBe("UNAVAILABLE");

    // Meanwhile another writer (another instance) stores the other variant for one new actor of the main experiment.
    const contested = fresh.find((a) => expected(a).variants[main.key] !== null)!;
    const given = expected(contested).variants[main.key]!;
    const theirs = given === "control" ? "treatment" : "control";
    await withPg(database, (c) =>
      c.query(`INSERT INTO assignments (experiment_key, actor, variant_key, vid) VALUES ($1, $2, $3, $4)`, [main.key, contested, theirs, setup.vid(main, theirs)]),
    );

    await proxy.setMode("pass");

    // Every assignment given to a new actor is stored: lost 0 of N.
    const want = setup.given(fresh);
    want.set(`${main.key}/${contested}`, theirs);
    expect(await lostOf(database, [main.key, side.key], want)).toEqual({ lost: 0, of: want.size });
    expect(want.size).toBeGreaterThan(fresh.length);

    // First-wins: the row the other writer stored decides for that actor from now on.
    const after = await decideFor(server, services, contested);
    expect(after.errors).toBeUndefined();
    expect(after.decision!.results[0]!.experiments[0]).toMatchObject({ experiment: main.key, variant: theirs, source: "STICKY" });
    expect(after.decision!.results[0]!.parameters).toEqual({ theme: "light", size: 1, button: theirs === "control" ? "green" : "red" });
    // The others are served what they were given, now from the stored rows.
    for (const actor of fresh.filter((a) => a !== contested).slice(0, 10)) {
      const { errors, decision } = await decideFor(server, services, actor);
      expect(errors).toBeUndefined();
      check(decision, actor);
    }
    // Exposures queued while the database was down are written too.
    const exposedInMain = fresh.filter((a) => a !== contested && expected(a).variants[main.key] !== null);
    const exposures = await exposureLog(server, main.key);
    for (const actor of exposedInMain) {
      expect(exposures.filter((e) => e.actor === actor).map((e) => e.variant)).toEqual([expected(actor).variants[main.key]]);
    }
    // Mutations work again.
    ok(await server.gql(CREATE, { input: { key: uniqueKey("up"), variants: FIFTY_FIFTY } }));
  });
});

describe("a bounded queue", () => {
  it("keeps ASSIGNMENT_QUEUE_MAX assignments, drops and counts the rest, and keeps serving", async () => {
    const { logger, lines } = collectingLogger();
    const running = await proxiedServer({ config: { assignmentQueueMax: 5 }, logger });
    try {
      const { server, proxy, database } = running;
      const key = uniqueKey("small");
      const exp = await (async () => {
        ok(await server.gql(CREATE, { input: { key, services: [`${key}_svc`], variants: FIFTY_FIFTY } }));
        return ok(await server.gql(START, { key })).startExperiment;
      })();
      expect(exp.key).toBe(key);
      await proxy.setMode("refuse");
      const fresh = actors("q", 20);
      for (const actor of fresh) {
        const { errors, decision } = await decideFor(server, [`${key}_svc`], actor);
        expect(errors).toBeUndefined();
        expect(decision!.results[0]!.experiments[0]).toMatchObject({ variant: slot(key, actor) < 5000 ? "control" : "treatment", source: "BUCKET" });
      }
      await proxy.setMode("pass");
      // The first five queued are written; the fifteen others were dropped (and are bucketed the same way when asked again).
      await waitUntil("the queued assignments to be written", async () => (await storedVariants(database, [key])).size === 5);
      expect([...(await storedVariants(database, [key])).keys()].sort()).toEqual(fresh.slice(0, 5).map((a) => `${key}/${a}`).sort());
      const again = await decideFor(server, [`${key}_svc`], fresh[19]!);
      expect(again.errors).toBeUndefined();
      expect(again.decision!.results[0]!.experiments[0]).toMatchObject({ variant: slot(key, fresh[19]!) < 5000 ? "control" : "treatment", source: "BUCKET" });
      expect((await storedVariants(database, [key])).size).toBe(6);
    } finally {
      await running.close();
    }
    expect(lines().find((l) => l.msg === "assignment queue at shutdown")).toMatchObject({ queued: 5, written: 5, superseded: 0, dropped: 15, pending: 0 });
    expect(lines().some((l) => /assignment queue full/.test(l.msg) && l.max === 5)).toBe(true);
  });
});
