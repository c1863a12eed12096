// The memory probe, run alone in a child with --expose-gc: what compiling a 1,000 × 10 snapshot adds to the heap.

import xxhash from "xxhash-wasm";
import { largeState } from "../engine/config-state";
import type { Snapshot } from "../engine/tessera";

export interface MemoryReport {
  layers: number;
  experiments: number;
  beforeMB: number;
  afterMB: number;
  addedMB: number;
  compileMs: number;
  breakdownMB: { heapUsed: number; external: number; arrayBuffers: number };
}

const MB = 1024 * 1024;

function settle(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  // Twice: the first pass may only schedule finalizers whose memory the second one frees.
  gc();
  gc();
}

/**
 * heapUsed + external. `external` already includes `arrayBuffers` (Node's documentation), so adding both
 * would count a snapshot's typed arrays twice; arrayBuffers is reported in the breakdown.
 */
function used(): { total: number; heapUsed: number; external: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { total: m.heapUsed + m.external, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Kept at module level so the snapshot is alive when "after" is measured. */
let kept: Snapshot | null = null;

async function main(): Promise<void> {
  const layers = Number(process.argv[2] ?? 1000);
  const perLayer = Number(process.argv[3] ?? 10);
  // Everything but the snapshot exists before the first measurement: the WASM hash, the input state, the engine code.
  const { compile, hasherOf } = require("../engine/tessera") as typeof import("../engine/tessera");
  const hasher = hasherOf((await xxhash()).h32);
  const state = largeState(layers, perLayer);
  settle();
  const before = used();
  const started = process.hrtime.bigint();
  kept = compile(state, hasher);
  const compileMs = Number(process.hrtime.bigint() - started) / 1e6;
  settle();
  const after = used();
  const report: MemoryReport = {
    layers,
    experiments: state.experiments.length,
    beforeMB: before.total / MB,
    afterMB: after.total / MB,
    addedMB: (after.total - before.total) / MB,
    compileMs,
    breakdownMB: {
      heapUsed: (after.heapUsed - before.heapUsed) / MB,
      external: (after.external - before.external) / MB,
      arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / MB,
    },
  };
  // The state is still referenced here too, so it cannot be collected between the two measurements and flatter the snapshot.
  if (kept === null || state.layers.length !== layers) throw new Error("snapshot lost");
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
