// Typed access to the golden vectors of test/fixtures/cases.json (SPEC §2, §3, §4, §16).

import type { WeightedVid } from "../../src/engine/allocation";
import type { FlagRuleType, FlagSource } from "../../src/engine/flag-types";
import type { DecisionSource, JsonObject, JsonValue, Segment, SlotRange } from "../../src/engine/types";
import raw from "../fixtures/cases.json";

export interface SlotCase {
  readonly salt: string;
  readonly actor: string;
  /** XXH32 of utf8(salt + ":" + actor), seed 0, as an unsigned 32-bit number. */
  readonly hash: number;
  readonly slot: number;
  readonly note?: string;
}

export interface SplitCase {
  readonly name: string;
  readonly slots: Segment[];
  readonly variants: WeightedVid[];
  readonly expected: SlotRange[];
}

export interface MovedCase {
  readonly name: string;
  readonly before: SlotRange[];
  readonly after: SlotRange[];
  readonly expected: number;
}

/** A targeting rule evaluated on one context (SPEC §4). */
export interface RuleCase {
  readonly name: string;
  readonly rule: JsonObject;
  readonly context: JsonObject;
  readonly expected: boolean;
}

/** A rule that validation must refuse, naming the JSON path of the fault from the root `rule`. */
export interface InvalidRuleCase {
  readonly name: string;
  /** Usually an object; some cases are deliberately not one. */
  readonly rule: JsonValue;
  /** The expected `details.field`, e.g. `rule.children[1].values[0]`. */
  readonly field: string;
}

/** A flag rule as the table writes it: omitted fields take FlagRuleInput's defaults (SPEC §16). */
export interface FlagCaseRule {
  readonly key: string;
  readonly type: FlagRuleType;
  readonly experiment?: string | null;
  readonly audience?: JsonObject | null;
  /** 10,000 when omitted. */
  readonly traffic?: number;
  /** true when omitted. */
  readonly enabled?: boolean;
  readonly variables?: JsonObject;
}

/** An experiment of the fake world an EXPERIMENT rule asks: its variants' params, and what it serves to whom. */
export interface FlagCaseExperiment {
  readonly variants: Record<string, JsonObject>;
  /** By actor; an actor not listed is not in the experiment. */
  readonly serves: Record<string, { readonly variant: string; readonly source: DecisionSource }>;
}

/** One flag decided for one context (SPEC §16 steps 1–4). */
export interface FlagCase {
  readonly name: string;
  /** Omitted fields take CreateFlagInput's defaults: enabled, not archived, hash key `user_id`, no variables, no rules. */
  readonly flag: {
    readonly key: string;
    readonly enabled?: boolean;
    readonly archived?: boolean;
    readonly hashKey?: string;
    readonly variables?: JsonObject;
    readonly rules?: FlagCaseRule[];
  };
  /** `flag` defaults to the case's flag. */
  readonly forced?: { readonly flag?: string; readonly rule: string; readonly actor: string; readonly variation: string }[];
  readonly experiments?: Record<string, FlagCaseExperiment>;
  readonly context: JsonObject;
  readonly expected: {
    readonly enabled: boolean;
    readonly variables: JsonObject;
    readonly rule: string | null;
    readonly variation: string | null;
    readonly source: FlagSource;
    /** What an exposure would record; absent means none. */
    readonly experiment?: { readonly key: string; readonly variant: string; readonly source: DecisionSource };
  };
  /** The step (1–4) of the last reason given under `explain`. */
  readonly step: number;
  /** The experiments asked, in order, when the case says. */
  readonly asked?: string[];
  /** Rule key → the slot of the hashed id (the `$bucketing_id`, else the actor) for salt `<flag>:<rule>`, checked against xxhash-wasm. */
  readonly slots?: Record<string, number>;
  readonly note?: string;
}

export interface Cases {
  readonly slot: SlotCase[];
  readonly split: SplitCase[];
  readonly moved: MovedCase[];
  readonly rules: RuleCase[];
  readonly invalidRules: InvalidRuleCase[];
  readonly flags: FlagCase[];
}

export const cases: Cases = raw as unknown as Cases;
