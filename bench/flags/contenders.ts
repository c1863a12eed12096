// The three in-process contenders of the flags rows; one operation = the 10 flags decided for one context.

import { type ConditionInterface, GrowthBookClient, type FeatureRule, type UserContext } from "@growthbook/growthbook";
import { compileFlag, type CompiledFlag } from "../../src/engine/compiled-flag";
import { decideFlag } from "../../src/engine/flag-decision";
import type { FlagDefinition, FlagEnv } from "../../src/engine/flag-types";
import { mergeParams } from "../../src/engine/params";
import { SlotHasher } from "../../src/engine/slot-hasher";
import type { Hash32, JsonObject } from "../../src/engine/types";
import { CONTEXT_MASK, type Contender } from "../engine/sampler";
import type { BenchContext } from "../workload";
import { type FlagSpec, floorDecideFlag, floorDecideFlagH32, floorFlag, SLOTS } from "./workload";

export function floorFlagsContender(specs: readonly FlagSpec[], contexts: readonly BenchContext[], h32: Hash32): Contender {
  const flags = specs.map(floorFlag);
  const hasher = new SlotHasher(h32);
  return {
    name: "flags floor",
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const c = contexts[(offset + i) & CONTEXT_MASK];
        for (let f = 0; f < flags.length; f++) acc += floorDecideFlag(flags[f], c, hasher).enabled ? 2 : 1;
      }
      return acc;
    },
  };
}

export function floorH32FlagsContender(specs: readonly FlagSpec[], contexts: readonly BenchContext[], h32: Hash32): Contender {
  const flags = specs.map(floorFlag);
  return {
    name: "flags floor h32 string",
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const c = contexts[(offset + i) & CONTEXT_MASK];
        for (let f = 0; f < flags.length; f++) acc += floorDecideFlagH32(flags[f], c, h32).enabled ? 2 : 1;
      }
      return acc;
    },
  };
}

export const definitionOf = (spec: FlagSpec): FlagDefinition => ({
  key: spec.key,
  services: ["svc"],
  enabled: true,
  archived: false,
  hashKey: spec.hashKey,
  variables: spec.variables,
  rules: spec.rules.map((r) => ({ ...r, experiment: null })),
});

/** Only DELIVERY rules here: an experiment is never asked for. */
const NO_EXPERIMENTS: FlagEnv = { explain: false, experimentVariant: () => null, experimentParams: () => null };

/** compileFlag with the engine's own SlotHasher over xxhash-wasm's h32, as the server compiles its flags. */
export function compileFlags(specs: readonly FlagSpec[], h32: Hash32): CompiledFlag[] {
  const hasher = new SlotHasher(h32);
  return specs.map((s) => compileFlag(definitionOf(s), [], hasher));
}

export function tesseraFlagsContender(specs: readonly FlagSpec[], contexts: readonly BenchContext[], h32: Hash32): Contender {
  const flags = compileFlags(specs, h32);
  return {
    name: "decideFlag ×10",
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const c = contexts[(offset + i) & CONTEXT_MASK];
        for (let f = 0; f < flags.length; f++) acc += decideFlag(flags[f], c, NO_EXPERIMENTS).enabled ? 2 : 1;
      }
      return acc;
    },
  };
}

/** Each decision of the engine must be the floor's (same salts, same slots, same rule order): a correctness check. */
export function checkAgainstFloor(specs: readonly FlagSpec[], contexts: readonly BenchContext[], h32: Hash32): string | null {
  const compiled = compileFlags(specs, h32);
  const floors = specs.map(floorFlag);
  const hasher = new SlotHasher(h32);
  for (let i = 0; i < contexts.length; i++) {
    for (let f = 0; f < specs.length; f++) {
      const got = decideFlag(compiled[f], contexts[i], NO_EXPERIMENTS);
      const want = floorDecideFlagH32(floors[f], contexts[i], h32);
      if (floorDecideFlag(floors[f], contexts[i], hasher) !== want) return `${specs[f].key}, context ${i}: the two floors disagree`;
      if (got.rule !== want.rule || got.enabled !== want.enabled || JSON.stringify(got.variables) !== JSON.stringify(want.variables)) {
        return `${specs[f].key}, context ${i}: the engine answered rule ${got.rule}, the floor ${want.rule}`;
      }
    }
  }
  return null;
}

