// Explicit layers through GraphQL: create, update, read, set ranges directly; experiments placed in them.

import { ARCHIVE, CREATE, FIFTY_FIFTY, START, configVersion, createExperiment, ok, uniqueKey } from "../helpers/factories";
import {
  CREATE_LAYER, LAYERS, SET_RANGES, SLOTS, UPDATE_LAYER, type Range,
  createLayer, expectError, layerWithTwo, expectedCounts, experimentIn, getExperiment, getLayer, mutationsOf, rangeProblems, slotMap, slotsOf, span, stateOf, vidsOf,
} from "../helpers/layer-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const THREE = [{ key: "a", weight: 1 }, { key: "b", weight: 1 }, { key: "c", weight: 1 }];

describe("createLayer", () => {
  it("creates an explicit layer with the documented defaults, recorded as layer_created", async () => {
    const key = uniqueKey("layer");
    const before = await configVersion(server);
    const layer = await createLayer(server, { key, services: ["web", "ranker_svc"] });
    expect(layer).toEqual({
      key, description: null, priority: 0, services: ["web", "ranker_svc"], hashKey: "user_id", salt: key, hashVersion: 1,
      enabled: true, defaultParams: {}, implicit: false, freeSlots: SLOTS, ranges: [],
    });
    expect(await getLayer(server, key)).toEqual(layer);
    expect(await configVersion(server)).toBe(before + 1);
    expect(await mutationsOf(server, key)).toEqual(["layer_created"]);
  });

  it("keeps every field it is given", async () => {
    const key = uniqueKey("layer");
    const input = { key, description: "ranking", priority: -3, services: ["api"], hashKey: "device_id", salt: "s-2024", defaultParams: { rank: { depth: 3 } } };
    expect(await createLayer(server, input)).toMatchObject({ ...input, hashVersion: 1, enabled: true, implicit: false });
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["an invalid key", { key: "Bad Key" }, "input.key"],
    ["an empty key", { key: "" }, "input.key"],
    ["an invalid service name", { services: ["has space"] }, "input.services[0]"],
    ["a service listed twice", { services: ["web", "web"] }, "input.services[1]"],
    ["a blank hashKey", { hashKey: "  " }, "input.hashKey"],
    ["an empty salt", { salt: "" }, "input.salt"],
    ["a hashKey over 128 characters", { hashKey: "h".repeat(129) }, "input.hashKey"],
    ["a salt over 128 characters", { salt: "s".repeat(129) }, "input.salt"],
    ["defaultParams that are an array", { defaultParams: [1] }, "input.defaultParams"],
    ["defaultParams that are a string", { defaultParams: "x" }, "input.defaultParams"],
    ["a __proto__ key deep in defaultParams", { defaultParams: JSON.parse('{"ui":{"list":[{"__proto__":{"x":1}}]}}') }, "input.defaultParams.ui.list[0].__proto__"],
    ["a description over 2,000 characters", { description: "d".repeat(2001) }, "input.description"],
  ];
  it.each(bad)("refuses %s with BAD_USER_INPUT naming the field, writing nothing", async (_what, fields, field) => {
    const key = uniqueKey("layer");
    const before = await configVersion(server);
    const res = await server.gql(CREATE_LAYER, { input: { key, services: ["web"], ...fields } });
    expectError(res, "BAD_USER_INPUT", field);
    expect(await getLayer(server, key)).toBeNull();
    expect(await configVersion(server)).toBe(before);
  });

  it("shares one key namespace with experiments: CONFLICT on input.key either way, nothing written", async () => {
    const implicitOwner = uniqueKey();
    await createExperiment(server, { key: implicitOwner, variants: FIFTY_FIFTY });
    const { layer, a } = await layerWithTwo(server);
    const before = await stateOf(server, layer, [implicitOwner, a.key]);
    expectError(await server.gql(CREATE_LAYER, { input: { key: implicitOwner, services: ["web"] } }), "CONFLICT", "input.key");
    expectError(await server.gql(CREATE_LAYER, { input: { key: layer, services: ["api"] } }), "CONFLICT", "input.key");
    expectError(await server.gql(CREATE_LAYER, { input: { key: a.key, services: ["web"] } }), "CONFLICT", "input.key");
    expectError(await server.gql(CREATE, { input: { key: layer, variants: FIFTY_FIFTY } }), "CONFLICT", "input.key");
    expect(await stateOf(server, layer, [implicitOwner, a.key])).toEqual(before);
    expect((await getLayer(server, implicitOwner)).implicit).toBe(true);
    expect(await getLayer(server, a.key)).toBeNull();
    expect(await getExperiment(server, layer)).toBeNull();
  });
});

describe("layer and layers", () => {
  it("layer(key) shows an experiment's implicit layer with its ranges", async () => {
    const key = uniqueKey();
    const exp = await createExperiment(server, { key, services: ["web"], variants: FIFTY_FIFTY });
    const [a, b] = vidsOf(exp);
    expect(await getLayer(server, key)).toEqual({
      key, description: null, priority: 0, services: ["web"], hashKey: "user_id", salt: key, hashVersion: 1, enabled: true,
      defaultParams: {}, implicit: true, freeSlots: 0, ranges: [{ start: 0, end: 5000, vid: a }, { start: 5000, end: SLOTS, vid: b }],
    });
    expect(await getLayer(server, "no_such_layer")).toBeNull();
  });

  it("layers(service) lists only explicit layers, by priority then key", async () => {
    const p = uniqueKey("order");
    const svc = `${p}_svc`;
    for (const [name, priority] of [["b", 1], ["a", 1], ["c", 0], ["d", -1]] as const) {
      await createLayer(server, { key: `${p}.${name}`, priority, services: [svc] });
    }
    await createLayer(server, { key: `${p}.other`, services: ["elsewhere"] });
    await createExperiment(server, { key: `${p}.implicit`, services: [svc], variants: FIFTY_FIFTY });
    const listed = ok(await server.gql(LAYERS, { service: svc })).layers;
    expect(listed.map((l: any) => l.key)).toEqual([`${p}.d`, `${p}.c`, `${p}.a`, `${p}.b`]);
    const all = ok(await server.gql(LAYERS, {})).layers;
    expect(all.every((l: any) => !l.implicit)).toBe(true);
    expect(all.map((l: any) => l.key)).toEqual(expect.arrayContaining([`${p}.other`, `${p}.a`]));
    expect(all.map((l: any) => l.key)).not.toContain(`${p}.implicit`);
    const sorted = [...all].sort((x: any, y: any) => x.priority - y.priority || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    expect(all).toEqual(sorted);
  });
});

describe("updateLayer", () => {
  it("changes description, priority, services, defaultParams and enabled; keeps salt and hash key", async () => {
    const key = uniqueKey("layer");
    await createLayer(server, { key, services: ["web"], salt: "pepper", hashKey: "device_id", defaultParams: { a: 1 } });
    const before = await configVersion(server);
    const input = { description: "new", priority: 7, services: ["api", "ios"], defaultParams: { b: { c: 2 } }, enabled: false };
    const updated = ok(await server.gql(UPDATE_LAYER, { key, input })).updateLayer;
    expect(updated).toMatchObject({ key, ...input, salt: "pepper", hashKey: "device_id", hashVersion: 1, implicit: false });
    expect(await getLayer(server, key)).toEqual(updated);
    expect(await configVersion(server)).toBe(before + 1);
    expect(await mutationsOf(server, key)).toEqual(["layer_updated", "layer_created"]);
    const partial = ok(await server.gql(UPDATE_LAYER, { key, input: { priority: 2 } })).updateLayer;
    expect(partial).toEqual({ ...updated, priority: 2 });
    expect(ok(await server.gql(UPDATE_LAYER, { key, input: { enabled: true } })).updateLayer.enabled).toBe(true);
  });

  it("refuses unknown and implicit layers (NOT_FOUND) and bad input (BAD_USER_INPUT), changing nothing", async () => {
    const { layer, a } = await layerWithTwo(server);
    const implicitOwner = uniqueKey();
    await createExperiment(server, { key: implicitOwner, variants: FIFTY_FIFTY });
    const before = await stateOf(server, layer, [a.key, implicitOwner]);
    const implicitBefore = await getLayer(server, implicitOwner);
    expectError(await server.gql(UPDATE_LAYER, { key: "no_such_layer", input: { priority: 1 } }), "NOT_FOUND");
    expectError(await server.gql(UPDATE_LAYER, { key: implicitOwner, input: { priority: 1 } }), "NOT_FOUND");
    expectError(await server.gql(UPDATE_LAYER, { key: layer, input: { services: ["bad svc"] } }), "BAD_USER_INPUT", "input.services[0]");
    expectError(await server.gql(UPDATE_LAYER, { key: layer, input: { defaultParams: [] } }), "BAD_USER_INPUT", "input.defaultParams");
    expect(await stateOf(server, layer, [a.key, implicitOwner])).toEqual(before);
    expect(await getLayer(server, implicitOwner)).toEqual(implicitBefore);
  });
});

describe("setLayerRanges", () => {
  it("gives each experiment exactly the slots of its vids; one not mentioned owns nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const c = await experimentIn(server, layer, uniqueKey(), 500, [{ key: "only", weight: 1 }]);
    const [a1, a2] = vidsOf(a);
    const [b1, b2] = vidsOf(b);
    const before = await configVersion(server);
    const ranges: Range[] = [
      { start: 8000, end: 8200, vid: a1 }, { start: 200, end: 500, vid: b2 }, { start: 0, end: 100, vid: a2 }, { start: 9000, end: SLOTS, vid: b1 },
    ];
    const set = ok(await server.gql(SET_RANGES, { key: layer, ranges })).setLayerRanges;
    expect(rangeProblems(set.ranges)).toEqual([]);
    expect(slotMap(set.ranges)).toEqual(slotMap(ranges));
    expect(set.freeSlots).toBe(SLOTS - 1600);
    expect(await getLayer(server, layer)).toEqual(set);
    expect((await getExperiment(server, a.key)).traffic).toBe(300);
    expect((await getExperiment(server, b.key)).traffic).toBe(1300);
    expect((await getExperiment(server, c.key)).traffic).toBe(0);
    expect(await configVersion(server)).toBe(before + 1);
    expect(await mutationsOf(server, layer)).toEqual(["set_ranges", "layer_created"]);

    const emptied = ok(await server.gql(SET_RANGES, { key: layer, ranges: [] })).setLayerRanges;
    expect(emptied).toMatchObject({ ranges: [], freeSlots: SLOTS });
    for (const e of [a, b, c]) expect((await getExperiment(server, e.key)).traffic).toBe(0);
  });

  it("bumps the version of the experiments whose slots change, and only those", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const layerNow = await getLayer(server, layer);
    const [a1] = vidsOf(a);
    const version = async (key: string) => (await getExperiment(server, key)).version;
    const [va, vb] = [await version(a.key), await version(b.key)];
    // b keeps exactly its ranges; a loses all but one of its ranges.
    const bRanges = layerNow.ranges.filter((r: Range) => vidsOf(b).includes(r.vid));
    const aRange = layerNow.ranges.find((r: Range) => r.vid === a1);
    ok(await server.gql(SET_RANGES, { key: layer, ranges: [aRange, ...bRanges] }));
    expect(await version(a.key)).toBe(va + 1);
    expect(await version(b.key)).toBe(vb);
  });

  const bad: Array<[string, (a: number[], b: number[], foreign: number) => Range[], string]> = [
    ["a negative start", ([a]) => [{ start: -1, end: 10, vid: a! }], "ranges[0].start"],
    ["an end beyond the layer", ([a]) => [{ start: 9000, end: SLOTS + 1, vid: a! }], "ranges[0].end"],
    ["an empty range", ([a]) => [{ start: 0, end: 10, vid: a! }, { start: 5, end: 5, vid: a! }], "ranges[1].end"],
    ["an end before its start", ([a]) => [{ start: 10, end: 5, vid: a! }], "ranges[0].end"],
    ["overlapping ranges", ([a], [b]) => [{ start: 0, end: 100, vid: a! }, { start: 50, end: 150, vid: b! }], "ranges[1]"],
    ["a range nested in another", ([a], [b]) => [{ start: 0, end: 1000, vid: a! }, { start: 300, end: 400, vid: b! }], "ranges[1]"],
    ["an overlap after disjoint ranges", ([a, a2], [b]) => [{ start: 0, end: 100, vid: a! }, { start: 200, end: 300, vid: a2! }, { start: 250, end: 260, vid: b! }], "ranges[2]"],
    ["an unknown vid", ([a]) => [{ start: 0, end: 10, vid: a! }, { start: 10, end: 20, vid: 987654 }], "ranges[1].vid"],
    ["a vid of another layer's experiment", (_a, _b, foreign) => [{ start: 0, end: 10, vid: foreign }], "ranges[0].vid"],
  ];
  describe("on one layer that every refusal leaves as it was", () => {
    let fixture: { layer: string; a: any; b: any; foreign: number };
    beforeAll(async () => {
      const { layer, a, b } = await layerWithTwo(server);
      const foreign = vidsOf(await createExperiment(server, { key: uniqueKey(), variants: FIFTY_FIFTY }))[0]!;
      fixture = { layer, a, b, foreign };
    });
    it.each(bad)("refuses %s with BAD_USER_INPUT naming the range", async (_what, make, field) => {
      const { layer, a, b, foreign } = fixture;
      const before = await stateOf(server, layer, [a.key, b.key]);
      expectError(await server.gql(SET_RANGES, { key: layer, ranges: make(vidsOf(a), vidsOf(b), foreign) }), "BAD_USER_INPUT", field);
      expect(await stateOf(server, layer, [a.key, b.key])).toEqual(before);
    });
  });

  it("refuses vids of an archived experiment, and unknown or implicit layers (NOT_FOUND)", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    ok(await server.gql(ARCHIVE, { key: a.key }));
    const implicitOwner = await createExperiment(server, { key: uniqueKey(), variants: FIFTY_FIFTY });
    const before = await stateOf(server, layer, [a.key, b.key]);
    const ranges = [{ start: 0, end: 10, vid: vidsOf(a)[0] }];
    expectError(await server.gql(SET_RANGES, { key: layer, ranges }), "BAD_USER_INPUT", "ranges[0].vid");
    const mine = [{ start: 0, end: 10, vid: vidsOf(b)[0] }];
    expectError(await server.gql(SET_RANGES, { key: "no_such_layer", ranges: mine }), "NOT_FOUND");
    const implicitBefore = await getLayer(server, implicitOwner.key);
    const own = [{ start: 0, end: 10, vid: vidsOf(implicitOwner)[0] }];
    expectError(await server.gql(SET_RANGES, { key: implicitOwner.key, ranges: own }), "NOT_FOUND");
    expect(await getLayer(server, implicitOwner.key)).toEqual(implicitBefore);
    expect(await stateOf(server, layer, [a.key, b.key])).toEqual(before);
  });
});

