// Where the experiments of one layer sit after an import (SPEC §3, §15): slots given in the document are
// taken as written; otherwise weights and traffic move as few slots as possible, and new experiments take
// the lowest free slots.

import { countSlots, normalizeRanges, normalizeSegments, splitContiguous } from "./allocation";
import type { DocumentExperiment, DocumentVariant } from "./config-document";
import { DomainError, badInput } from "./errors";
import { SLOTS_PER_LAYER } from "./hashing";
import { lowestSlots, reallocate, targetCounts } from "./reallocation";
import type { Segment, SlotRange } from "./types";

export interface PlacementRequest {
  /** The JSON path of the experiment in the input; null for one the document does not list (kept as it is). */
  readonly path: string | null;
  readonly key: string;
  readonly variants: readonly DocumentVariant[];
  readonly current: DocumentExperiment | null;
  /** An archived experiment in an explicit layer owns nothing (archiving gave its slots back). */
  readonly ownsNothing: boolean;
  readonly traffic: number | null;
  readonly slots: readonly Segment[] | null;
  readonly ranges: readonly SlotRange[] | null;
}

export interface Placement {
  readonly slots: Segment[];
  readonly ranges: SlotRange[];
}

const segmentText = (s: Segment) => `[${s.start}, ${s.end})`;

function checkSegments(path: string, segments: readonly Segment[]): void {
  const order = segments.map((s, i) => ({ s, i })).sort((a, b) => a.s.start - b.s.start);
  order.forEach(({ s, i }, k) => {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > SLOTS_PER_LAYER || s.end <= s.start) {
      throw badInput(`${path}[${i}]`, `${segmentText(s)} is not a run of slots inside [0, ${SLOTS_PER_LAYER})`);
    }
    const prior = order[k - 1];
    if (prior && s.start < prior.s.end) throw badInput(`${path}[${i}]`, `${segmentText(s)} overlaps ${path}[${prior.i}] ${segmentText(prior.s)}`);
  });
}

/** Slots and ranges written in the document, checked; null when they are stale (see `takesWritten`). */
function writtenPlacement(request: PlacementRequest, path: string): Placement | null {
  const slots = request.slots!;
  const ranges = request.ranges!;
  checkSegments(`${path}.slots`, slots);
  checkSegments(`${path}.ranges`, ranges);
  const owned = normalizeSegments(slots);
  if (request.current === null && request.traffic !== null && countSlots(owned) !== request.traffic) {
    throw badInput(`${path}.traffic`, `traffic is ${request.traffic} but the slots hold ${countSlots(owned)}`);
  }
  const inside = new Uint8Array(SLOTS_PER_LAYER);
  for (const s of owned) inside.fill(1, s.start, s.end);
  ranges.forEach((r, i) => {
    if (!request.variants.some((v) => v.vid === r.vid)) throw badInput(`${path}.ranges[${i}].vid`, `vid ${r.vid} is not a variant of "${request.key}"`);
    if (inside.subarray(r.start, r.end).includes(0)) throw badInput(`${path}.ranges[${i}]`, `${segmentText(r)} is not inside the slots "${request.key}" owns`);
  });
  const written = { slots: owned, ranges: normalizeRanges(ranges.map(({ start, end, vid }) => ({ start, end, vid }))) };
  return takesWritten(request, written) ? written : null;
}

/** Whether slots and ranges are what `traffic` and the weights make: each variant serves exactly its share. */
function followsWeights(slots: readonly Segment[], ranges: readonly SlotRange[], variants: readonly DocumentVariant[], traffic: number): boolean {
  if (countSlots(slots) !== traffic) return false;
  const targets = targetCounts(traffic, variants);
  const served = new Map<number, number>();
  for (const r of ranges) served.set(r.vid, (served.get(r.vid) ?? 0) + r.end - r.start);
  return variants.every((v, i) => (served.get(v.vid) ?? 0) === targets[i]);
}

const sameWeights = (a: readonly DocumentVariant[], b: readonly DocumentVariant[]) =>
  a.length === b.length && a.every((v, i) => v.vid === b[i]!.vid && v.weight === b[i]!.weight);

/**
 * Whether slots written in the document are taken as written. Always for a new experiment (a round
 * trip keeps ranges set directly, 001 style). For an existing one, when they follow its weights; when
 * they do not, they are stale if the weights or traffic changed (the weights then decide, moving as
 * little as possible) or if what is stored follows the weights (a document whose ranges were not
 * updated after an earlier import changed them); otherwise they were set directly and are kept.
 */
function takesWritten(request: PlacementRequest, written: Placement): boolean {
  const { current, variants } = request;
  if (current === null) return true;
  const traffic = request.traffic ?? countSlots(written.slots);
  if (followsWeights(written.slots, written.ranges, variants, traffic)) return true;
  if (!sameWeights(current.variants, variants) || traffic !== countSlots(current.slots)) return false;
  return !followsWeights(current.slots, current.ranges, variants, traffic);
}

/**
 * Whether the document asks an existing experiment, its slots left out, for the traffic and weights it
 * has now: then nothing moves. Its ranges need not be the weights' split (setLayerRanges writes any
 * split): re-deriving them from the weights would make importing an unchanged document move slots.
 * (Slots written in the document are judged by `takesWritten`.)
 */
