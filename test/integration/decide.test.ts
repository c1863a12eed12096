// decide and decideBatch through GraphQL over HTTP (SPEC §5, §7): layers, merge, sources, rules, groups, exposures.

import {
  actorsWhere, decide, decideBatch, decideOne, decideRaw, exposureLog, started, storedAssignment, DECIDE_BATCH, type ServiceDecision,
} from "../helpers/decide-factories";
import {
  ARCHIVE, CLEAR_OVERRIDE, CONCLUDE, EXPOSURE_COUNTS, SET_OVERRIDE, START, assign, configVersion, createExperiment, errorCode, ok, uniqueKey,
} from "../helpers/factories";
import { createLayer, updateLayer } from "../helpers/layer-factories";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
let slot: SlotOf;
beforeAll(async () => {
  server = await startTestServer();
  slot = await loadSlotOf();
});
afterAll(() => server.close());

const TWO = (a: Record<string, unknown>, b: Record<string, unknown>) => [{ key: "control", weight: 50, params: a }, { key: "treatment", weight: 50, params: b }];
const vidOf = (exp: any, variant: string): number => exp.variants.find((v: any) => v.key === variant).vid;
const empty = (service: string): ServiceDecision => ({ service, parameters: {}, vids: [], matchedLayers: [], experiments: [], reasons: null });

describe("decide: results and bucketing", () => {
  it("keeps the order of services; a service nothing serves has an empty result", async () => {
    const [a, b] = [uniqueKey("ord"), uniqueKey("ord")];
    await started(server, a, { services: [`${a}_svc`] });
    await started(server, b, { services: [`${b}_svc`] });
    const d = await decide(server, [`${b}_svc`, "nobody_serves_this", `${a}_svc`], { user_id: "u1" });
    expect(d.results.map((r) => r.service)).toEqual([`${b}_svc`, "nobody_serves_this", `${a}_svc`]);
    expect(d.results[1]).toEqual(empty("nobody_serves_this"));
    expect(d.results[0]!.experiments.map((e) => e.experiment)).toEqual([b]);
    expect(d.results[2]!.experiments.map((e) => e.experiment)).toEqual([a]);
  });

  it("implicit layer: slot = XXH32(key:actor) mod 10000, 50/50 splits at 5000, BUCKET then STICKY, assignment stored", async () => {
    const key = "checkout_v2"; // SPEC §2 fixture: checkout_v2:user:1 → slot 1746
    const full = await started(server, key, { services: ["checkout_svc"] });
    expect(slot(key, "user:1")).toBe(1746);
    const seen = new Set<string>();
    for (let i = 1; i <= 30; i++) {
      const actor = `user:${i}`;
      const s = slot(key, actor);
      const variant = s < 5000 ? "control" : "treatment";
      seen.add(variant);
      const r = await decideOne(server, "checkout_svc", { user_id: actor });
      expect(r.experiments).toEqual([{ experiment: key, variant, vid: vidOf(full, variant), layer: key, slot: s, source: "BUCKET" }]);
      expect(r).toMatchObject({ vids: [vidOf(full, variant)], matchedLayers: [key], parameters: {}, reasons: null });
      expect(await storedAssignment(server, key, actor)).toEqual({ experiment: key, actor, variant, vid: vidOf(full, variant), isOverride: false });
    }
    expect(seen).toEqual(new Set(["control", "treatment"]));
    const again = await decideOne(server, "checkout_svc", { user_id: "user:1" });
    expect(again.experiments[0]).toMatchObject({ variant: "control", slot: 1746, source: "STICKY" });
  });

  it("the actor is the layer's hashKey (numbers as their JSON text); missing, empty or other types get the defaults", async () => {
    const p = uniqueKey("hk");
    const layer = await createLayer(server, { key: p, services: [`${p}_svc`], hashKey: "device_id", salt: `${p}_salt`, defaultParams: { mode: "default", keep: 1 } });
    expect(layer).toMatchObject({ hashKey: "device_id", salt: `${p}_salt`, freeSlots: 10000 });
    const exp = await started(server, `${p}_exp`, { layer: p, traffic: 10000, variants: TWO({ mode: "a" }, { mode: "b" }) });
    const full = exp;
    const expectFor = (actor: string) => {
      const s = slot(`${p}_salt`, actor);
      return { s, variant: s < 5000 ? "control" : "treatment", mode: s < 5000 ? "a" : "b" };
    };
    for (const [value, actor] of [["d7", "d7"], [42, "42"], [4.5, "4.5"], ["dev-x", "dev-x"]] as const) {
      const { s, variant, mode } = expectFor(actor);
      const r = await decideOne(server, `${p}_svc`, { user_id: "ignored-user", device_id: value });
      expect(r.experiments).toEqual([{ experiment: exp.key, variant, vid: vidOf(full, variant), layer: p, slot: s, source: "BUCKET" }]);
      expect(r.parameters).toEqual({ mode, keep: 1 });
      expect((await storedAssignment(server, exp.key, actor))?.variant).toBe(variant);
    }
    expect(await storedAssignment(server, exp.key, "ignored-user")).toBeNull();
    for (const context of [{ user_id: "u1" }, { device_id: "" }, { device_id: true }, { device_id: null }, { device_id: { id: 1 } }, { device_id: [1] }]) {
      expect(await decideOne(server, `${p}_svc`, context)).toEqual({ ...empty(`${p}_svc`), parameters: { mode: "default", keep: 1 } });
    }
  });

  it("in an explicit layer each experiment serves only the slots it owns; unowned slots get the defaults", async () => {
    const p = uniqueKey("own");
    await createLayer(server, { key: p, services: [`${p}_svc`], defaultParams: { who: "none" } });
    const e1 = await started(server, `${p}_e1`, { layer: p, traffic: 5000, variants: TWO({ who: "e1c" }, { who: "e1t" }) });
    const e2 = await started(server, `${p}_e2`, { layer: p, traffic: 3000, variants: [{ key: "only", weight: 1, params: { who: "e2" } }] });
    // e1 owns [0,5000): control [0,2500), treatment [2500,5000); e2 owns [5000,8000); [8000,10000) is free.
    const bands: Array<[string, (s: number) => boolean, string, string | null]> = [
      ["a", (s) => s < 2500, "e1c", e1.key], ["b", (s) => s >= 2500 && s < 5000, "e1t", e1.key],
      ["c", (s) => s >= 5000 && s < 8000, "e2", e2.key], ["d", (s) => s >= 8000, "none", null],
    ];
    for (const [tag, wanted, who, owner] of bands) {
      for (const actor of actorsWhere(slot, p, `${tag}-`, 3, wanted)) {
        const r = await decideOne(server, `${p}_svc`, { user_id: actor });
        expect(r.parameters).toEqual({ who });
        expect(r.experiments.map((e) => [e.experiment, e.slot])).toEqual(owner === null ? [] : [[owner, slot(p, actor)]]);
      }
    }
  });
});