describe("createExperiment in an explicit layer", () => {
  it("takes the lowest free slots, the layer's services by default, and splits them contiguously", async () => {
    const layer = uniqueKey("layer");
    await createLayer(server, { key: layer, services: ["web", "ios"] });
    const a = await experimentIn(server, layer, uniqueKey(), 2500, FIFTY_FIFTY);
    expect(a).toMatchObject({ layer, traffic: 2500, state: "DRAFT", services: ["web", "ios"] });
    const b = await experimentIn(server, layer, uniqueKey(), 3000, [{ key: "x", weight: 1 }, { key: "y", weight: 2 }, { key: "z", weight: 0 }], { services: ["api"] });
    expect(b).toMatchObject({ layer, traffic: 3000, services: ["api"] });
    const [a1, a2] = vidsOf(a);
    const [b1, b2] = vidsOf(b);
    const view = await getLayer(server, layer);
    expect(view).toMatchObject({ freeSlots: 4500, services: ["web", "ios"] });
    expect(slotMap(view.ranges)).toEqual(slotMap([
      { start: 0, end: 1250, vid: a1! }, { start: 1250, end: 2500, vid: a2! }, { start: 2500, end: 3500, vid: b1! }, { start: 3500, end: 5500, vid: b2! },
    ]));
    expect(rangeProblems(view.ranges)).toEqual([]);
  });

  it("splits by the cumulative-weight ceil rule over fragmented free slots", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const [a1, a2] = vidsOf(a);
    const [b1, b2] = vidsOf(b);
    const taken: Range[] = [{ start: 0, end: 100, vid: a2! }, { start: 200, end: 500, vid: b2! }, { start: 8000, end: 8200, vid: a1! }, { start: 9000, end: SLOTS, vid: b1! }];
    ok(await server.gql(SET_RANGES, { key: layer, ranges: taken }));
    const c = await experimentIn(server, layer, uniqueKey(), 300, THREE);
    const map = slotMap((await getLayer(server, layer)).ranges);
    const [c1, c2, c3] = vidsOf(c);
    expect(slotsOf(map, c1!)).toEqual(span(100, 200));
    expect(slotsOf(map, c2!)).toEqual(span(500, 600));
    expect(slotsOf(map, c3!)).toEqual(span(600, 700));
    const d = await experimentIn(server, layer, uniqueKey(), 1000, THREE);
    const after = slotMap((await getLayer(server, layer)).ranges);
    expect(vidsOf(d).map((v) => slotsOf(after, v).length)).toEqual([334, 333, 333]);
    expect(expectedCounts(1000, [1, 1, 1])).toEqual([334, 333, 333]);
    expect(slotsOf(after, vidsOf(d))).toEqual(span(700, 1700));
    expect(slotsOf(after, vidsOf(d)[0]!)).toEqual(span(700, 1034));
  });

  it("refuses a missing or implicit layer, a missing or bad traffic, and too few free slots, writing nothing", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const implicitOwner = uniqueKey();
    await createExperiment(server, { key: implicitOwner, variants: FIFTY_FIFTY });
    const key = uniqueKey();
    const before = await stateOf(server, layer, [a.key, b.key]);
    const attempt = (extra: Record<string, unknown>) => server.gql(CREATE, { input: { key, variants: FIFTY_FIFTY, layer, ...extra } });
    expectError(await attempt({ layer: "no_such_layer", traffic: 10 }), "NOT_FOUND", "input.layer");
    expectError(await attempt({ layer: implicitOwner, traffic: 10 }), "NOT_FOUND", "input.layer");
    expectError(await attempt({}), "BAD_USER_INPUT", "input.traffic");
    expectError(await attempt({ traffic: -5 }), "BAD_USER_INPUT", "input.traffic");
    expectError(await attempt({ traffic: SLOTS + 1 }), "BAD_USER_INPUT", "input.traffic");
    const conflict = await attempt({ traffic: 7001 });
    expectError(conflict, "CONFLICT", "input.traffic");
    expect(await stateOf(server, layer, [a.key, b.key])).toEqual(before);
    expect(await getExperiment(server, key)).toBeNull();
    expect(await getLayer(server, key)).toBeNull();
    expect(await mutationsOf(server, key)).toEqual([]);
    expect((await getLayer(server, implicitOwner)).ranges).toHaveLength(2);
    const fits = ok(await attempt({ traffic: 7000 })).createExperiment;
    expect(fits).toMatchObject({ key, layer, traffic: 7000 });
    expect((await getLayer(server, layer)).freeSlots).toBe(0);
  });
});

