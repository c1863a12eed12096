// Tessera configuration states for the benchmarks, as plain engine data (no database, no GraphQL).

import type { Experiment, JsonObject, Layer, SlotRange } from "../../src/engine/types";
import { layerSpec, RULE, SERVICE } from "../workload";

/** The shape compileSnapshot takes (declared here so this file compiles while snapshot.ts is being written). */
export interface BenchConfigState {
  version: number;
  layers: Layer[];
  experiments: Experiment[];
  overrides: { experiment: string; actor: string; variant: string }[];
  /** The benchmarks decide no flags. */
  flags: [];
  forced: [];
}

const EPOCH = new Date("2025-01-01T00:00:00Z");

function layer(key: string, priority: number, defaultParams: JsonObject): Layer {
  return {
    key,
    description: null,
    priority,
    services: [SERVICE],
    hashKey: "user_id",
    salt: key,
    hashVersion: 1,
    enabled: true,
    defaultParams,
    implicit: false,
  };
}

interface ExperimentInput {
  key: string;
  layer: string;
  firstVid: number;
  /** Owned slots [start, end), split 50/50 between control and treatment. */
  start: number;
  end: number;
  params: readonly [JsonObject, JsonObject];
}

/** Params and rule are copied per experiment, as rows read from a database would be (nothing shared by accident). */
function experiment(e: ExperimentInput): Experiment {
  const mid = e.start + Math.ceil((e.end - e.start) / 2);
  const ranges: SlotRange[] = [
    { start: e.start, end: mid, vid: e.firstVid },
    { start: mid, end: e.end, vid: e.firstVid + 1 },
  ];
  return {
    key: e.key,
    description: null,
    services: [SERVICE],
    layer: e.layer,
    state: "RUNNING",
    variants: [
      { key: "control", vid: e.firstVid, weight: 50, params: structuredClone(e.params[0]) },
      { key: "treatment", vid: e.firstVid + 1, weight: 50, params: structuredClone(e.params[1]) },
    ],
    winner: null,
    exclusionGroup: null,
    rule: structuredClone(RULE),
    slots: [{ start: e.start, end: e.end }],
    ranges,
    version: 1,
    createdAt: EPOCH,
    updatedAt: EPOCH,
  };
}

/** n layers serving SERVICE, each with one experiment owning all 10,000 slots (n = 1: the single-experiment row). */
export function layeredState(n: number): BenchConfigState {
  const specs = Array.from({ length: n }, (_, i) => layerSpec(i, n));
  return {
    version: 1,
    layers: specs.map((s) => layer(s.key, s.priority, s.defaultParams)),
    experiments: specs.map((s, i) =>
      experiment({
        key: s.experiment,
        layer: s.key,
        firstVid: 2 * i + 1,
        start: 0,
        end: 10_000,
        params: [s.variants[0].params, s.variants[1].params],
      }),
    ),
    overrides: [],
    flags: [],
    forced: [],
  };
}

/** The memory row's state: `layers` layers × `perLayer` experiments, each owning 1,000 slots, 2 variants, a rule. */
export function largeState(layers: number, perLayer: number): BenchConfigState {
  const state: BenchConfigState = { version: 1, layers: [], experiments: [], overrides: [], flags: [], forced: [] };
  const width = Math.floor(10_000 / perLayer);
  let vid = 1;
  for (let l = 0; l < layers; l++) {
    const spec = layerSpec(l, layers);
    state.layers.push(layer(spec.key, spec.priority, spec.defaultParams));
    for (let e = 0; e < perLayer; e++) {
      state.experiments.push(
        experiment({
          key: `${spec.key}_e${e}`,
          layer: spec.key,
          firstVid: vid,
          start: e * width,
          end: (e + 1) * width,
          params: [spec.variants[0].params, spec.variants[1].params],
        }),
      );
      vid += 2;
    }
  }
  return state;
}