describe("decide: layers merged by priority", () => {
  it("merges defaults and variant params in ascending priority (ties by key): objects deep-merge, arrays are replaced", async () => {
    const p = uniqueKey("merge");
    const svc = `${p}_svc`;
    // Created out of order, so neither creation order nor key order alone gives the right answer.
    await createLayer(server, { key: `${p}_high`, priority: 5, services: [svc], defaultParams: { ui: { color: "blue" }, nums: [5] } });
    await createLayer(server, { key: `${p}_tie_b`, priority: 3, services: [svc], defaultParams: { tie: "b", nums: [4] } });
    await createLayer(server, { key: `${p}_tie_a`, priority: 3, services: [svc], defaultParams: { tie: "a", ui: { color: "green", shape: "round" } } });
    await createLayer(server, { key: `${p}_low`, priority: 1, services: [svc], defaultParams: { ui: { color: "red", size: 1 }, list: [1, 2, 3], low: true, tie: "low" } });

    const defaults = await decideOne(server, svc, { user_id: "m1" });
    expect(defaults).toEqual({
      ...empty(svc),
      parameters: { ui: { color: "blue", size: 1, shape: "round" }, list: [1, 2, 3], nums: [5], low: true, tie: "b" },
    });

    const low = await started(server, `${p}_low_exp`, { layer: `${p}_low`, traffic: 10000, variants: [{ key: "v", weight: 1, params: { ui: { size: 2 }, list: [7] } }] });
    const high = await started(server, `${p}_high_exp`, { layer: `${p}_high`, traffic: 10000, variants: [{ key: "w", weight: 1, params: { ui: { font: "serif" }, deep: { x: { y: 1 } } } }] });
    const r = await decideOne(server, svc, { user_id: "m1" });
    expect(r.parameters).toEqual({ ui: { color: "blue", size: 2, shape: "round", font: "serif" }, list: [7], nums: [5], low: true, tie: "b", deep: { x: { y: 1 } } });
    expect(r.matchedLayers).toEqual([`${p}_low`, `${p}_high`]);
    expect(r.vids).toEqual([low.variants[0].vid, high.variants[0].vid]);
    expect(r.experiments.map((e) => [e.experiment, e.layer, e.slot])).toEqual([
      [low.key, `${p}_low`, slot(`${p}_low`, "m1")], [high.key, `${p}_high`, slot(`${p}_high`, "m1")],
    ]);

    // Raising tie_a above tie_b flips the tie; a new priority is seen by the next decide.
    await updateLayer(server, `${p}_tie_a`, { priority: 4 });
    expect((await decideOne(server, svc, { user_id: "m1" })).parameters.tie).toBe("a");
  });

  it("a disabled layer contributes only its defaultParams; re-enabled it serves the stored variant again", async () => {
    const p = uniqueKey("dis");
    await createLayer(server, { key: p, services: [`${p}_svc`], defaultParams: { on: false } });
    const exp = await started(server, `${p}_exp`, { layer: p, traffic: 10000, variants: [{ key: "v", weight: 1, params: { on: true } }] });
    expect((await decideOne(server, `${p}_svc`, { user_id: "x" })).experiments[0]!.source).toBe("BUCKET");
    expect((await updateLayer(server, p, { enabled: false, defaultParams: { on: "off" } })).enabled).toBe(false);
    expect(await decideOne(server, `${p}_svc`, { user_id: "x" })).toEqual({ ...empty(`${p}_svc`), parameters: { on: "off" } });
    expect(await decideOne(server, `${p}_svc`, { user_id: "new-while-off" })).toEqual({ ...empty(`${p}_svc`), parameters: { on: "off" } });
    expect(await storedAssignment(server, exp.key, "new-while-off")).toBeNull();
    await updateLayer(server, p, { enabled: true });
    const back = await decideOne(server, `${p}_svc`, { user_id: "x" });
    expect(back.parameters).toEqual({ on: true });
    expect(back.experiments[0]).toMatchObject({ experiment: exp.key, source: "STICKY" });
  });
});

