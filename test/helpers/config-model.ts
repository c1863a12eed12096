// A random configuration as the rows a snapshot is compiled from, and random changes to it (snapshot property tests).

import type { ConfigState, OverrideRow } from "../../src/engine/snapshot";
import type { ConfigDelta } from "../../src/engine/snapshot-delta";
import type { Experiment, JsonObject, JsonValue, Layer, Segment, SlotRange, Variant } from "../../src/engine/types";
import { int } from "./prng";

export const SERVICES = ["web", "app", "api", "ios"];
export const ACTORS = Array.from({ length: 40 }, (_, i) => `a${i}`);
const GROUPS = ["g1", "g2"];
const HASH_KEYS = ["user_id", "device"];
const US: JsonObject = { type: "field", field: "country", op: "eq", values: ["US"] };
/** Equal rules (the same JSON text) come up in many experiments: their closures must stay shared. */
const RULES: readonly (JsonObject | null)[] = [
  null,
  US,
  { type: "and", children: [{ type: "field", field: "country", op: "in", values: ["US", "FR"] }, { type: "field", field: "age", op: "gte", values: [18] }] },
  { type: "field", field: "plan", op: "eq", values: ["pro"] },
  { type: "not", child: US },
];
const PARAM_KEYS = ["ranker", "ui", "limit", "color"];
/** Experiments own blocks of this many slots in explicit layers. */
const BLOCK = 500;
const EPOCH = new Date(0);

const isActive = (e: Experiment) => e.state === "RUNNING" || e.state === "CONCLUDED";

export class ConfigModel {
  version = 1;
  readonly layers = new Map<string, Layer>();
  readonly experiments = new Map<string, Experiment>();
  /** By `experiment \0 actor`. */
  readonly overrides = new Map<string, OverrideRow>();
  private nextVid = 1;
  private nextKey = 1;

  /**
   * @param created told of each new experiment (the test stores assignments for some actors)
   * @param slotOf the slot of an actor under a salt: overrides go mostly to actors the experiment owns, where they decide
   */
  constructor(
    private readonly rand: () => number,
    private readonly created: (e: Experiment) => void,
    private readonly slotOf: (salt: string, actor: string) => number,
  ) {}

  /** The whole deciding configuration, as ConfigStateRepository.load reads it. */
  state(): ConfigState {
    const experiments = [...this.experiments.values()].filter(isActive);
    const deciding = new Set(experiments.map((e) => e.layer));
    return {
      version: this.version,
      layers: [...this.layers.values()].filter((l) => !l.implicit || deciding.has(l.key)),
      experiments,
      overrides: [...this.overrides.values()].filter((o) => isActive(this.experiments.get(o.experiment)!)),
      flags: [],
      forced: [],
    };
  }

  /** What ConfigStateRepository.loadDelta reads for `keys`, each list shuffled (row order must not matter). */
  delta(keys: readonly string[]): ConfigDelta {
    const wanted = new Set(keys);
    const state = this.state();
    const experiments = state.experiments.filter((e) => wanted.has(e.layer));
    const ofThem = new Set(experiments.map((e) => e.key));
    return {
      version: state.version,
      layerKeys: keys,
      layers: this.shuffled(state.layers.filter((l) => wanted.has(l.key))),
      experiments: this.shuffled(experiments),
      overrides: this.shuffled(state.overrides.filter((o) => ofThem.has(o.experiment))),
    };
  }

  /** One random change, or now and then a few committed as one (an import); returns the layer keys touched. */
  change(): string[] {
    this.version++;
    if (this.chance(0.1)) return [...new Set(Array.from({ length: int(this.rand, 2, 4) }, () => this.one()).flat())];
    return this.one();
  }

