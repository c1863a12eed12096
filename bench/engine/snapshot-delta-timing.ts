// Times compileSnapshot of 1,000 layers × 10 experiments against applyDelta of one changed layer (not part of `npm run bench`).
// Run: npx tsc -p tsconfig.bench.json && node dist/bench/engine/snapshot-delta-timing.js

import xxhash from "xxhash-wasm";
import { applyDelta, type ConfigDelta } from "../../src/engine/snapshot-delta";
import { compileSnapshot, type Snapshot } from "../../src/engine/snapshot";
import { SlotHasher } from "../../src/engine/slot-hasher";
import type { Experiment, Layer } from "../../src/engine/types";
import { type BenchConfigState, largeState } from "./config-state";
import { median, percentileOfSorted } from "../stats";

const LAYERS = 1_000;
const PER_LAYER = 10;

function withServices(state: BenchConfigState, services: number): BenchConfigState {
  if (services === 1) return state;
  return { ...state, layers: state.layers.map((l, i) => ({ ...l, services: [`svc_${i % services}`] })) };
}

/** The delta of one layer changed as `change` says, its experiments and overrides read again. */
function deltaOf(state: BenchConfigState, key: string, change: "weights" | "new key" | "priority"): ConfigDelta {
  const row = state.layers.find((l) => l.key === key)!;
  const layer: Layer =
    change === "new key" ? { ...row, defaultParams: { ...row.defaultParams, added: 1 } }
    : change === "priority" ? { ...row, priority: row.priority + LAYERS / 2 }
    : row;
  const experiments: Experiment[] = state.experiments
    .filter((e) => e.layer === key)
    .map((e, i) => (i === 0 && change === "weights" ? { ...e, ranges: e.ranges.map((r) => ({ ...r, vid: e.variants[0]!.vid })) } : e));
  return { version: state.version + 1, layerKeys: [key], layers: [layer], experiments, overrides: [] };
}

function timeMs(runs: number, work: () => unknown): { median: number; p99: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { median: median(samples), p99: percentileOfSorted([...samples].sort((a, b) => a - b), 99) };
}

const fmt = (t: { median: number; p99: number }) => `median ${t.median.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`;

async function main(): Promise<void> {
  const hasher = new SlotHasher((await xxhash()).h32);
  for (const services of [1, 100]) {
    const state = withServices(largeState(LAYERS, PER_LAYER), services);
    let base: Snapshot = compileSnapshot(state, hasher);
    const full = timeMs(15, () => (base = compileSnapshot(state, hasher)));
    console.log(`${services} service(s): compileSnapshot full: ${fmt(full)}`);
    for (const change of ["weights", "new key", "priority"] as const) {
      const keys = state.layers.map((l) => l.key);
      let k = 0;
      const deltas = keys.map((key) => deltaOf(state, key, change));
      const one = timeMs(300, () => applyDelta(base, deltas[(k = (k + 7) % keys.length)]!));
      console.log(`${services} service(s): applyDelta of one layer (${change}): ${fmt(one)}`);
    }
  }
}

void main();
