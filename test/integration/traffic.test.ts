// setTraffic and setWeights through GraphQL: minimal slot movement, dry runs, errors, and a seeded property run.

import { ARCHIVE, CONCLUDE, FIFTY_FIFTY, SET_WEIGHTS, START, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import {
  SET_RANGES, SET_TRAFFIC, SLOTS, type Range,
  changedSlots, createLayer, expectError, layerWithTwo, expectedCounts, experimentIn, getExperiment, getLayer, lowestFree, missing,
  mutationsOf, rangeProblems, slotMap, slotsOf, span, stateOf, vidsOf,
} from "../helpers/layer-factories";
import { int, prng } from "../helpers/prng";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const mapOf = async (layer: string) => slotMap((await getLayer(server, layer)).ranges);
const setTraffic = (key: string, traffic: number, dryRun = false) => server.gql(SET_TRAFFIC, { key, traffic, dryRun });
const OBSERVE = `query($layer: String!, $svc: String!) { configVersion
  layer(key: $layer) { freeSlots ranges { start end vid } } experiments(service: $svc) { key traffic version variants { key vid weight } } }`;
const setWeights = (key: string, weights: Array<{ key: string; weight: number }>, dryRun = false) => server.gql(SET_WEIGHTS, { key, weights, dryRun });

/** Growing variants keep every slot they had, shrinking ones keep a subset of theirs. */
function expectMinimalPerVariant(before: Int32Array, after: Int32Array, vids: readonly number[]): void {
  for (const vid of vids) {
    const was = slotsOf(before, vid);
    const now = slotsOf(after, vid);
    if (now.length >= was.length) expect({ vid, lost: missing(was, now) }).toEqual({ vid, lost: [] });
    else expect({ vid, gained: missing(now, was) }).toEqual({ vid, gained: [] });
  }
}

describe("setTraffic", () => {
  it("growth takes the lowest free slots and every variant keeps its own", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const before = await mapOf(layer);
    const version = await configVersion(server);
    const change = ok(await setTraffic(a.key, 2000)).setTraffic;
    expect(change).toMatchObject({ applied: true, slotsMoved: 1000, experiment: { key: a.key, traffic: 2000, version: 2 } });
    const after = await mapOf(layer);
    expect(changedSlots(before, after)).toBe(change.slotsMoved);
    expect(slotsOf(after, vidsOf(a))).toEqual([...span(0, 1000), ...span(3000, 4000)]);
    expect(vidsOf(a).map((v) => slotsOf(after, v).length)).toEqual([1000, 1000]);
    expectMinimalPerVariant(before, after, vidsOf(a));
    expect(slotsOf(after, vidsOf(b))).toEqual(slotsOf(before, vidsOf(b)));
    expect((await getLayer(server, layer)).freeSlots).toBe(SLOTS - 4000);
    expect(await getExperiment(server, a.key)).toEqual(change.experiment);
    expect(await configVersion(server)).toBe(version + 1);
    expect(await mutationsOf(server, a.key)).toEqual(["set_traffic", "created"]);
  });

  it("shrinking keeps a subset of every variant and gives the rest back, down to nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    ok(await setTraffic(a.key, 2000));
    const before = await mapOf(layer);
    const change = ok(await setTraffic(a.key, 600)).setTraffic;
    const after = await mapOf(layer);
    expect(change).toMatchObject({ applied: true, slotsMoved: 1400, experiment: { traffic: 600 } });
    expect(changedSlots(before, after)).toBe(1400);
    expect(vidsOf(a).map((v) => slotsOf(after, v).length)).toEqual([300, 300]);
    expectMinimalPerVariant(before, after, vidsOf(a));
    expect((await getLayer(server, layer)).freeSlots).toBe(SLOTS - 2600);
    const none = ok(await setTraffic(a.key, 0)).setTraffic;
    expect(none).toMatchObject({ slotsMoved: 600, experiment: { traffic: 0 } });
    const empty = await getLayer(server, layer);
    expect(slotsOf(slotMap(empty.ranges), vidsOf(a))).toEqual([]);
    expect(empty.freeSlots).toBe(SLOTS - 2000);
    expect(slotsOf(slotMap(empty.ranges), vidsOf(b))).toEqual(span(1000, 3000));
  });

  it("works on an implicit layer, which then has free slots, and grows back", async () => {
    const key = uniqueKey();
    const exp = await createExperiment(server, { key, variants: FIFTY_FIFTY });
    const full = await mapOf(key);
    expect(ok(await setTraffic(key, 4000)).setTraffic).toMatchObject({ slotsMoved: 6000, experiment: { traffic: 4000 } });
    const half = await getLayer(server, key);
    expect(half.freeSlots).toBe(6000);
    expect(rangeProblems(half.ranges)).toEqual([]);
    const map = slotMap(half.ranges);
    expect(vidsOf(exp).map((v) => slotsOf(map, v).length)).toEqual([2000, 2000]);
    expectMinimalPerVariant(full, map, vidsOf(exp));
    expect(ok(await setTraffic(key, SLOTS)).setTraffic).toMatchObject({ slotsMoved: 6000, experiment: { traffic: SLOTS } });
    const back = await getLayer(server, key);
    expect(back.freeSlots).toBe(0);
    expectMinimalPerVariant(map, slotMap(back.ranges), vidsOf(exp));
  });

  it("is allowed on a CONCLUDED experiment, which stays concluded", async () => {
    const { a } = await layerWithTwo(server);
    ok(await server.gql(START, { key: a.key }));
    ok(await server.gql(CONCLUDE, { key: a.key, winner: "treatment" }));
    const change = ok(await setTraffic(a.key, 1500)).setTraffic;
    expect(change).toMatchObject({ applied: true, experiment: { state: "CONCLUDED", winner: "treatment", traffic: 1500 } });
  });

  it("a dry run previews the change and slotsMoved, and writes nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const before = await stateOf(server, layer, [a.key, b.key]);
    const dry = ok(await setTraffic(a.key, 2500, true)).setTraffic;
    expect(dry).toMatchObject({ applied: false, slotsMoved: 1500, experiment: { key: a.key, traffic: 2500 } });
    expect(await stateOf(server, layer, [a.key, b.key])).toEqual(before);
    const real = ok(await setTraffic(a.key, 2500)).setTraffic;
    expect(real).toMatchObject({ applied: true, slotsMoved: dry.slotsMoved });
  });

  it("refuses bad traffic, ARCHIVED, unknown keys and too few free slots, writing nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const gone = await experimentIn(server, layer, uniqueKey(), 500, FIFTY_FIFTY);
    ok(await server.gql(ARCHIVE, { key: gone.key }));
    const before = await stateOf(server, layer, [a.key, b.key, gone.key]);
    expectError(await setTraffic(a.key, -1), "BAD_USER_INPUT", "traffic");
    expectError(await setTraffic(a.key, SLOTS + 1), "BAD_USER_INPUT", "traffic");
    expectError(await setTraffic(gone.key, 100), "ARCHIVED");
    expectError(await setTraffic("no_such_experiment", 100), "NOT_FOUND");
    expectError(await setTraffic(a.key, 8001), "CONFLICT", "traffic");
    expectError(await setTraffic(a.key, 8001, true), "CONFLICT", "traffic");
    expect(await stateOf(server, layer, [a.key, b.key, gone.key])).toEqual(before);
    expect(ok(await setTraffic(a.key, 8000)).setTraffic.experiment.traffic).toBe(8000);
    expect((await getLayer(server, layer)).freeSlots).toBe(0);
  });
});

