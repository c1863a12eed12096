// applyDelta against compileSnapshot: random configurations, random changes, the same decisions and the same structure.

import xxhash from "xxhash-wasm";
import { decideService } from "../../src/engine/decide";
import type { CompiledRule } from "../../src/engine/rules";
import { SlotHasher, saltPrefix } from "../../src/engine/slot-hasher";
import { type ConfigState, type Snapshot, compileSnapshot, emptySnapshot } from "../../src/engine/snapshot";
import { applyDelta, applyDeltaToRows } from "../../src/engine/snapshot-delta";
import type { FlagDefinition } from "../../src/engine/flag-types";
import type { JsonObject } from "../../src/engine/types";
import { ActorMemory } from "../../src/services/actor-memory";
import { StickyView } from "../../src/services/sticky-view";
import { ACTORS, ConfigModel, SERVICES } from "../helpers/config-model";
import { canonical, sorted } from "../helpers/snapshot-canonical";
import { int, prng } from "../helpers/prng";

let hasher: SlotHasher;
beforeAll(async () => {
  hasher = new SlotHasher((await xxhash()).h32);
});

/** A world of stored assignments: some actors hold a row in each experiment from its creation on (rows never change). */
function world(rand: () => number) {
  const memory = new ActorMemory(1_000_000, Infinity);
  const model = new ConfigModel(
    rand,
    (e) => {
      for (const actor of ACTORS) if (rand() < 0.25) memory.rememberStored(e.key, actor, e.variants[int(rand, 0, e.variants.length - 1)]!.vid);
    },
    (salt, actor) => hasher.slot(saltPrefix(salt), actor),
  );
  return { memory, model };
}

function randomContexts(rand: () => number, count: number): JsonObject[] {
  const maybe = <T>(value: T): T | undefined => (rand() < 0.9 ? value : undefined);
  return Array.from({ length: count }, () => {
    const context: JsonObject = {};
    const fields = {
      user_id: maybe(ACTORS[int(rand, 0, ACTORS.length - 1)]!),
      device: maybe(ACTORS[int(rand, 0, ACTORS.length - 1)]!),
      country: maybe(["US", "FR", "DE"][int(rand, 0, 2)]!),
      age: maybe(int(rand, 10, 40)),
      plan: maybe(rand() < 0.5 ? "pro" : "free"),
    };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) context[k] = v;
    return context;
  });
}

/** Every decision of every context for every service (and one no layer serves), explained for every other one. */
function decisions(snapshot: Snapshot, contexts: readonly JsonObject[], memory: ActorMemory): string[] {
  // StickyView is what DecisionService hands the engine: its heldByGroup reads the snapshot's group index.
  const view = new StickyView(memory, snapshot.groups);
  return contexts.flatMap((context, i) =>
    [...SERVICES, "unserved"].map((service) => {
      const d = decideService(snapshot, service, context, view, i % 2 === 0);
      return JSON.stringify([service, d.parameters, d.experiments.map((e) => [e.experiment, e.variant, e.vid, e.layer, e.slot, e.source, e.actor]), d.reasons]);
    }),
  );
}

/** Pairs (rule text, closure) that break "equal rules share one closure, different ones do not". */
function unsharedRules(s: Snapshot, model: ConfigModel): string[] {
  const closureOf = new Map<string, CompiledRule>();
  const textOf = new Map<CompiledRule, string>();
  const faults: string[] = [];
  for (const e of s.experiments.values()) {
    if (e.rule === null) continue;
    const text = JSON.stringify(model.experiments.get(e.key)!.rule);
    if ((closureOf.get(text) ?? e.rule) !== e.rule || (textOf.get(e.rule) ?? text) !== text) faults.push(`${e.key}: ${text}`);
    closureOf.set(text, e.rule);
    textOf.set(e.rule, text);
  }
  return faults;
}

/** What applyDelta must have carried over by reference: layers, experiments and plans the change did not touch. */
function notCarried(prev: Snapshot, next: Snapshot, touched: ReadonlySet<string>): string[] {
  const replanned = new Set<string>();
  for (const key of touched) for (const s of [prev, next]) for (const service of s.layers.get(key)?.services ?? []) replanned.add(service);
  const faults: string[] = [];
  for (const [key, layer] of prev.layers) if (!touched.has(key) && next.layers.get(key) !== layer) faults.push(`layer ${key}`);
  for (const [key, e] of prev.experiments) if (!touched.has(e.layer) && next.experiments.get(key) !== e) faults.push(`experiment ${key}`);
  for (const [service, plan] of prev.services) if (!replanned.has(service) && next.services.get(service) !== plan) faults.push(`service ${service}`);
  return faults;
}