describe("concurrent placement", () => {
  it("two creates that cannot both fit: exactly one wins, the other is CONFLICT, the layer stays disjoint", async () => {
    const layer = uniqueKey("layer");
    await createLayer(server, { key: layer, services: ["web"] });
    const before = await configVersion(server);
    const keys = [uniqueKey(), uniqueKey(), uniqueKey()];
    const results = await Promise.all(keys.map((key) => server.gql(CREATE, { input: { key, layer, traffic: 4000, variants: FIFTY_FIFTY } })));
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect([won.length, lost.length]).toEqual([2, 1]);
    expectError(lost[0]!, "CONFLICT", "input.traffic");
    const view = await getLayer(server, layer);
    expect(view.freeSlots).toBe(2000);
    expect(rangeProblems(view.ranges)).toEqual([]);
    expect(slotsOf(slotMap(view.ranges), won.flatMap((r) => vidsOf(r.data.createExperiment)))).toEqual(span(0, 8000));
    expect(await configVersion(server)).toBe(before + 2);
    const loser = keys[results.indexOf(lost[0]!)]!;
    expect(await getExperiment(server, loser)).toBeNull();
  });
});

describe("archiveExperiment in an explicit layer", () => {
  it("gives the slots back to the layer, where the next experiment takes them", async () => {
    const { layer, a, b } = await layerWithTwo(server);
    const archived = ok(await server.gql(ARCHIVE, { key: a.key })).archiveExperiment;
    expect(archived.state).toBe("ARCHIVED");
    expect((await getExperiment(server, a.key)).traffic).toBe(0);
    const view = await getLayer(server, layer);
    expect(view.freeSlots).toBe(SLOTS - 2000);
    expect(view.ranges.filter((r: Range) => vidsOf(a).includes(r.vid))).toEqual([]);
    expect(slotsOf(slotMap(view.ranges), vidsOf(b))).toEqual(span(1000, 3000));
    const c = await experimentIn(server, layer, uniqueKey(), 1500, [{ key: "only", weight: 1 }]);
    const after = slotMap((await getLayer(server, layer)).ranges);
    expect(slotsOf(after, vidsOf(c))).toEqual([...span(0, 1000), ...span(3000, 3500)]);
  });
});