  private one(): string[] {
    const roll = this.rand();
    if (roll < 0.06) return this.createLayer();
    if (roll < 0.16) return this.updateLayer();
    if (roll < 0.27) return this.createExperiment();
    if (roll < 0.38) return this.transition("DRAFT", () => ({ state: "RUNNING" }));
    if (roll < 0.44) return this.transition("RUNNING", (e) => ({ state: "CONCLUDED", winner: this.chance(0.9) ? this.pick(e.variants).key : null }));
    if (roll < 0.49) return this.transition(null, (e) => ({ state: "ARCHIVED", ...(this.layers.get(e.layer)!.implicit ? {} : { slots: [], ranges: [] }) }));
    if (roll < 0.56) return this.transition(null, (e) => ({ ranges: this.randomRanges(e.slots, e.variants) }));
    if (roll < 0.61) return this.transition(null, (e) => this.retrafficked(e));
    if (roll < 0.67) return this.transition(null, () => ({ exclusionGroup: this.pick([null, ...GROUPS]) }));
    if (roll < 0.72) return this.transition(null, () => ({ rule: this.pick(RULES) }));
    if (roll < 0.78) return this.transition(null, (e) => this.revariated(e));
    if (roll < 0.93) return this.setOrClearOverride();
    if (roll < 0.96) return this.implicitServices();
    // Touched, unchanged: a layer key named by a change that did not alter what it decides.
    return [this.pick([...this.layers.keys(), "never_created"])];
  }

  createLayer(): string[] {
    const key = `l${this.nextKey++}`;
    this.layers.set(key, {
      key, description: null, priority: int(this.rand, 0, 3), services: this.someServices(), hashKey: this.pick(HASH_KEYS),
      salt: key, hashVersion: 1, enabled: this.chance(0.9), defaultParams: this.randomParams(), implicit: false,
    });
    return [key];
  }

  private updateLayer(): string[] {
    const explicit = [...this.layers.values()].filter((l) => !l.implicit);
    if (explicit.length === 0) return this.createLayer();
    const l = this.pick(explicit);
    const changes: Partial<Layer>[] = [
      { priority: int(this.rand, 0, 3) },
      { services: this.someServices() },
      { defaultParams: this.randomParams() },
      { enabled: !l.enabled },
      { hashKey: this.pick(HASH_KEYS) },
      { salt: `${l.key}_${int(this.rand, 0, 9)}` },
    ];
    this.layers.set(l.key, { ...l, ...this.pick(changes) });
    return [l.key];
  }

  createExperiment(): string[] {
    const key = `x${this.nextKey++}`;
    const variants: Variant[] = Array.from({ length: int(this.rand, 1, 3) }, (_, i) => ({ key: `v${i}`, vid: this.nextVid++, weight: 1, params: this.randomParams() }));
    const explicit = [...this.layers.values()].filter((l) => !l.implicit && this.freeBlocks(l.key, null).length > 0);
    let layer: string;
    let slots: Segment[];
    if (explicit.length > 0 && this.chance(0.65)) {
      layer = this.pick(explicit).key;
      slots = this.someBlocks(this.freeBlocks(layer, null));
    } else {
      layer = key;
      this.layers.set(key, {
        key, description: null, priority: 0, services: this.someServices(), hashKey: "user_id", salt: key, hashVersion: 1,
        enabled: true, defaultParams: {}, implicit: true,
      });
      slots = [{ start: 0, end: this.chance(0.7) ? 10_000 : int(this.rand, 1, 19) * BLOCK }];
    }
    const exp: Experiment = {
      key, description: null, services: [], layer, state: "DRAFT", variants, winner: null,
      exclusionGroup: this.chance(0.6) ? this.pick(GROUPS) : null, rule: this.pick(RULES), slots,
      ranges: this.randomRanges(slots, variants), version: 1, createdAt: EPOCH, updatedAt: EPOCH,
    };
    this.experiments.set(key, exp);
    this.created(exp);
    return [layer];
  }

  /** Changes an experiment in state `from` (any but ARCHIVED when null); creates one when there is none. */
  private transition(from: Experiment["state"] | null, change: (e: Experiment) => Partial<Experiment>): string[] {
    const candidates = [...this.experiments.values()].filter((e) => (from === null ? e.state !== "ARCHIVED" : e.state === from));
    if (candidates.length === 0) return this.createExperiment();
    const e = this.pick(candidates);
    this.experiments.set(e.key, { ...e, ...change(e), version: e.version + 1 });
    return [e.layer];
  }

  private retrafficked(e: Experiment): Partial<Experiment> {
    const slots = this.layers.get(e.layer)!.implicit
      ? [{ start: 0, end: int(this.rand, 1, 20) * BLOCK }]
      : this.someBlocks(this.freeBlocks(e.layer, e.key));
    return { slots, ranges: this.randomRanges(slots, e.variants) };
  }