describe("decide: lifecycle and configVersion", () => {
  it("serves what the last mutation left: DRAFT no, started yes, concluded → WINNER, archived no", async () => {
    const key = uniqueKey("life");
    const svc = `${key}_svc`;
    const decision = (actor: string) => decide(server, [svc], { user_id: actor });
    const controlActor = actorsWhere(slot, key, "c", 1, (s) => s < 5000)[0]!;

    await createExperiment(server, { key, services: [svc], variants: TWO({ v: "c" }, { v: "t" }) });
    let d = await decision(controlActor);
    expect(d.configVersion).toBe(await configVersion(server));
    expect(d.results[0]!.experiments).toEqual([]);

    ok(await server.gql(START, { key }));
    d = await decision(controlActor);
    expect(d.configVersion).toBe(await configVersion(server));
    expect(d.results[0]!.experiments[0]).toMatchObject({ variant: "control", source: "BUCKET" });

    const before = d.configVersion;
    ok(await server.gql(CONCLUDE, { key, winner: "treatment" }));
    d = await decision(controlActor);
    expect(d.configVersion).toBe(before + 1);
    expect(d.configVersion).toBe(await configVersion(server));
    expect(d.results[0]!.experiments[0]).toMatchObject({ variant: "treatment", source: "WINNER", slot: slot(key, controlActor) });
    expect(d.results[0]!.parameters).toEqual({ v: "t" });
    // A new actor gets the winner too, with no assignment stored and no exposure.
    const fresh = actorsWhere(slot, key, "n", 1, (s) => s < 5000)[0]!;
    expect((await decision(fresh)).results[0]!.experiments[0]).toMatchObject({ variant: "treatment", source: "WINNER" });
    expect(await storedAssignment(server, key, fresh)).toBeNull();
    expect(await exposureLog(server, key, fresh)).toEqual([]);

    ok(await server.gql(ARCHIVE, { key }));
    d = await decision(controlActor);
    expect(d.configVersion).toBe(await configVersion(server));
    expect(d.results[0]).toEqual(empty(svc));
  });

  it("a CONCLUDED experiment in an explicit layer serves its winner only where it owns the slot and its rule holds", async () => {
    const p = uniqueKey("concl");
    await createLayer(server, { key: p, services: [`${p}_svc`], defaultParams: { w: "default" } });
    const rule = { type: "field", field: "country", op: "eq", values: ["US"] };
    const key = `${p}_exp`;
    await started(server, key, { layer: p, traffic: 5000, rule, variants: TWO({ w: "c" }, { w: "t" }) });
    ok(await server.gql(CONCLUDE, { key, winner: "control" }));
    const [owned, unowned] = [actorsWhere(slot, p, "o", 3, (s) => s < 5000), actorsWhere(slot, p, "u", 3, (s) => s >= 5000)];
    for (const actor of owned) {
      const r = await decideOne(server, `${p}_svc`, { user_id: actor, country: "US" });
      expect(r.experiments).toEqual([expect.objectContaining({ experiment: key, variant: "control", source: "WINNER" })]);
      expect((await decideOne(server, `${p}_svc`, { user_id: actor, country: "FR" })).parameters).toEqual({ w: "default" });
    }
    for (const actor of unowned) expect((await decideOne(server, `${p}_svc`, { user_id: actor, country: "US" })).parameters).toEqual({ w: "default" });
    expect(ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts).toEqual([{ variant: "control", exposures: 0 }, { variant: "treatment", exposures: 0 }]);
  });
});

