// GraphQL documents, factories and slot arithmetic shared by the layer and traffic tests.

import { EXPERIMENT, EXPERIMENT_FIELDS, FIFTY_FIFTY, HISTORY, configVersion, createExperiment, ok, uniqueKey } from "./factories";
import type { GqlResponse, TestServer } from "./test-server";

export const SLOTS = 10_000;

export const LAYER_FIELDS = `key description priority services hashKey salt hashVersion enabled defaultParams implicit freeSlots
  ranges { start end vid }`;
export const CREATE_LAYER = `mutation($input: CreateLayerInput!) { createLayer(input: $input) { ${LAYER_FIELDS} } }`;
export const UPDATE_LAYER = `mutation($key: String!, $input: UpdateLayerInput!) { updateLayer(key: $key, input: $input) { ${LAYER_FIELDS} } }`;
export const SET_RANGES = `mutation($key: String!, $ranges: [SlotRangeInput!]!) { setLayerRanges(key: $key, ranges: $ranges) { ${LAYER_FIELDS} } }`;
export const LAYER = `query($key: String!) { layer(key: $key) { ${LAYER_FIELDS} } }`;
export const LAYERS = `query($service: String) { layers(service: $service) { key priority implicit } }`;
export const SET_TRAFFIC = `mutation($key: String!, $traffic: Int!, $dryRun: Boolean) {
  setTraffic(key: $key, traffic: $traffic, dryRun: $dryRun) { slotsMoved applied experiment { ${EXPERIMENT_FIELDS} } } }`;

export interface Range {
  start: number;
  end: number;
  vid: number;
}

export async function createLayer(server: TestServer, input: Record<string, unknown>) {
  return ok(await server.gql(CREATE_LAYER, { input })).createLayer;
}

export async function updateLayer(server: TestServer, key: string, input: Record<string, unknown>) {
  return ok(await server.gql(UPDATE_LAYER, { key, input })).updateLayer;
}

export async function getLayer(server: TestServer, key: string) {
  return ok(await server.gql(LAYER, { key })).layer;
}

/** The vids of an experiment as returned over GraphQL, in variant order. */
export const vidsOf = (exp: { variants: Array<{ vid: number }> }): number[] => exp.variants.map((v) => v.vid);

export async function getExperiment(server: TestServer, key: string) {
  return ok(await server.gql(EXPERIMENT, { key })).experiment;
}

/** The mutation names of a key's history, newest first. */
export async function mutationsOf(server: TestServer, key: string): Promise<string[]> {
  return ok(await server.gql(HISTORY, { key, limit: 0 })).history.map((r: any) => r.mutation);
}

/** Creates a DRAFT experiment in an explicit layer. */
export function experimentIn(server: TestServer, layer: string, key: string, traffic: number, variants: unknown, extra: Record<string, unknown> = {}) {
  return createExperiment(server, { key, layer, traffic, variants, ...extra });
}

/** Asserts the first error's code (and field, when given). */
/** A layer serving `web` with experiment A (1,000 slots, 50/50, [0,1000)) and B (2,000 slots, 50/50, [1000,3000)). */
export async function layerWithTwo(server: TestServer) {
  const layer = uniqueKey("layer");
  await createLayer(server, { key: layer, services: ["web"] });
  const a = await experimentIn(server, layer, uniqueKey(), 1000, FIFTY_FIFTY);
  const b = await experimentIn(server, layer, uniqueKey(), 2000, FIFTY_FIFTY);
  return { layer, a, b };
}

export function expectError(res: GqlResponse, code: string, field?: string): void {
  expect(res.errors?.[0]?.extensions.code).toBe(code);
  if (field !== undefined) expect(res.errors?.[0]?.extensions.field).toBe(field);
}

/**
 * Everything a failed or dry-run mutation must leave untouched: the configuration version,
 * the layer, the experiments, and every history involved (timestamps included).
 */
export async function stateOf(server: TestServer, layer: string, experiments: readonly string[]) {
  return {
    version: await configVersion(server),
    layer: await getLayer(server, layer),
    experiments: await Promise.all(experiments.map((k) => getExperiment(server, k))),
    history: await Promise.all([layer, ...experiments].map((k) => server.gql(HISTORY, { key: k, limit: 0 }).then((r) => ok(r).history))),
  };
}

/** Structural faults of a layer's ranges: outside [0, 10000), empty, unsorted or overlapping. */
export function rangeProblems(ranges: readonly Range[]): string[] {
  const problems: string[] = [];
  ranges.forEach((r, i) => {
    if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end > SLOTS || r.start >= r.end) {
      problems.push(`ranges[${i}] [${r.start}, ${r.end}) is not a non-empty part of [0, ${SLOTS})`);
    }
    const prior = ranges[i - 1];
    if (prior && r.start < prior.end) problems.push(`ranges[${i}] [${r.start}, ${r.end}) overlaps or precedes [${prior.start}, ${prior.end})`);
  });
  return problems;
}

/** The vid serving every slot of the layer (0: none). */
export function slotMap(ranges: readonly Range[]): Int32Array {
  const map = new Int32Array(SLOTS);
  for (const r of ranges) map.fill(r.vid, Math.max(0, r.start), Math.min(SLOTS, r.end));
  return map;
}

/** The slots served by any of `vids`. */
export function slotsOf(map: Int32Array, vids: readonly number[] | number): number[] {
  const wanted = new Set(Array.isArray(vids) ? vids : [vids]);
  const out: number[] = [];
  map.forEach((vid, slot) => {
    if (wanted.has(vid)) out.push(slot);
  });
  return out;
}

/** How many slots serve a different vid (or none instead of one, or one instead of none). */
export function changedSlots(before: Int32Array, after: Int32Array): number {
  let moved = 0;
  for (let slot = 0; slot < SLOTS; slot++) if (before[slot] !== after[slot]) moved++;
  return moved;
}

/** Elements of `a` missing from `b`. */
export function missing(a: readonly number[], b: readonly number[]): number[] {
  const inB = new Set(b);
  return a.filter((x) => !inB.has(x));
}

/** SPEC §3: variant i serves ceil(T·c_i/W) − ceil(T·c_(i−1)/W) of the T owned slots; all zero when W = 0. */
export function expectedCounts(traffic: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  let cumulative = 0;
  let previous = 0;
  return weights.map((w) => {
    cumulative += w;
    const next = Math.ceil((traffic * cumulative) / total);
    const count = next - previous;
    previous = next;
    return count;
  });
}

/** The lowest `count` slots that no range of the map serves. */
export function lowestFree(map: Int32Array, count: number): number[] {
  const out: number[] = [];
  for (let slot = 0; slot < SLOTS && out.length < count; slot++) if (map[slot] === 0) out.push(slot);
  return out;
}

/** Slot numbers [start, end). */
export const span = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);