/**
 * The group index and the services' layer order, worked out from the rows alone: an oracle that
 * does not share compileSnapshot's code (which is one delta from an empty snapshot).
 */
function indexOf(model: ConfigModel) {
  const state = model.state();
  const groups = new Map<string, string[]>();
  for (const e of state.experiments) if (e.exclusionGroup !== null) groups.set(e.exclusionGroup, [...(groups.get(e.exclusionGroup) ?? []), e.key].sort());
  const services = new Map<string, string[]>();
  const ordered = [...state.layers].sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : 1));
  for (const l of ordered) for (const service of l.services) services.set(service, [...(services.get(service) ?? []), l.key]);
  return { groups: sorted(groups, (keys) => keys), services: sorted(services, (keys) => keys) };
}

/** Rows in a canonical order. */
const rowsOf = (state: ConfigState) => ({
  version: state.version,
  layers: [...state.layers].sort((a, b) => (a.key < b.key ? -1 : 1)),
  experiments: [...state.experiments].sort((a, b) => (a.key < b.key ? -1 : 1)),
  overrides: state.overrides.map((o) => `${o.experiment} ${o.actor} ${o.variant}`).sort(),
});

/** Which decision sources, and whether a group exclusion, a run of decisions met. */
function reached(all: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const d of all) {
    for (const source of ["OVERRIDE", "STICKY", "BUCKET", "WINNER"]) if (d.includes(`"${source}"`)) seen.add(source);
    if (d.includes("already in another experiment of group")) seen.add("EXCLUDED_BY_GROUP");
  }
  return [...seen].sort();
}

describe.each([1, 2, 3, 4])("seed %i: a random configuration, then 60 random changes applied as deltas", (seed) => {
  it("decides as a full compile after every change, with the same structure and rows, and leaves the previous snapshot as it was", () => {
    const rand = prng(seed);
    const { memory, model } = world(rand);
    for (let i = 0; i < 4; i++) model.createLayer();
    for (let i = 0; i < 14; i++) model.createExperiment();
    for (const e of model.experiments.values()) if (rand() < 0.7) model.experiments.set(e.key, { ...e, state: "RUNNING" });
    for (let i = 0; i < 10; i++) model.change();
    const contexts = randomContexts(rand, 150);
    let rows = model.state();
    let current = compileSnapshot(rows, hasher);
    let before = canonical(current);
    let decided = decisions(current, contexts, memory);
    const met: string[] = [];
    for (let step = 0; step < 60; step++) {
      const touched = model.change();
      const previous = current;
      const delta = model.delta(touched);
      current = applyDelta(previous, delta);
      rows = applyDeltaToRows(rows, delta);
      const full = compileSnapshot(model.state(), hasher);
      const context = `after change ${step} (touched ${touched.join(", ")})`;
      expect([context, rowsOf(rows)]).toEqual([context, rowsOf(model.state())]);
      const shown = canonical(current);
      expect([context, shown]).toEqual([context, canonical(full)]);
      expect([context, shown.groups, shown.services.map(([service, p]) => [service, p.layers])]).toEqual([context, ...Object.values(indexOf(model))]);
      const now = decisions(current, contexts, memory);
      expect([context, now]).toEqual([context, decisions(full, contexts, memory)]);
      expect([context, notCarried(previous, current, new Set(touched)), unsharedRules(current, model)]).toEqual([context, [], []]);
      // The previous snapshot, still held by requests in flight, is untouched.
      expect([context, canonical(previous), decisions(previous, contexts, memory)]).toEqual([context, before, decided]);
      before = shown;
      decided = now;
      met.push(...now);
    }
    // The run met every way an actor is decided, a group exclusion among them.
    expect(reached(met)).toEqual(["BUCKET", "EXCLUDED_BY_GROUP", "OVERRIDE", "STICKY", "WINNER"]);
  });
});

it("compileSnapshot equals applying one delta holding everything to an empty snapshot", () => {
  const { model } = world(prng(11));
  for (let i = 0; i < 30; i++) model.change();
  const state = model.state();
  const viaDelta = applyDelta(emptySnapshot(hasher), model.delta(state.layers.map((l) => l.key)));
  expect(canonical(viaDelta)).toEqual(canonical(compileSnapshot(state, hasher)));
});

