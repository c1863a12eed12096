// The flags workload (SPEC §11, §16): 10 flags × 3 DELIVERY rules, written once and read three ways — as
// CreateFlagInput for the server, as FlagDefinition for the engine, and as hand-written floor code.

import { mergeParams } from "../../src/engine/params";
import { type SaltPrefix, type SlotHasher, saltPrefix } from "../../src/engine/slot-hasher";
import type { JsonObject } from "../../src/engine/types";
import type { BenchContext } from "../workload";

export const FLAG_COUNT = 10;
export const SLOTS = 10_000;

export interface FlagRuleSpec {
  readonly key: string;
  readonly type: "DELIVERY";
  readonly audience: JsonObject | null;
  readonly traffic: number;
  readonly enabled: boolean;
  readonly variables: JsonObject;
}

export interface FlagSpec {
  readonly key: string;
  readonly hashKey: "user_id";
  readonly variables: JsonObject;
  readonly rules: readonly [FlagRuleSpec, FlagRuleSpec, FlagRuleSpec];
  /** Rule 1's audience threshold, `age >= minAge`, as the floor reads it. */
  readonly minAge: number;
}

/**
 * Flag i: rule 1 a 20 % rollout to adults of the US (a 2-condition audience, its age threshold moving
 * with i so flags differ), rule 2 a 50 % rollout to DE/FR, rule 3 "everyone else" at i/9 of the traffic
 * (0 %, 11 %, … 100 %: both ends, where the engine may skip the hash, are in).
 */
export function flagSpec(i: number, prefix = "bench"): FlagSpec {
  const minAge = 21 + (i % 5) * 5;
  return {
    key: `${prefix}_f${i}`,
    hashKey: "user_id",
    variables: { checkout: { variant: "old", limit: 10 + i }, banner: false },
    minAge,
    rules: [
      {
        key: "us_adults",
        type: "DELIVERY",
        audience: {
          type: "and",
          children: [
            { type: "field", field: "country", op: "eq", values: ["US"] },
            { type: "field", field: "age", op: "gte", values: [minAge] },
          ],
        },
        traffic: 2_000,
        enabled: true,
        variables: { checkout: { variant: "fast" }, banner: true },
      },
      {
        key: "eu",
        type: "DELIVERY",
        audience: { type: "field", field: "country", op: "in", values: ["DE", "FR"] },
        traffic: 5_000,
        enabled: true,
        variables: { checkout: { variant: "eu" } },
      },
      { key: "everyone", type: "DELIVERY", audience: null, traffic: Math.round((i * SLOTS) / (FLAG_COUNT - 1)), enabled: true, variables: { checkout: { variant: "new" } } },
    ],
  };
}

export const flagSpecs = (prefix = "bench"): FlagSpec[] => Array.from({ length: FLAG_COUNT }, (_, i) => flagSpec(i, prefix));

/** What the floor answers for one flag: the prebuilt decision of the rule that applied, or the default one. */
export interface FloorAnswer {
  readonly rule: string | null;
  readonly enabled: boolean;
  readonly variables: JsonObject;
}

export interface FloorFlag {
  readonly minAge: number;
  /** `<flag>:<rule>:`, the slot salt of SPEC §16 with its separator, ready for the actor. */
  readonly prefixes: readonly [string, string, string];
  /** The same salts encoded for the engine's SlotHasher. */
  readonly salts: readonly [SaltPrefix, SaltPrefix, SaltPrefix];
  readonly traffic: readonly [number, number, number];
  /** [default, rule 1, rule 2, rule 3]. */
  readonly answers: readonly [FloorAnswer, FloorAnswer, FloorAnswer, FloorAnswer];
}

export function floorFlag(spec: FlagSpec): FloorFlag {
  const [r1, r2, r3] = spec.rules;
  const answer = (r: FlagRuleSpec): FloorAnswer => ({ rule: r.key, enabled: r.enabled, variables: mergeParams(spec.variables, r.variables) });
  return {
    minAge: spec.minAge,
    prefixes: [`${spec.key}:${r1.key}:`, `${spec.key}:${r2.key}:`, `${spec.key}:${r3.key}:`],
    salts: [saltPrefix(`${spec.key}:${r1.key}`), saltPrefix(`${spec.key}:${r2.key}`), saltPrefix(`${spec.key}:${r3.key}`)],
    traffic: [r1.traffic, r2.traffic, r3.traffic],
    answers: [{ rule: null, enabled: false, variables: spec.variables }, answer(r1), answer(r2), answer(r3)],
  };
}

/**
 * The flag's decision as plain code: the audiences inlined, the slot from the engine's own SlotHasher (the
 * same XXH32 over a salt encoded once), a rule outside its traffic skipping to "everyone else". The least
 * any engine must do, so "everyone else" at 0 % or 100 % needs no hash here either.
 */
export function floorDecideFlag(f: FloorFlag, c: BenchContext, hasher: SlotHasher): FloorAnswer {
  if (c.country === "US" && c.age >= f.minAge) {
    if (hasher.slot(f.salts[0], c.user_id) < f.traffic[0]) return f.answers[1];
  } else if (c.country === "DE" || c.country === "FR") {
    if (hasher.slot(f.salts[1], c.user_id) < f.traffic[1]) return f.answers[2];
  }
  const last = f.traffic[2];
  if (last >= SLOTS) return f.answers[3];
  if (last <= 0) return f.answers[0];
  return hasher.slot(f.salts[2], c.user_id) < last ? f.answers[3] : f.answers[0];
}

/**
 * The same with xxhash-wasm's h32 of the string salt + ":" + actor, as bench/engine's floor hashes: the
 * concatenation, UTF-8 encoding and copy into WASM memory that SlotHasher avoids. Recorded, not a bound.
 */
export function floorDecideFlagH32(f: FloorFlag, c: BenchContext, h32: (s: string) => number): FloorAnswer {
  if (c.country === "US" && c.age >= f.minAge) {
    if (h32(f.prefixes[0] + c.user_id) % SLOTS < f.traffic[0]) return f.answers[1];
  } else if (c.country === "DE" || c.country === "FR") {
    if (h32(f.prefixes[1] + c.user_id) % SLOTS < f.traffic[1]) return f.answers[2];
  }
  const last = f.traffic[2];
  if (last >= SLOTS) return f.answers[3];
  if (last <= 0) return f.answers[0];
  return h32(f.prefixes[2] + c.user_id) % SLOTS < last ? f.answers[3] : f.answers[0];
}