describe("concurrent growth", () => {
  it("two experiments growing into the same free slots: one wins, the other is CONFLICT, nothing overlaps", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const version = await configVersion(server);
    const results = await Promise.all([setTraffic(a.key, 6000), setTraffic(b.key, 7000)]);
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect([won.length, lost.length]).toEqual([1, 1]);
    expectError(lost[0]!, "CONFLICT", "traffic");
    const view = await getLayer(server, layer);
    expect(rangeProblems(view.ranges)).toEqual([]);
    const traffic = [(await getExperiment(server, a.key)).traffic, (await getExperiment(server, b.key)).traffic];
    expect(traffic).toEqual(results[0]!.errors ? [1000, 7000] : [6000, 2000]);
    expect(traffic[0]! + traffic[1]! + view.freeSlots).toBe(SLOTS);
    expect(slotsOf(slotMap(view.ranges), [...vidsOf(a), ...vidsOf(b)])).toHaveLength(traffic[0]! + traffic[1]!);
    expect(await configVersion(server)).toBe(version + 1);
  });
});

describe("setWeights moves as few slots as possible", () => {
  const THREE = [{ key: "a", weight: 1 }, { key: "b", weight: 1 }, { key: "c", weight: 1 }];
  const TWO_ONE_ONE = [{ key: "a", weight: 2 }, { key: "b", weight: 1 }, { key: "c", weight: 1 }];

  it("1:1:1 → 2:1:1 moves exactly 1666 slots; variant a keeps all of its own; the dry run writes nothing", async () => {
    const key = uniqueKey();
    const exp = await createExperiment(server, { key, variants: THREE });
    const before = await stateOf(server, key, [key]);
    const map = slotMap(before.layer.ranges);
    expect(vidsOf(exp).map((v) => slotsOf(map, v).length)).toEqual([3334, 3333, 3333]);
    const dry = ok(await setWeights(key, TWO_ONE_ONE, true)).setWeights;
    expect(dry).toMatchObject({ applied: false, slotsMoved: 1666 });
    expect(dry.experiment.variants.map((v: any) => v.weight)).toEqual([2, 1, 1]);
    expect(await stateOf(server, key, [key])).toEqual(before);
    const real = ok(await setWeights(key, TWO_ONE_ONE)).setWeights;
    expect(real).toMatchObject({ applied: true, slotsMoved: 1666 });
    const after = await mapOf(key);
    expect(changedSlots(map, after)).toBe(1666);
    expect(vidsOf(exp).map((v) => slotsOf(after, v).length)).toEqual([5000, 2500, 2500]);
    expect(missing(slotsOf(map, vidsOf(exp)[0]!), slotsOf(after, vidsOf(exp)[0]!))).toEqual([]);
    expectMinimalPerVariant(map, after, vidsOf(exp));
    expect(await configVersion(server)).toBe(before.version + 1);
    expect(await mutationsOf(server, key)).toEqual(["set_weights", "created"]);
  });

  it("in an explicit layer it stays inside the experiment's own (fragmented) slots", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const [a1, a2] = vidsOf(a);
    const [b1, b2] = vidsOf(b);
    const ranges: Range[] = [{ start: 0, end: 100, vid: a1! }, { start: 500, end: 700, vid: b1! }, { start: 900, end: 1000, vid: a2! }, { start: 4000, end: 4300, vid: b2! }];
    ok(await server.gql(SET_RANGES, { key: layer, ranges }));
    const before = await mapOf(layer);
    const change = ok(await setWeights(a.key, [{ key: "control", weight: 3 }, { key: "treatment", weight: 1 }])).setWeights;
    const after = await mapOf(layer);
    expect(change).toMatchObject({ slotsMoved: 50, experiment: { traffic: 200 } });
    expect(changedSlots(before, after)).toBe(50);
    expect(slotsOf(after, vidsOf(a))).toEqual([...span(0, 100), ...span(900, 1000)]);
    expect([slotsOf(after, a1!).length, slotsOf(after, a2!).length]).toEqual([150, 50]);
    expectMinimalPerVariant(before, after, vidsOf(a));
    expect(slotsOf(after, vidsOf(b))).toEqual(slotsOf(before, vidsOf(b)));
    expect((await getLayer(server, layer)).freeSlots).toBe(SLOTS - 700);
  });

  it("refuses CONCLUDED (NOT_RUNNING), ARCHIVED, unknown variants and experiments, writing nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    ok(await server.gql(CONCLUDE, { key: a.key, winner: "control" }));
    const gone = await experimentIn(server, layer, uniqueKey(), 500, FIFTY_FIFTY);
    ok(await server.gql(ARCHIVE, { key: gone.key }));
    const before = await stateOf(server, layer, [a.key, b.key, gone.key]);
    expectError(await setWeights(a.key, FIFTY_FIFTY), "NOT_RUNNING");
    expectError(await setWeights(gone.key, FIFTY_FIFTY), "ARCHIVED");
    expectError(await setWeights(b.key, [{ key: "control", weight: 1 }, { key: "nope", weight: 1 }]), "BAD_USER_INPUT", "weights[1].key");
    expectError(await setWeights(b.key, [{ key: "control", weight: -1 }]), "BAD_USER_INPUT", "weights[0].weight");
    expectError(await setWeights("no_such_experiment", FIFTY_FIFTY), "NOT_FOUND");
    expect(await stateOf(server, layer, [a.key, b.key, gone.key])).toEqual(before);
  });
});