it("keeps a layer's service merge when its parameter keys stay, and builds a new one when they change", () => {
  const { model } = world(prng(5));
  const layer = model.createLayer()[0]!;
  model.layers.set(layer, { ...model.layers.get(layer)!, services: ["web"], enabled: true, defaultParams: { ranker: { model: "a" } } });
  const before = compileSnapshot(model.state(), hasher);
  model.layers.set(layer, { ...model.layers.get(layer)!, defaultParams: { ranker: { model: "b" } } });
  const sameKeys = applyDelta(before, model.delta([layer]));
  model.layers.set(layer, { ...model.layers.get(layer)!, defaultParams: { ranker: { model: "b", depth: 2 } } });
  const newKey = applyDelta(sameKeys, model.delta([layer]));
  expect(sameKeys.services.get("web")!.merge).toBe(before.services.get("web")!.merge);
  expect(newKey.services.get("web")!.merge).not.toBe(sameKeys.services.get("web")!.merge);
  const answer = (s: Snapshot) => decideService(s, "web", {}, new StickyView(new ActorMemory(100, 0), s.groups), false).parameters;
  expect([answer(before), answer(sameKeys), answer(newKey)]).toEqual([{ ranker: { model: "a" } }, { ranker: { model: "b" } }, { ranker: { model: "b", depth: 2 } }]);
});

it("drops rule closures no experiment uses any more: a rule edited 500 times leaves a bounded cache", () => {
  const { model } = world(prng(9));
  const key = model.createExperiment()[0]!;
  const exp = [...model.experiments.values()][0]!;
  model.experiments.set(exp.key, { ...exp, state: "RUNNING" });
  let snapshot = compileSnapshot(model.state(), hasher);
  let largest = 0;
  for (let i = 0; i < 500; i++) {
    const e = model.experiments.get(exp.key)!;
    model.experiments.set(exp.key, { ...e, rule: { type: "field", field: "age", op: "gte", values: [i] } });
    snapshot = applyDelta(snapshot, model.delta([key]));
    largest = Math.max(largest, snapshot.rules.size);
  }
  expect(largest).toBeLessThanOrEqual(2 * snapshot.experiments.size + 64 + 1);
  const rule = snapshot.experiments.get(exp.key)!.rule!;
  expect([rule({ age: 499 }), rule({ age: 498 })]).toEqual([true, false]);
  // The live rule is still the one cached: an equal rule compiled later shares its closure.
  expect(snapshot.rules.compile({ type: "field", field: "age", op: "gte", values: [499] })).toBe(rule);
});

describe("flags in deltas", () => {
  const flag = (key: string, extra: Partial<FlagDefinition> = {}): FlagDefinition => ({
    key, services: [], enabled: true, archived: false, hashKey: "user_id", variables: { on: false },
    rules: [{ key: "everyone", type: "DELIVERY", experiment: null, audience: null, traffic: 5000, enabled: true, variables: { on: true } }],
    ...extra,
  });
  const base = (): ConfigState => ({
    version: 1, layers: [], experiments: [], overrides: [],
    flags: [flag("b"), flag("a"), flag("c")],
    forced: [{ flag: "a", rule: "everyone", actor: "u1", variation: "off" }, { flag: "b", rule: "everyone", actor: "u2", variation: "on" }],
  });

  it("recompiles only the flags named (with their forced decisions), keeps the others by reference, and keeps the keys sorted", () => {
    const state = base();
    const before = compileSnapshot(state, hasher);
    expect(before.flagKeys).toEqual(["a", "b", "c"]);
    const delta = {
      version: 2, layerKeys: [], layers: [], experiments: [], overrides: [],
      flagKeys: ["a", "c", "0"],
      flags: [flag("a", { enabled: false }), flag("0", { archived: true })],
      forced: [{ flag: "a", rule: "everyone", actor: "u3", variation: "on" }],
    };
    const after = applyDelta(before, delta);
    // "c" was named but has no row any more: gone; "0" is new (archived flags stay: they decide DEFAULT).
    expect(after.flagKeys).toEqual(["0", "a", "b"]);
    expect(after.flags.get("b")).toBe(before.flags.get("b"));
    expect(after.flags.get("a")!.enabled).toBe(false);
    expect([...after.flags.get("a")!.rules[0]!.forced!]).toEqual([["u3", "on"]]);
    expect(before.flags.get("a")!.enabled).toBe(true);
    // The rows kept for the cache file compile to the same snapshot.
    const rows = applyDeltaToRows(state, delta);
    expect(canonical(compileSnapshot(rows, hasher))).toEqual(canonical(after));
    // A delta naming no flag keeps the very same map.
    expect(applyDelta(after, { version: 3, layerKeys: [], layers: [], experiments: [], overrides: [] }).flags).toBe(after.flags);
  });
});
