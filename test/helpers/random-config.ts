// A random configuration built through the real GraphQL mutations (the round-trip property of SPEC §15),
// and random contexts to decide it for: every key and actor carries the seed's prefix.

import { ARCHIVE, CLEAR_OVERRIDE, CONCLUDE, CREATE, EXPERIMENT, SET_OVERRIDE, SET_WEIGHTS, START, ok } from "./factories";
import { ARCHIVE_FLAG, CLEAR_FORCED, CREATE_FLAG, SET_FLAG_ENABLED, SET_FLAG_RULES, SET_FORCED, UPDATE_FLAG } from "./flag-factories";
import { CREATE_LAYER, LAYER, SET_RANGES, SET_TRAFFIC, SLOTS, UPDATE_LAYER } from "./layer-factories";
import { int } from "./prng";
import type { GqlResponse } from "./test-server";

export const SERVICES = ["web", "app", "api", "ios"];
const COUNTRIES = ["US", "FR", "DE", "JP", "BR"];
const VERSIONS = ["1.0.0", "1.0.0-rc.1", "2.0.1", "v2.1.0", "2.9.0", "2.10.0", "3.0.0-beta"];
const PLANS = ["free", "pro", "team"];
type Json = Record<string, unknown>;
const UPDATE_EXPERIMENT = `mutation($key: String!, $input: UpdateExperimentInput!) { updateExperiment(key: $key, input: $input) { key } }`;

interface Exp {
  key: string;
  /** null: its own implicit layer. */
  layer: string | null;
  hashKey: string;
  variants: Array<{ key: string; vid: number }>;
}

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<GqlResponse>;

export class RandomConfig {
  readonly layers: string[] = [];
  readonly experiments: Exp[] = [];
  readonly flags: string[] = [];
  /** Actors by hash key: contexts draw from these, overrides and forced decisions go to them. */
  readonly users: string[];
  readonly devices: string[];
  /** The highest vid seen since the seed's first experiment: every vid on the server is at most this. */
  private highestVid = 0;

  constructor(
    private readonly gql: Gql,
    private readonly rand: () => number,
    readonly prefix: string,
  ) {
    this.users = Array.from({ length: 30 }, (_, i) => `${prefix}-u${i}`);
    this.devices = Array.from({ length: 12 }, (_, i) => `${prefix}-d${i}`);
  }

  get keys(): string[] {
    return [...this.layers, ...this.experiments.map((e) => e.key), ...this.flags].sort();
  }

  private chance = (p: number) => this.rand() < p;
  private pick = <T>(xs: readonly T[]): T => xs[int(this.rand, 0, xs.length - 1)]!;
  private some = <T>(xs: readonly T[], min: number): T[] => {
    const out = xs.filter(() => this.chance(0.5));
    return out.length >= min ? out : xs.slice(0, min);
  };
  private async run(query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
    return ok(await this.gql(query, variables));
  }

  params(): Json {
    const out: Json = {};
    if (this.chance(0.6)) out.ranker = `r${int(this.rand, 1, 5)}`;
    if (this.chance(0.5)) out.ui = { color: this.pick(["red", "blue", "green"]), ...(this.chance(0.5) ? { size: int(this.rand, 1, 4) } : {}) };
    if (this.chance(0.4)) out.limit = int(this.rand, 10, 50);
    return out;
  }

  private leaf(): Json {
    const field = (f: string, op: string, values: unknown[], fieldType?: string) => ({ type: "field", field: f, op, values, ...(fieldType ? { fieldType } : {}) });
    switch (int(this.rand, 0, 7)) {
      case 0: return field("country", this.pick(["eq", "neq"]), [this.pick(COUNTRIES)]);
      case 1: return field("country", this.pick(["in", "not_in"]), this.some(COUNTRIES, 1));
      case 2: return field("age", this.pick(["gt", "gte", "lt", "lte"]), [int(this.rand, 16, 60)], this.chance(0.5) ? "int" : undefined);
      case 3: return field("score", this.pick(["gte", "lt"]), [int(this.rand, 1, 9) / 10], "float");
      case 4: return field("app_version", this.pick(["gte", "lt", "eq"]), [this.pick(VERSIONS)], "semver");
      case 5: return field("beta", "eq", [this.chance(0.5)]);
      case 6: return field("email", this.pick(["like", "not_like"]), [this.pick(["*@example.com", "a*", "*\\**"])]);
      default: return field("plan", this.pick(["in", "not_in"]), this.some(PLANS, 1), "string");
    }
  }