describe("a seeded run of setWeights and setTraffic in one shared layer", () => {
  const SEED = 0x7e55e4a;
  const STEPS = 22;

  it(`keeps the layer consistent and every slotsMoved exact (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const layer = uniqueKey("layer");
    const svc = `${layer}_svc`;
    await createLayer(server, { key: layer, services: [svc] });
    const specs: Array<[number, string[]]> = [[2000, ["x", "y"]], [3000, ["p", "q", "r"]], [1000, ["m", "n"]]];
    const exps: Array<{ key: string; vids: number[]; names: string[] }> = [];
    for (const [traffic, names] of specs) {
      const created = await experimentIn(server, layer, uniqueKey(), traffic, names.map((key) => ({ key, weight: 1 })));
      exps.push({ key: created.key, vids: vidsOf(created), names });
    }
    /** One read of everything the step checks: version, layer, and the experiments in `exps` order. */
    const observe = async () => {
      const data = ok(await server.gql(OBSERVE, { layer, svc }));
      const byKey = new Map(data.experiments.map((e: any) => [e.key, e]));
      return { version: data.configVersion as number, view: data.layer, experiments: exps.map((e) => byKey.get(e.key) as any) };
    };
    const tally = { weights: 0, traffic: 0, refused: 0, dry: 0 };
    let seen = await observe();

    for (let step = 0; step < STEPS; step++) {
      const where = `step ${step}`;
      const { view, version, experiments: current } = seen;
      const target = exps[int(rand, 0, exps.length - 1)]!;
      const before = slotMap(view.ranges);
      const room = current[exps.indexOf(target)].traffic + view.freeSlots;
      let run: (dryRun: boolean) => Promise<any>;
      let expectRefusal: string | null = null;
      // What was asked for: the applied change must show exactly this (not merely something consistent).
      let requested: { traffic: number } | { weights: number[] };
      if (rand() < 0.5) {
        const weights = target.names.map(() => int(rand, 0, 4));
        if (!weights.some((w) => w > 0)) weights[0] = 1;
        run = async (dryRun) => setWeights(target.key, target.names.map((key, i) => ({ key, weight: weights[i]! })), dryRun);
        requested = { weights };
        tally.weights++;
      } else {
        const refuse = rand() < 0.3;
        const traffic = refuse ? room + int(rand, 1, 300) : int(rand, 0, room);
        if (refuse) expectRefusal = traffic > SLOTS ? "BAD_USER_INPUT" : "CONFLICT";
        run = async (dryRun) => setTraffic(target.key, traffic, dryRun);
        requested = { traffic };
        tally.traffic++;
      }

      if (expectRefusal) {
        expectError(await run(false), expectRefusal, "traffic");
        expect({ where, state: await observe() }).toEqual({ where, state: seen });
        tally.refused++;
        continue;
      }
      let drySlots: number | null = null;
      let dryPreview: { traffic: number; variants: unknown } | null = null;
      if (rand() < 0.3) {
        const dry = ok(await run(true));
        const result = dry.setWeights ?? dry.setTraffic;
        expect({ where, applied: result.applied }).toEqual({ where, applied: false });
        drySlots = result.slotsMoved;
        dryPreview = { traffic: result.experiment.traffic, variants: result.experiment.variants };
        expect({ where, state: await observe() }).toEqual({ where, state: seen });
        tally.dry++;
      }
      const res = ok(await run(false));
      const change = res.setWeights ?? res.setTraffic;
      seen = await observe();
      const now = seen.experiments;
      const after = slotMap(seen.view.ranges);

      expect({ where, applied: change.applied, version: seen.version }).toEqual({ where, applied: true, version: version + 1 });
      const targetNow = now[exps.indexOf(target)];
      const got = "traffic" in requested ? { traffic: targetNow.traffic } : { weights: targetNow.variants.map((v: any) => v.weight) };
      expect({ where, got }).toEqual({ where, got: requested });
      expect({ where, problems: rangeProblems(seen.view.ranges) }).toEqual({ where, problems: [] });
      expect({ where, moved: change.slotsMoved }).toEqual({ where, moved: changedSlots(before, after) });
      if (drySlots !== null) {
        const applied = { traffic: change.experiment.traffic, variants: change.experiment.variants };
        expect({ where, dry: drySlots, preview: dryPreview }).toEqual({ where, dry: change.slotsMoved, preview: applied });
      }
      const known = new Set(exps.flatMap((e) => e.vids));
      expect({ where, strangers: seen.view.ranges.filter((r: Range) => !known.has(r.vid)) }).toEqual({ where, strangers: [] });
      expect({ where, owned: now.reduce((n, e) => n + e.traffic, 0) + seen.view.freeSlots }).toEqual({ where, owned: SLOTS });

      let gains = 0;
      let losses = 0;
      exps.forEach((e, k) => {
        const exp = now[k];
        expect({ where, vids: vidsOf(exp) }).toEqual({ where, vids: e.vids });
        const counts = e.vids.map((v) => slotsOf(after, v).length);
        const weights = exp.variants.map((v: any) => v.weight);
        expect({ where, key: e.key, counts }).toEqual({ where, key: e.key, counts: expectedCounts(exp.traffic, weights) });
        if (e !== target) {
          expect({ where, untouched: e.key, slots: slotsOf(after, e.vids) }).toEqual({ where, untouched: e.key, slots: slotsOf(before, e.vids) });
          return;
        }
        expectMinimalPerVariant(before, after, e.vids);
        e.vids.forEach((v, i) => {
          const delta = counts[i]! - slotsOf(before, v).length;
          if (delta > 0) gains += delta;
          else losses -= delta;
        });
        const grownBy = exp.traffic - current[k].traffic;
        if (grownBy > 0) {
          const expected = [...slotsOf(before, e.vids), ...lowestFree(before, grownBy)].sort((x, y) => x - y);
          expect({ where, grownInto: slotsOf(after, e.vids) }).toEqual({ where, grownInto: expected });
        }
      });
      // Minimal movement: a slot moves only when some variant must gain it or lose it.
      expect({ where, moved: change.slotsMoved }).toEqual({ where, moved: Math.max(gains, losses) });
    }
    expect(tally.weights).toBeGreaterThan(3);
    expect(tally.traffic - tally.refused).toBeGreaterThan(3);
    expect(tally.dry).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });
});