describe("decide: targeting, overrides, exclusion groups", () => {
  const rule = { type: "and", children: [{ type: "field", field: "country", op: "eq", values: ["US"] }, { type: "field", field: "age", op: "gte", values: [18] }] };

  it("enforces the targeting rule: false → not in the experiment (defaults), nothing stored", async () => {
    const p = uniqueKey("rule");
    await createLayer(server, { key: p, services: [`${p}_svc`], defaultParams: { in: false } });
    const key = `${p}_exp`;
    await started(server, key, { layer: p, traffic: 10000, rule, variants: [{ key: "v", weight: 1, params: { in: true } }] });
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ country: "US", age: 25 }, true], [{ country: "US", age: "30" }, true], [{ country: "FR", age: 25 }, false],
      [{ country: "US", age: 17 }, false], [{ country: "US" }, false], [{ age: 40 }, false],
    ];
    for (const [i, [attrs, inside]] of cases.entries()) {
      const actor = `r${i}`;
      const r = await decideOne(server, `${p}_svc`, { user_id: actor, ...attrs });
      expect([actor, r.parameters]).toEqual([actor, { in: inside }]);
      expect(r.experiments.map((e) => e.source)).toEqual(inside ? ["BUCKET"] : []);
      expect((await storedAssignment(server, key, actor)) !== null).toBe(inside);
    }
  });

  it("layers whose experiments share a rule judge each request of a batch by its own context", async () => {
    // Equal rules share one compiled closure and a decision evaluates it once: the outcome must not leak between
    // requests, nor between the two rules interleaved across the layers.
    const p = uniqueKey("shared");
    const us = { type: "field", field: "country", op: "eq", values: ["US"] };
    const adult = { type: "field", field: "age", op: "gte", values: [18] };
    const rules = [us, adult, { ...us }];
    for (const [i, r] of rules.entries()) {
      await createLayer(server, { key: `${p}_l${i}`, priority: i, services: [`${p}_svc`] });
      await started(server, `${p}_e${i}`, { layer: `${p}_l${i}`, traffic: 10000, rule: r });
    }
    const contexts = [{ country: "US", age: 20 }, { country: "FR", age: 20 }, { country: "US", age: 10 }, { country: "FR", age: 10 }, { country: "US", age: 30 }];
    const out = await decideBatch(server, contexts.map((c, i) => ({ services: [`${p}_svc`], context: { user_id: `s${i}`, ...c } })));
    const expected = contexts.map((c) => rules.flatMap((_, i) => ((i % 2 === 0 ? c.country === "US" : c.age >= 18) ? [`${p}_l${i}`] : [])));
    expect(out.map((d) => d.results[0]!.matchedLayers)).toEqual(expected);
    const again = await Promise.all(contexts.map((c, i) => decideOne(server, `${p}_svc`, { user_id: `s${i}`, ...c })));
    expect(again.map((r) => r.matchedLayers)).toEqual(expected);
  });

  it("an override wins over slot and rule, is tagged OVERRIDE and records an is-override exposure; cleared, the slot decides", async () => {
    const key = uniqueKey("ovr");
    await started(server, key, { services: [`${key}_svc`], rule, variants: TWO({ v: "c" }, { v: "t" }) });
    const actor = actorsWhere(slot, key, "q", 1, (s) => s < 5000)[0]!; // its slot says control
    ok(await server.gql(SET_OVERRIDE, { experiment: key, actor, variant: "treatment" }));
    const r = await decideOne(server, `${key}_svc`, { user_id: actor, country: "FR" }, { requestId: "ovr-req" });
    expect(r.experiments).toEqual([expect.objectContaining({ variant: "treatment", source: "OVERRIDE", slot: slot(key, actor) })]);
    expect(r.parameters).toEqual({ v: "t" });
    expect(await exposureLog(server, key, actor)).toEqual([expect.objectContaining({ variant: "treatment", requestId: "ovr-req", isOverride: true })]);
    ok(await server.gql(CLEAR_OVERRIDE, { experiment: key, actor }));
    expect((await decideOne(server, `${key}_svc`, { user_id: actor, country: "FR" })).experiments).toEqual([]);
    const bucketed = await decideOne(server, `${key}_svc`, { user_id: actor, country: "US", age: 20 });
    expect(bucketed.experiments).toEqual([expect.objectContaining({ variant: "control", source: "BUCKET" })]);
  });

  it("an actor held by one experiment of a group is not in another of the group", async () => {
    const group = uniqueKey("grp");
    const [a, b] = [`${group}_a`, `${group}_b`];
    await started(server, a, { services: [`${a}_svc`], exclusionGroup: group });
    await started(server, b, { services: [`${b}_svc`], exclusionGroup: group });
    ok(await assign(server, a, "held"));
    expect((await decideOne(server, `${b}_svc`, { user_id: "held" })).experiments).toEqual([]);
    expect(await storedAssignment(server, b, "held")).toBeNull();
    expect((await decideOne(server, `${a}_svc`, { user_id: "held" })).experiments[0]!.source).toBe("STICKY");
    // Decided first in b, an actor is then out of a.
    expect((await decideOne(server, `${b}_svc`, { user_id: "other" })).experiments[0]!.experiment).toBe(b);
    expect((await decideOne(server, `${a}_svc`, { user_id: "other" })).experiments).toEqual([]);
  });

  it("two experiments of one group in two layers of one decide: only the first layer in merge order gets a new actor", async () => {
    const p = uniqueKey("grp2");
    const svc = `${p}_svc`;
    await createLayer(server, { key: `${p}_l2`, priority: 2, services: [svc], defaultParams: { l2: "default" } });
    await createLayer(server, { key: `${p}_l1`, priority: 1, services: [svc], defaultParams: { l1: "default" } });
    const [first, second] = [`${p}_z_first`, `${p}_a_second`]; // key order disagrees with merge order
    await started(server, first, { layer: `${p}_l1`, traffic: 10000, exclusionGroup: p, variants: [{ key: "x", weight: 1, params: { l1: "x" } }] });
    await started(server, second, { layer: `${p}_l2`, traffic: 10000, exclusionGroup: p, variants: [{ key: "y", weight: 1, params: { l2: "y" } }] });
    for (let i = 0; i < 8; i++) {
      const actor = `g${i}`;
      for (const source of ["BUCKET", "STICKY"]) {
        const r = await decideOne(server, svc, { user_id: actor });
        expect(r.experiments.map((e) => [e.experiment, e.source])).toEqual([[first, source]]);
        expect(r.parameters).toEqual({ l1: "x", l2: "default" });
      }
      expect(await storedAssignment(server, second, actor)).toBeNull();
    }
    // An actor already held by the second layer's experiment stays there.
    ok(await assign(server, second, "pre"));
    const r = await decideOne(server, svc, { user_id: "pre" });
    expect(r.experiments.map((e) => [e.experiment, e.source])).toEqual([[second, "STICKY"]]);
    expect(r.parameters).toEqual({ l1: "default", l2: "y" });
  });
});