/** A rule in GrowthBook's terms: a force rule with the audience as condition and the traffic as coverage. */
function growthbookRule(spec: FlagSpec, ruleIndex: number): FeatureRule {
  const r = spec.rules[ruleIndex];
  const condition: ConditionInterface | undefined = ruleIndex === 0 ? { country: "US", age: { $gte: spec.minAge } } : ruleIndex === 1 ? { country: { $in: ["DE", "FR"] } } : undefined;
  return {
    id: r.key,
    ...(condition ? { condition } : {}),
    force: mergeParams(spec.variables, r.variables),
    hashAttribute: "user_id",
    seed: `${spec.key}:${r.key}`,
    hashVersion: 2,
    // At full traffic no coverage: GrowthBook then skips the hash, as the engine and the floor do.
    ...(r.traffic >= SLOTS ? {} : { coverage: r.traffic / SLOTS }),
  };
}

export interface GrowthBookFlags extends Contender {
  /** The id of the rule that served flag f for context i, null for the default value. */
  ruleOf(f: number, i: number): string | null;
}

/**
 * GrowthBookClient.evalFeature on 10 equivalent features. One semantic difference, harmless here: a user
 * outside a rule's coverage moves on to the next rule in GrowthBook rather than to the last; the audiences
 * of rules 1 and 2 exclude each other, so the answers' distribution is the same.
 */
export function growthbookFlagsContender(specs: readonly FlagSpec[], contexts: readonly BenchContext[]): GrowthBookFlags {
  const client = new GrowthBookClient();
  const features: Record<string, { defaultValue: JsonObject; rules: FeatureRule[] }> = {};
  for (const s of specs) features[s.key] = { defaultValue: s.variables, rules: [0, 1, 2].map((k) => growthbookRule(s, k)) };
  client.initSync({ payload: { features }, streaming: false });
  const users: UserContext[] = contexts.map((c) => ({ attributes: { ...c } }));
  const keys = specs.map((s) => s.key);
  return {
    name: "GrowthBook ×10",
    ruleOf(f, i) {
      const r = client.evalFeature(keys[f], users[i]);
      return r.source === "force" ? r.ruleId : null;
    },
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const u = users[(offset + i) & CONTEXT_MASK];
        for (let f = 0; f < keys.length; f++) acc += client.evalFeature(keys[f], u).on ? 2 : 1;
      }
      return acc;
    },
  };
}

/** GrowthBook hashes otherwise, so not the same users: each (flag, rule) must serve the floor's share ± 3 points. */
export function checkGrowthBook(gb: GrowthBookFlags, specs: readonly FlagSpec[], contexts: readonly BenchContext[], h32: Hash32): string | null {
  const floors = specs.map(floorFlag);
  for (let f = 0; f < specs.length; f++) {
    const counts = new Map<string | null, [number, number]>();
    for (let i = 0; i < contexts.length; i++) {
      const bump = (rule: string | null, at: 0 | 1) => {
        const c = counts.get(rule) ?? [0, 0];
        c[at]++;
        counts.set(rule, c);
      };
      bump(floorDecideFlagH32(floors[f], contexts[i], h32).rule, 0);
      bump(gb.ruleOf(f, i), 1);
    }
    for (const [rule, [floor, growthbook]] of counts) {
      const gap = Math.abs(floor - growthbook) / contexts.length;
      if (gap > 0.03) return `${specs[f].key}: rule ${rule} serves ${floor} contexts on the floor, ${growthbook} in GrowthBook`;
    }
  }
  return null;
}
