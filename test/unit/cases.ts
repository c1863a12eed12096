// Typed access to the golden vectors of test/fixtures/cases.json (SPEC §2, §3).

import type { WeightedVid } from "../../src/engine/allocation";
import type { Segment, SlotRange } from "../../src/engine/types";
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

export interface Cases {
  readonly slot: SlotCase[];
  readonly split: SplitCase[];
  readonly moved: MovedCase[];
}

export const cases: Cases = raw as unknown as Cases;