describe("decisions follow the layer", () => {
  const DECIDE = `query($services: [String!]!, $context: JSON!) { decide(services: $services, context: $context) {
    results { parameters experiments { experiment variant vid layer slot source } } } }`;

  it("uses the layer's salt and hash key, its ranges, and its defaultParams outside them", async () => {
    const layer = uniqueKey("layer");
    const svc = `${layer}_svc`;
    await createLayer(server, { key: layer, services: [svc], salt: "checkout_v2", hashKey: "uid", defaultParams: { color: "grey" } });
    const exp = await experimentIn(server, layer, uniqueKey(), 1, [{ key: "red", weight: 1, params: { color: "red" } }]);
    ok(await server.gql(START, { key: exp.key }));
    const decide = async (context: Record<string, unknown>) => ok(await server.gql(DECIDE, { services: [svc], context })).decide.results[0];
    // SPEC §2 fixture: checkout_v2:user:1 → slot 1746, outside the single slot the experiment owns.
    expect(await decide({ uid: "user:1" })).toEqual({ parameters: { color: "grey" }, experiments: [] });
    ok(await server.gql(SET_RANGES, { key: layer, ranges: [{ start: 1746, end: 1747, vid: vidsOf(exp)[0] }] }));
    expect(await decide({ uid: "user:1" })).toEqual({
      parameters: { color: "red" },
      experiments: [{ experiment: exp.key, variant: "red", vid: vidsOf(exp)[0], layer, slot: 1746, source: "BUCKET" }],
    });
    expect(await decide({ user_id: "user:1" })).toEqual({ parameters: { color: "grey" }, experiments: [] });
    ok(await server.gql(UPDATE_LAYER, { key: layer, input: { defaultParams: { color: "blue" } } }));
    expect(await decide({ uid: "user:2" })).toEqual({ parameters: { color: "blue" }, experiments: [] });
    ok(await server.gql(UPDATE_LAYER, { key: layer, input: { enabled: false } }));
    expect(await decide({ uid: "user:1" })).toEqual({ parameters: { color: "blue" }, experiments: [] });
    ok(await server.gql(UPDATE_LAYER, { key: layer, input: { enabled: true } }));
    expect(await decide({ uid: "user:1" })).toMatchObject({ parameters: { color: "red" }, experiments: [{ experiment: exp.key, slot: 1746 }] });
  });
});