function asksNoMove(request: PlacementRequest): boolean {
  const { current } = request;
  if (current === null || request.slots !== null) return false;
  const owned = countSlots(current.slots);
  return (request.traffic ?? owned) === owned && sameWeights(current.variants, request.variants);
}

class LayerOccupancy {
  private readonly owner: (string | null)[] = new Array<string | null>(SLOTS_PER_LAYER).fill(null);

  constructor(private readonly layer: string) {}

  take(key: string, path: string | null, slots: readonly Segment[]): void {
    for (const s of slots) {
      for (let slot = s.start; slot < s.end; slot++) {
        const holder = this.owner[slot];
        if (holder !== null && holder !== key) {
          throw new DomainError("CONFLICT", `"${key}" and "${holder}" would both own slot ${slot} of layer "${this.layer}"`, { field: `${path ?? "document"}.slots`, key });
        }
        this.owner[slot] = key;
      }
    }
  }

  /** Gives back every slot `key` holds. */
  release(key: string): void {
    for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) if (this.owner[slot] === key) this.owner[slot] = null;
  }

  /** Slots nobody owns, and those `key` owns. */
  freeFor(key: string): Segment[] {
    const mask = new Uint8Array(SLOTS_PER_LAYER);
    for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) {
      const holder = this.owner[slot];
      if (holder === null || holder === key) mask[slot] = 1;
    }
    return runsOf(mask);
  }
}

const subtract = (from: readonly Segment[], minus: readonly Segment[]): Segment[] => {
  const mask = new Uint8Array(SLOTS_PER_LAYER);
  for (const s of from) mask.fill(1, s.start, s.end);
  for (const s of minus) mask.fill(0, s.start, s.end);
  return runsOf(mask);
};

function runsOf(mask: Uint8Array): Segment[] {
  const runs: Segment[] = [];
  for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) {
    if (mask[slot] !== 1) continue;
    const last = runs[runs.length - 1];
    if (last && last.end === slot) runs[runs.length - 1] = { start: last.start, end: slot + 1 };
    else runs.push({ start: slot, end: slot + 1 });
  }
  return runs;
}

/**
 * Places every experiment of one layer, in three passes: what is fixed (written in the document, kept,
 * asked for no move, or archived), then experiments that exist (shrinking ones first, so growing ones can take what
 * they give back), then new ones in key order.
 */
export function placeLayer(layer: string, implicit: boolean, requests: readonly PlacementRequest[]): Map<string, Placement> {
  const placed = new Map<string, Placement>();
  const occupancy = new LayerOccupancy(layer);
  const rest: PlacementRequest[] = [];
  for (const request of requests) {
    const fixed: Placement | null = request.ownsNothing
      ? { slots: [], ranges: [] }
      : request.path === null || asksNoMove(request)
        ? { slots: [...request.current!.slots], ranges: [...request.current!.ranges] }
        : request.slots !== null
          ? writtenPlacement(request, request.path)
          : null;
    if (fixed === null) rest.push(request);
    else {
      occupancy.take(request.key, request.path, fixed.slots);
      placed.set(request.key, fixed);
    }
  }
  const existing = rest.filter((r) => r.current !== null);
  const growth = (r: PlacementRequest) => (r.traffic ?? countSlots(r.current!.slots)) - countSlots(r.current!.slots);
  existing.sort((a, b) => Math.sign(growth(a)) - Math.sign(growth(b)) || (a.key < b.key ? -1 : 1));
  for (const request of existing) {
    const current = request.current!;
    const path = request.path!;
    occupancy.take(request.key, path, current.slots);
    const traffic = request.traffic ?? countSlots(current.slots);
    const free = subtract(occupancy.freeFor(request.key), current.slots);
    if (traffic > countSlots(current.slots) + countSlots(free)) {
      throw new DomainError("CONFLICT", `layer "${layer}" has ${countSlots(free)} free slots; "${request.key}" asks ${traffic - countSlots(current.slots)} more`, {
        field: `${path}.traffic`,
        freeSlots: countSlots(free),
      });
    }
    const next = reallocate({ owned: current.slots, ranges: current.ranges, variants: request.variants, traffic, free });
    occupancy.release(request.key);
    occupancy.take(request.key, path, next.owned);
    placed.set(request.key, { slots: next.owned, ranges: next.ranges });
  }
  for (const request of rest.filter((r) => r.current === null).sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const path = request.path!;
    if (request.traffic === null && !implicit) throw badInput(`${path}.traffic`, `traffic is required in layer "${layer}": how many of its slots to own`);
    const traffic = request.traffic ?? SLOTS_PER_LAYER;
    const free = occupancy.freeFor(request.key);
    if (countSlots(free) < traffic) {
      throw new DomainError("CONFLICT", `layer "${layer}" has ${countSlots(free)} free slots; "${request.key}" asks ${traffic}`, { field: `${path}.traffic`, freeSlots: countSlots(free) });
    }
    const slots = lowestSlots(free, traffic);
    occupancy.take(request.key, path, slots);
    placed.set(request.key, { slots, ranges: splitContiguous(slots, request.variants) });
  }
  return placed;
}
