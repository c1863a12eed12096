// The floor: the least work any engine must do for one experiment (rule as plain code, h32, range lookup).

import type { Hash32, SlotRange } from "../../src/engine/types";
import type { BenchContext } from "../workload";
import { CONTEXT_MASK, type Contender } from "./sampler";

export const FLOOR_RANGES: readonly SlotRange[] = [
  { start: 0, end: 5000, vid: 1 },
  { start: 5000, end: 10000, vid: 2 },
];

/** Binary search over disjoint sorted ranges: what a real engine does once ranges fragment. */
function lookup(ranges: readonly SlotRange[], slot: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (slot < r.start) hi = mid - 1;
    else if (slot >= r.end) lo = mid + 1;
    else return r.vid;
  }
  return 0;
}

/** The vid for a context, 0 when the rule is false. */
export function floorDecide(c: BenchContext, h32: Hash32, salt: string): number {
  if (!(c.country === "US" && c.age >= 18)) return 0;
  return lookup(FLOOR_RANGES, h32(salt + ":" + c.user_id) % 10000);
}

export function floorContender(contexts: readonly BenchContext[], h32: Hash32, salt: string): Contender {
  return {
    name: "floor",
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) acc += floorDecide(contexts[(offset + i) & CONTEXT_MASK], h32, salt);
      return acc;
    },
  };
}
