// The Tessera engine contender: compileSnapshot once, then decideService per context (no I/O, no sticky store).

import { decideService, NO_STICKY } from "../../src/engine/decide";
import { compileSnapshot } from "../../src/engine/snapshot";
import { SlotHasher, type XxHash32 } from "../../src/engine/slot-hasher";
import type { BenchConfigState } from "./config-state";
import { CONTEXT_MASK, type Contender } from "./sampler";
import { type BenchContext, SERVICE } from "../workload";

export type Snapshot = ReturnType<typeof compileSnapshot>;
export type ServiceDecision = ReturnType<typeof decideService>;

/** Made once per process, as the server does: snapshots share it. */
export function hasherOf(xxh32: XxHash32): SlotHasher {
  return new SlotHasher(xxh32);
}

export function compile(state: BenchConfigState, hasher: SlotHasher): Snapshot {
  return compileSnapshot(state, hasher);
}

export function decide(snapshot: Snapshot, context: BenchContext): ServiceDecision {
  return decideService(snapshot, SERVICE, context, NO_STICKY, false);
}

export function tesseraContender(name: string, state: BenchConfigState, contexts: readonly BenchContext[], xxh32: XxHash32): Contender {
  const snapshot = compile(state, hasherOf(xxh32));
  return {
    name,
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const d = decideService(snapshot, SERVICE, contexts[(offset + i) & CONTEXT_MASK], NO_STICKY, false);
        // Read the vid, the sizes of what was built and the merged parameters, so no part of the answer is provably unused.
        acc += (d.vids.length > 0 ? d.vids[0] : 0) + d.experiments.length + d.matchedLayers.length + (d.parameters.ranker === undefined ? 0 : 1);
      }
      return acc;
    },
  };
}