  rule(depth = 0): Json {
    const r = this.rand();
    if (depth >= 3 || r < 0.45) return this.leaf();
    if (r < 0.6) return { type: "not", child: this.rule(depth + 1) };
    return { type: this.chance(0.5) ? "and" : "or", children: Array.from({ length: int(this.rand, 1, 3) }, () => this.rule(depth + 1)) };
  }

  private variants(): Json[] {
    const n = int(this.rand, 2, 4);
    return Array.from({ length: n }, (_, i) => ({
      key: i === 0 ? "control" : `t${i}`,
      // The first variant always weighs something: all weights zero decides nothing (NO_VARIANT).
      weight: i === 0 ? int(this.rand, 1, 100) : this.chance(0.2) ? 0 : int(this.rand, 1, 100),
      params: this.params(),
      // Now and then a vid of the caller's choosing (leaving a gap), as the document may name one. Above
      // every vid this seed has seen: the server numbers new variants MAX(vid) + 1, so none is taken.
      ...(this.highestVid > 0 && this.chance(0.15) ? { vid: (this.highestVid += int(this.rand, 2, 40)) } : {}),
    }));
  }

  private async createExperiment(key: string, layer: string | null, hashKey: string, traffic: number | null): Promise<void> {
    const input: Json = {
      key,
      variants: this.variants(),
      services: layer === null || this.chance(0.4) ? this.some(SERVICES, 1) : [],
      ...(layer === null ? {} : { layer, traffic }),
      ...(this.chance(0.6) ? { rule: this.rule() } : {}),
      ...(this.chance(0.35) ? { exclusionGroup: `${this.prefix}-g${int(this.rand, 0, 1)}` } : {}),
      ...(this.chance(0.5) ? { description: `about ${key}` } : {}),
    };
    const created = (await this.run(CREATE, { input })).createExperiment;
    this.highestVid = Math.max(this.highestVid, ...created.variants.map((v: { vid: number }) => v.vid));
    this.experiments.push({ key, layer, hashKey, variants: created.variants });
  }

  /** Layers and experiments, fragmented by weights, traffic and direct ranges; no state changed yet. */
  async buildExperiments(): Promise<void> {
    const p = this.prefix;
    const layers = int(this.rand, 2, 3);
    for (let j = 0; j < layers; j++) {
      const key = `${p}-l${j}`;
      const hashKey = this.chance(0.3) ? "device_id" : "user_id";
      await this.run(CREATE_LAYER, {
        input: {
          key,
          priority: int(this.rand, -2, 3),
          services: this.some(SERVICES, 1),
          hashKey,
          defaultParams: this.params(),
          ...(this.chance(0.5) ? { salt: `salt-${p}-${j}` } : {}),
          ...(this.chance(0.5) ? { description: `layer ${j}` } : {}),
        },
      });
      this.layers.push(key);
      const experiments = int(this.rand, 2, 4);
      for (let k = 0; k < experiments; k++) await this.createExperiment(`${key}-e${k}`, key, hashKey, int(this.rand, 300, 2000));
    }
    const implicit = int(this.rand, 3, 5);
    for (let k = 0; k < implicit; k++) await this.createExperiment(`${p}-i${k}`, null, "user_id", null);
    for (let round = 0; round < 3; round++) for (const e of this.experiments) if (this.chance(0.5)) await this.reshape(e);
    // The 001 style: one layer's ranges cut at random, then reshaped again on top of that.
    const direct = this.layers[0]!;
    const members = this.experiments.filter((e) => e.layer === direct);
    await this.run(SET_RANGES, { key: direct, ranges: this.randomRanges(members.flatMap((e) => e.variants.map((v) => v.vid))) });
    for (const e of members) if (this.chance(0.5)) await this.reshape(e);
    // One layer at most is switched off, so the contexts still reach experiments in explicit layers.
    if (this.chance(0.6)) await this.run(UPDATE_LAYER, { key: this.pick(this.layers), input: { enabled: false } });
  }

