// Typed access to the golden vectors of test/fixtures/cases.json (SPEC §2, §3, §4).

import type { WeightedVid } from "../../src/engine/allocation";
import type { JsonObject, JsonValue, Segment, SlotRange } from "../../src/engine/types";
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

export interface Cases {
  readonly slot: SlotCase[];
  readonly split: SplitCase[];
  readonly moved: MovedCase[];
  readonly rules: RuleCase[];
  readonly invalidRules: InvalidRuleCase[];
}

export const cases: Cases = raw as unknown as Cases;