  /** New parameters for one variant (its layer's shape may change), now and then one more variant. */
  private revariated(e: Experiment): Partial<Experiment> {
    const variants = e.variants.map((v) => (this.chance(0.5) ? { ...v, params: this.randomParams() } : v));
    if (this.chance(0.3)) variants.push({ key: `v${variants.length}`, vid: this.nextVid++, weight: 1, params: this.randomParams() });
    return { variants, ranges: this.randomRanges(e.slots, variants) };
  }

  private setOrClearOverride(): string[] {
    if (this.overrides.size > 0 && this.chance(0.25)) {
      const key = this.pick([...this.overrides.keys()]);
      const experiment = this.overrides.get(key)!.experiment;
      this.overrides.delete(key);
      return [this.experiments.get(experiment)!.layer];
    }
    // Mostly on RUNNING experiments, where an override decides.
    const all = [...this.experiments.values()];
    const running = all.filter((e) => e.state === "RUNNING");
    const candidates = running.length > 0 && this.chance(0.8) ? running : all.filter((e) => e.state !== "ARCHIVED");
    if (candidates.length === 0) return this.createExperiment();
    const e = this.pick(candidates);
    const salt = this.layers.get(e.layer)!.salt;
    const owned = ACTORS.filter((a) => e.slots.some((s) => s.start <= this.slotOf(salt, a) && this.slotOf(salt, a) < s.end));
    const actor = this.pick(owned.length > 0 && this.chance(0.8) ? owned : ACTORS);
    this.overrides.set(`${e.key}\u0000${actor}`, { experiment: e.key, actor, variant: this.pick(e.variants).key });
    return [e.layer];
  }

  /** An implicit layer follows its experiment's services (updateExperiment). */
  private implicitServices(): string[] {
    const implicit = [...this.layers.values()].filter((l) => l.implicit);
    if (implicit.length === 0) return this.createExperiment();
    const l = this.pick(implicit);
    this.layers.set(l.key, { ...l, services: this.someServices() });
    return [l.key];
  }

  /** Starts of the blocks of a layer that no experiment holds but `except` (ARCHIVED ones hold none). */
  private freeBlocks(layer: string, except: string | null): number[] {
    const held = new Set<number>();
    for (const e of this.experiments.values()) {
      if (e.layer !== layer || e.key === except) continue;
      for (const s of e.slots) for (let b = s.start; b < s.end; b += BLOCK) held.add(b);
    }
    return Array.from({ length: 10_000 / BLOCK }, (_, i) => i * BLOCK).filter((b) => !held.has(b));
  }

  /** One to three of the blocks, as sorted segments (adjacent blocks joined). */
  private someBlocks(free: readonly number[]): Segment[] {
    const chosen = this.shuffled(free).slice(0, int(this.rand, 1, 3)).sort((a, b) => a - b);
    const out: Segment[] = [];
    for (const b of chosen) {
      const last = out[out.length - 1];
      if (last !== undefined && last.end === b) out[out.length - 1] = { start: last.start, end: b + BLOCK };
      else out.push({ start: b, end: b + BLOCK });
    }
    return out;
  }

  /** Each owned segment cut in one to three runs, each served by a random variant or (now and then) by none. */
  private randomRanges(slots: readonly Segment[], variants: readonly Variant[]): SlotRange[] {
    const out: SlotRange[] = [];
    for (const s of slots) {
      const cuts = Array.from({ length: int(this.rand, 0, 2) }, () => s.start + Math.floor((this.rand() * (s.end - s.start)) / 50) * 50);
      const bounds = [...new Set([s.start, ...cuts, s.end])].sort((a, b) => a - b);
      for (let i = 0; i + 1 < bounds.length; i++) {
        if (this.chance(0.85)) out.push({ start: bounds[i]!, end: bounds[i + 1]!, vid: this.pick(variants).vid });
      }
    }
    return out;
  }

  private randomParams(depth = 0): JsonObject {
    const out: JsonObject = {};
    for (const key of PARAM_KEYS) if (this.chance(0.45)) out[key] = this.randomValue(depth);
    return out;
  }

  private randomValue(depth: number): JsonValue {
    const kind = int(this.rand, 0, depth > 0 ? 3 : 4);
    if (kind === 0) return int(this.rand, 0, 9);
    if (kind === 1) return `s${int(this.rand, 0, 3)}`;
    if (kind === 2) return null;
    if (kind === 3) return [int(this.rand, 0, 3)];
    return this.randomParams(depth + 1);
  }

  private someServices(): string[] {
    return SERVICES.filter(() => this.chance(0.4));
  }

  private shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(this.rand, 0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }
}