  private randomRanges(vids: readonly number[]): Json[] {
    const cuts = [...new Set(Array.from({ length: 12 }, () => int(this.rand, 1, SLOTS - 1)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, SLOTS];
    return bounds.slice(1).flatMap((end, i) => (this.chance(0.25) ? [] : [{ start: bounds[i]!, end, vid: this.pick(vids) }]));
  }

  /** New weights (dropping a variant now and then) or new traffic: both move as few slots as possible. */
  private async reshape(e: Exp, trafficOnly = false): Promise<void> {
    if (!trafficOnly && this.chance(0.5)) {
      const kept = e.variants.length > 1 && this.chance(0.3) ? e.variants.slice(0, -1) : e.variants;
      const weights = kept.map((v, i) => ({ key: v.key, weight: i === 0 ? int(this.rand, 1, 100) : int(this.rand, 0, 100) }));
      e.variants = (await this.run(SET_WEIGHTS, { key: e.key, weights })).setWeights.experiment.variants;
      return;
    }
    let traffic = int(this.rand, 2000, SLOTS);
    if (e.layer !== null) {
      const { freeSlots } = (await this.run(LAYER, { key: e.layer })).layer;
      const owned: number = (await this.run(EXPERIMENT, { key: e.key })).experiment.traffic;
      traffic = int(this.rand, 0, Math.min(2500, owned + freeSlots));
    }
    await this.run(SET_TRAFFIC, { key: e.key, traffic });
  }

  /** Edits after creation: what export reads must be what the edits left, not what creation wrote. */
  private async edit(): Promise<void> {
    for (const key of this.layers) {
      if (this.chance(0.4)) await this.run(UPDATE_LAYER, { key, input: { priority: int(this.rand, -2, 3), services: this.some(SERVICES, 1), defaultParams: this.params() } });
    }
    for (const e of this.experiments) {
      if (!this.chance(0.3)) continue;
      const input: Json = { description: `edited ${e.key}`, rule: this.rule(), ...(this.chance(0.5) ? { exclusionGroup: `${this.prefix}-g2` } : {}) };
      if (e.layer === null || this.chance(0.5)) input.services = this.some(SERVICES, 1);
      await this.run(UPDATE_EXPERIMENT, { key: e.key, input });
    }
    for (const e of this.experiments) {
      const actors = this.actorsOf(e.hashKey);
      for (let n = int(this.rand, 0, 3); n > 0; n--) await this.run(SET_OVERRIDE, { experiment: e.key, actor: this.pick(actors), variant: this.pick(e.variants).key });
      // Cleared overrides must not come back through the document.
      if (this.chance(0.3)) await this.run(CLEAR_OVERRIDE, { experiment: e.key, actor: this.pick(actors) });
    }
  }

  /** Edits and overrides, then flags naming the experiments, then every state (so flags name archived ones too). */
  async buildStatesAndFlags(): Promise<void> {
    await this.edit();
    const flags = int(this.rand, 3, 5);
    for (let f = 0; f < flags; f++) await this.buildFlag(`${this.prefix}-f${f}`);
    for (const e of this.experiments) {
      // One implicit experiment always runs: every seed's contexts reach a bucketed experiment.
      const state = e.key === `${this.prefix}-i0` ? "RUNNING" : this.pick(["DRAFT", "RUNNING", "RUNNING", "CONCLUDED", "ARCHIVED"]);
      // CONCLUDED and ARCHIVED are reached from RUNNING or straight from DRAFT.
      if (state === "RUNNING" || (state !== "DRAFT" && this.chance(0.7))) await this.run(START, { key: e.key });
      if (state === "CONCLUDED" || (state === "ARCHIVED" && this.chance(0.3))) await this.run(CONCLUDE, { key: e.key, winner: this.pick(e.variants).key });
      // A concluded experiment can still widen or narrow (SPEC §5: setTraffic widens a concluded experiment).
      if (state === "CONCLUDED" && this.chance(0.3)) await this.reshape(e, true);
      if (state === "ARCHIVED") await this.run(ARCHIVE, { key: e.key });
    }
  }

  actorsOf(hashKey: string): string[] {
    return hashKey === "device_id" ? this.devices : this.users;
  }

  private async buildFlag(key: string): Promise<void> {
    const hashKey = this.chance(0.25) ? "device_id" : "user_id";
    const rules: Json[] = [];
    for (let r = int(this.rand, 0, 2); r > 0; r--) {
      const experiment = this.pick(this.experiments);
      if (rules.some((x) => x.experiment === experiment.key)) continue;
      rules.push({ key: `x${rules.length}`, type: "EXPERIMENT", experiment: experiment.key, ...(this.chance(0.4) ? { audience: this.rule() } : {}) });
    }
    for (let r = int(this.rand, 1, 3); r > 0; r--) {
      rules.push({
        key: `d${rules.length}`,
        type: "DELIVERY",
        traffic: this.chance(0.2) ? SLOTS : int(this.rand, 0, SLOTS),
        enabled: this.chance(0.8),
        variables: this.params(),
        ...(this.chance(0.5) ? { audience: this.rule() } : {}),
      });
    }
    const input = { key, services: this.some(SERVICES, 0), hashKey, variables: { ...this.params(), on: false }, ...(this.chance(0.5) ? { description: `flag ${key}` } : {}) };
    // Rules given at creation or set afterwards: both paths write what export reads.
    if (this.chance(0.5)) await this.run(CREATE_FLAG, { input: { ...input, rules } });
    else {
      await this.run(CREATE_FLAG, { input });
      await this.run(SET_FLAG_RULES, { key, rules });
    }
    this.flags.push(key);
    for (let n = int(this.rand, 0, 3); n > 0 && rules.length > 0; n--) {
      const rule = this.pick(rules);
      const variation = rule.type === "DELIVERY" ? this.pick(["on", "off"]) : this.pick(this.experiments.find((e) => e.key === rule.experiment)!.variants).key;
      await this.run(SET_FORCED, { flag: key, rule: rule.key, actor: this.pick(this.actorsOf(hashKey)), variation });
    }
    if (this.chance(0.3) && rules.length > 0) await this.run(CLEAR_FORCED, { flag: key, rule: this.pick(rules).key, actor: this.pick(this.actorsOf(hashKey)) });
    if (this.chance(0.3)) await this.run(UPDATE_FLAG, { key, input: { description: `edited ${key}`, services: this.some(SERVICES, 1), variables: { ...this.params(), on: true } } });
    if (this.chance(0.2)) await this.run(SET_FLAG_ENABLED, { key, enabled: false });
    if (this.chance(0.15)) await this.run(ARCHIVE_FLAG, { key });
  }

  /** A context: attributes the rules read, each missing now and then, in the types a caller might send. */
  context(): Json {
    const c: Json = {};
    if (this.chance(0.95)) c.user_id = this.chance(0.8) ? this.pick(this.users) : `${this.prefix}-fresh-${int(this.rand, 0, 1e6)}`;
    if (this.chance(0.7)) c.device_id = this.pick(this.devices);
    if (this.chance(0.9)) c.country = this.pick(COUNTRIES);
    if (this.chance(0.8)) c.age = this.chance(0.7) ? int(this.rand, 14, 70) : String(int(this.rand, 14, 70));
    if (this.chance(0.7)) c.score = Math.round(this.rand() * 100) / 100;
    if (this.chance(0.8)) c.app_version = this.pick(VERSIONS);
    if (this.chance(0.6)) c.beta = this.chance(0.3) ? "true" : this.chance(0.5);
    if (this.chance(0.6)) c.email = this.pick(["a@example.com", "b@example.org", "a*b@x.io"]);
    if (this.chance(0.7)) c.plan = this.pick(PLANS);
    if (this.chance(0.15)) c.$bucketing_id = `b-${int(this.rand, 0, 50)}`;
    return c;
  }
}