describe("decide: explain", () => {
  it("explain lists the config version, each layer with its salt and the slot, the rule outcome and the source", async () => {
    const p = uniqueKey("expl");
    const svc = `${p}_svc`;
    await createLayer(server, { key: `${p}_layer`, services: [svc], salt: `${p}_pepper` });
    await started(server, `${p}_exp`, { layer: `${p}_layer`, traffic: 10000, rule: { type: "field", field: "country", op: "eq", values: ["US"] } });
    const d = await decide(server, [svc], { user_id: "e1", country: "US" }, { explain: true });
    const text = d.results[0]!.reasons!.join("\n");
    expect(d.results[0]!.reasons!.length).toBeGreaterThan(2);
    expect(text).toContain(`config version ${d.configVersion}`);
    for (const part of [`${p}_layer`, `${p}_pepper`, String(slot(`${p}_pepper`, "e1")), `${p}_exp`, "BUCKET"]) expect(text).toContain(part);
    expect(text).toMatch(/rule holds/);
    const out = (await decide(server, [svc], { user_id: "e2", country: "FR" }, { explain: true })).results[0]!.reasons!.join("\n");
    expect(out).toMatch(/rule is false/);
    expect(out).toContain(String(slot(`${p}_pepper`, "e2")));
    expect(out).not.toContain("BUCKET");
    expect((await decideOne(server, svc, { user_id: "e1" })).reasons).toBeNull();
    expect((await decideOne(server, svc, { user_id: "e1" }, { explain: false })).reasons).toBeNull();
  });
});

