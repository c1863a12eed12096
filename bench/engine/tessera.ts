// The Tessera engine contender: compileSnapshot once, then decideService per context (no I/O, no sticky store).

import { decideService, NO_STICKY } from "../../src/engine/decide";
import { compileSnapshot } from "../../src/engine/snapshot";
import { SlotHasher } from "../../src/engine/slot-hasher";
import type { Hash32 } from "../../src/engine/types";
import type { BenchConfigState } from "./config-state";
import { CONTEXT_MASK, type Contender } from "./sampler";
import { type BenchContext, SERVICE } from "../workload";

export type Snapshot = ReturnType<typeof compileSnapshot>;
export type ServiceDecision = ReturnType<typeof decideService>;

/** Made once per process, as the server does: snapshots share it. */
export function hasherOf(h32: Hash32): SlotHasher {
  return new SlotHasher(h32);
}

export function compile(state: BenchConfigState, hasher: SlotHasher): Snapshot {
  return compileSnapshot(state, hasher);
}

export function decide(snapshot: Snapshot, context: BenchContext): ServiceDecision {
  return decideService(snapshot, SERVICE, context, NO_STICKY, false);
}

export function tesseraContender(name: string, state: BenchConfigState, contexts: readonly BenchContext[], h32: Hash32): Contender {
  const snapshot = compile(state, hasherOf(h32));
  return {
    name,
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const d = decideService(snapshot, SERVICE, contexts[(offset + i) & CONTEXT_MASK], NO_STICKY, false);
        // Read the first vid, the count of experiments and the merged parameters, so no part of the answer is provably
        // unused. (`vids` and `matchedLayers` are views of `experiments`, made when a caller asks for them.)
        const first = d.experiments[0];
        acc += (first === undefined ? 0 : first.vid) + d.experiments.length + (d.parameters.ranker === undefined ? 0 : 1);
      }
      return acc;
    },
  };
}