describe("decide: exposures", () => {
  it("one exposure per (experiment, actor, variant): 5 decides → 1; requestId argument, else x-request-id", async () => {
    const key = uniqueKey("expo");
    await started(server, key, { services: [`${key}_svc`] });
    for (let i = 0; i < 5; i++) await decideOne(server, `${key}_svc`, { user_id: "five" }, { requestId: `req-${i}` });
    const log = await exposureLog(server, key, "five");
    const variant = slot(key, "five") < 5000 ? "control" : "treatment";
    expect(log).toEqual([expect.objectContaining({ experiment: key, actor: "five", variant, requestId: "req-0", isOverride: false })]);
    await decideOne(server, `${key}_svc`, { user_id: "hdr" }, { headers: { "x-request-id": "from-header" } });
    expect((await exposureLog(server, key, "hdr")).map((e) => e.requestId)).toEqual(["from-header"]);
    const counts = ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts as Array<{ exposures: number }>;
    expect(counts.reduce((n, c) => n + c.exposures, 0)).toBe(2);
  });

  it("an exposure the database refuses (a NUL in its requestId) is dropped, and the ones after it are written", async () => {
    const key = uniqueKey("exponul");
    await started(server, key, { services: [`${key}_svc`] });
    const refused = await decideOne(server, `${key}_svc`, { user_id: "nul-req" }, { requestId: "bad\u0000id" });
    expect(refused.experiments).toHaveLength(1);
    await decideOne(server, `${key}_svc`, { user_id: "after-nul" }, { requestId: "good-id" });
    expect((await exposureLog(server, key)).map((e) => [e.actor, e.requestId])).toEqual([["after-nul", "good-id"]]);
    await decideOne(server, `${key}_svc`, { user_id: "later" });
    expect((await exposureLog(server, key)).map((e) => e.actor)).toEqual(["later", "after-nul"]);
  });

  it("an actor the database cannot store (a NUL character) is bad input, not a server error", async () => {
    const key = uniqueKey("actornul");
    await started(server, key, { services: [`${key}_svc`] });
    const r = await decideRaw(server, [`${key}_svc`], { user_id: "a\u0000b" });
    expect(errorCode(r)).toBe("BAD_USER_INPUT");
    expect(await exposureLog(server, key)).toEqual([]);
  });
});

describe("decideBatch", () => {
  it("answers each request in order with the same semantics as decide", async () => {
    const key = uniqueKey("batch");
    const exp = await started(server, key, { services: [`${key}_svc`], variants: TWO({ v: "c" }, { v: "t" }) });
    const actors = [...actorsWhere(slot, key, "lo", 2, (s) => s < 5000), ...actorsWhere(slot, key, "hi", 2, (s) => s >= 5000)].reverse();
    const out = await decideBatch(server, [
      ...actors.map((a) => ({ services: [`${key}_svc`], context: { user_id: a } })),
      { services: ["nothing", `${key}_svc`], context: { no_user: true } },
    ]);
    expect(out).toHaveLength(5);
    const version = await configVersion(server);
    actors.forEach((actor, i) => {
      const variant = slot(key, actor) < 5000 ? "control" : "treatment";
      expect(out[i]!.configVersion).toBe(version);
      expect(out[i]!.results[0]!.experiments).toEqual([{ experiment: key, variant, vid: vidOf(exp, variant), layer: key, slot: slot(key, actor), source: "BUCKET" }]);
    });
    expect(out[4]!.results).toEqual([empty("nothing"), empty(`${key}_svc`)]);
    for (const actor of actors) expect(await storedAssignment(server, key, actor)).not.toBeNull();
    const explained = ok(await server.gql(DECIDE_BATCH, { requests: [{ services: [`${key}_svc`], context: { user_id: actors[0] } }], explain: true })).decideBatch;
    expect(explained[0].results[0].reasons.join("\n")).toContain("STICKY");
  });

  it("the same new actor in two requests of one batch gets one assignment and the same variant", async () => {
    const key = uniqueKey("batchdup");
    await started(server, key, { services: [`${key}_svc`] });
    const out = await decideBatch(server, [0, 1, 2].map((i) => ({ services: [`${key}_svc`], context: { user_id: "twice", i } })));
    const variants = out.map((d) => d.results[0]!.experiments[0]!.variant);
    expect(new Set(variants).size).toBe(1);
    expect(variants[0]).toBe(slot(key, "twice") < 5000 ? "control" : "treatment");
    expect((await storedAssignment(server, key, "twice"))?.variant).toBe(variants[0]);
    expect(await exposureLog(server, key, "twice")).toHaveLength(1);
  });

  it("refuses more than 1,000 requests, more than 100 services and a context that is not a JSON object, naming the field, writing nothing", async () => {
    const key = uniqueKey("batchbad");
    await started(server, key, { services: [`${key}_svc`] });
    const many = (n: number) => Array.from({ length: n }, () => ({ services: ["unserved"], context: {} }));
    const tooMany = await server.gql(DECIDE_BATCH, { requests: many(1001) });
    expect([errorCode(tooMany), tooMany.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "requests"]);
    expect(ok(await server.gql(DECIDE_BATCH, { requests: many(1000) })).decideBatch).toHaveLength(1000);

    for (const bad of ["a string", [1, 2], 7, true]) {
      const requests = [0, 1, 2, 3].map((i) => ({ services: [`${key}_svc`], context: i === 3 ? bad : { user_id: `bb${i}` } }));
      const res = await server.gql(DECIDE_BATCH, { requests });
      expect([errorCode(res), res.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "requests[3].context"]);
      const single = await decideRaw(server, [`${key}_svc`], bad);
      expect([errorCode(single), single.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "context"]);
    }
    const services = (n: number) => [`${key}_svc`, ...Array.from({ length: n - 1 }, (_, i) => `other_${i}`)];
    const tooManyServices = await decideRaw(server, services(101), { user_id: "bb0" });
    expect([errorCode(tooManyServices), tooManyServices.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "services"]);
    expect(await storedAssignment(server, key, "bb0")).toBeNull();
    expect(ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts.map((c: any) => c.exposures)).toEqual([0, 0]);
    expect((await decide(server, services(100), { user_id: "bb-100" })).results).toHaveLength(100);
  });
});
