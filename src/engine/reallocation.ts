// Minimal-movement slot reallocation (SPEC §3): target counts, new ownership and ranges, free slots.

import type { WeightedVid } from "./allocation";
import { SLOTS_PER_LAYER } from "./hashing";
import type { Segment, SlotRange } from "./types";

/**
 * How many of `total` slots each variant gets, by exactly the ceil rule of the first split:
 * count_i = ceil(T·c_i/W) − ceil(T·c_(i−1)/W), with c_i the cumulative weight. All zero when
 * W = 0. Integer arithmetic throughout, so a huge weight ratio cannot round to the wrong slot.
 * @throws RangeError when `total` or a weight is not a non-negative integer.
 */
export function targetCounts(total: number, variants: readonly WeightedVid[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  let weight = 0;
  for (const v of variants) {
    if (!Number.isInteger(v.weight) || v.weight < 0) {
      throw new RangeError(`weight of vid ${v.vid} must be a non-negative integer, got ${v.weight}`);
    }
    weight += v.weight;
  }
  if (weight === 0) return variants.map(() => 0);
  // Exact in doubles while every T·c + W stays a safe integer; otherwise fall back to BigInt.
  if (Number.isSafeInteger(total * weight + weight)) {
    let cumulative = 0;
    let previous = 0;
    return variants.map((v) => {
      cumulative += v.weight;
      const next = ceilDiv(total * cumulative, weight);
      const count = next - previous;
      previous = next;
      return count;
    });
  }
  const bigTotal = BigInt(total);
  const bigWeight = variants.reduce((sum, v) => sum + BigInt(v.weight), 0n);
  let cumulative = 0n;
  let previous = 0n;
  return variants.map((v) => {
    cumulative += BigInt(v.weight);
    const next = (bigTotal * cumulative + bigWeight - 1n) / bigWeight;
    const count = Number(next - previous);
    previous = next;
    return count;
  });
}

/** ceil(n / d) for safe non-negative integers with n + d safe; the remainder fixes the float quotient. */
function ceilDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  let r = n - q * d;
  while (r < 0) {
    q -= 1;
    r += d;
  }
  while (r >= d) {
    q += 1;
    r -= d;
  }
  return r > 0 ? q + 1 : q;
}

/** What `reallocate` starts from: an experiment's current slots and the layer's free slots. */
export interface ReallocationInput {
  /** The slots the experiment owns now, sorted, disjoint. */
  readonly owned: readonly Segment[];
  /** Which vid serves which owned slot now; parts outside `owned` are ignored. */
  readonly ranges: readonly SlotRange[];
  /** The variants after the change, in variant order, with their new weights. */
  readonly variants: readonly WeightedVid[];
  /** How many slots the experiment owns after the change. */
  readonly traffic: number;
  /** The slots of the layer nobody owns, disjoint from `owned`. */
  readonly free: readonly Segment[];
}

/** What `reallocate` returns: sorted, normalized segments and ranges, ranges inside `owned`. */
export interface Reallocation {
  readonly owned: Segment[];
  readonly ranges: SlotRange[];
}

// Per-slot states of the single pass; values ≥ 0 are the index of the serving variant.
const NOT_OURS = -5; // another experiment's slot, or given up
const FREE = -4; // owned by nobody
const TAKEN = -3; // a free slot taken because traffic grows
const UNSERVED = -2; // owned, and served no vid before the change
const RELEASED = -1; // owned, and served a vid that may not keep it (removed, or above its target)

/**
 * New ownership of exactly `traffic` slots and new ranges in which variant i serves exactly
 * `targetCounts(traffic, variants)[i]` slots, moving as few slots as possible:
 * - each variant keeps min(current, target) of its slots: all of them when it grows, its lowest
 *   ones when it shrinks; ranges of vids missing from `variants` are released;
 * - deficits are filled in variant order, lowest slot first, from the released slots (they move
 *   anyway, so reusing them is what makes the movement minimal), then from owned slots that
 *   served nothing, then from the free slots taken when traffic grows;
 * - growth takes the lowest free slots; shrinking gives up the highest owned slots that end up
 *   serving nothing, so the experiment keeps its lowest idle slots.
 * Unchanged traffic and weights over ranges that already match give back the input (normalized).
 * @throws RangeError when traffic is outside [0, 10000] or exceeds owned + free, when segments
 *   leave the layer or overlap, when ranges overlap inside `owned`, or when a vid repeats.
 */
export function reallocate(input: ReallocationInput): Reallocation {
  const { variants, traffic } = input;
  const state = new Int32Array(SLOTS_PER_LAYER).fill(NOT_OURS);
  const ownedCount = markSegments(state, input.owned, UNSERVED, "owned");
  const freeCount = markSegments(state, input.free, FREE, "free");
  if (!Number.isInteger(traffic) || traffic < 0 || traffic > SLOTS_PER_LAYER) {
    throw new RangeError(`traffic must be an integer in [0, ${SLOTS_PER_LAYER}], got ${traffic}`);
  }
  if (traffic > ownedCount + freeCount) {
    throw new RangeError(`traffic ${traffic} exceeds the ${ownedCount} owned and ${freeCount} free slots`);
  }

  const indexOfVid = new Map<number, number>();
  variants.forEach((v, i) => {
    if (indexOfVid.has(v.vid)) throw new RangeError(`vid ${v.vid} appears twice among the variants`);
    indexOfVid.set(v.vid, i);
  });
  for (const r of input.ranges) {
    if (!Number.isInteger(r.start) || !Number.isInteger(r.end)) {
      throw new RangeError(`range [${r.start}, ${r.end}) is not made of integers`);
    }
    const index = indexOfVid.get(r.vid) ?? RELEASED;
    const end = Math.min(SLOTS_PER_LAYER, r.end);
    for (let slot = Math.max(0, r.start); slot < end; slot++) {
      const was = state[slot]!;
      if (was === UNSERVED) state[slot] = index;
      else if (was >= RELEASED) throw new RangeError(`ranges overlap at slot ${slot}`);
    }
  }

  const targets = targetCounts(traffic, variants);
  const kept = new Array<number>(variants.length).fill(0);
  for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) {
    const i = state[slot]!;
    if (i < 0) continue;
    if (kept[i]! < targets[i]!) kept[i] = kept[i]! + 1;
    else state[slot] = RELEASED;
  }

  let toTake = traffic - ownedCount;
  for (let slot = 0; slot < SLOTS_PER_LAYER && toTake > 0; slot++) {
    if (state[slot] === FREE) {
      state[slot] = TAKEN;
      toTake -= 1;
    }
  }

  // There are always enough fillers: (owned − kept) + taken ≥ traffic − kept ≥ Σ(target − kept).
  const fillers = new Int32Array(SLOTS_PER_LAYER);
  let fillerCount = 0;
  for (const kind of [RELEASED, UNSERVED, TAKEN]) {
    for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) if (state[slot] === kind) fillers[fillerCount++] = slot;
  }
  let next = 0;
  for (let i = 0; i < variants.length; i++) {
    for (let missing = targets[i]! - kept[i]!; missing > 0; missing--) state[fillers[next++]!] = i;
  }

  let idleToKeep = traffic - targets.reduce((sum, t) => sum + t, 0);
  const owned: Segment[] = [];
  const ranges: SlotRange[] = [];
  for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) {
    const s = state[slot]!;
    let ours = s >= 0;
    if (s === RELEASED || s === UNSERVED || s === TAKEN) {
      ours = idleToKeep > 0;
      if (ours) idleToKeep -= 1;
    }
    if (ours) appendSlot(owned, slot);
    if (s >= 0) appendServedSlot(ranges, slot, variants[s]!.vid);
  }
  return { owned, ranges };
}

/** Grows the last segment when `slot` continues it, so the output comes out normalized. */
function appendSlot(segments: Segment[], slot: number): void {
  const last = segments[segments.length - 1];
  if (last && last.end === slot) segments[segments.length - 1] = { start: last.start, end: slot + 1 };
  else segments.push({ start: slot, end: slot + 1 });
}

/** Grows the last range when `slot` continues it with the same vid, as normalizeRanges would join them. */
function appendServedSlot(ranges: SlotRange[], slot: number, vid: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last.end === slot && last.vid === vid) ranges[ranges.length - 1] = { start: last.start, end: slot + 1, vid };
  else ranges.push({ start: slot, end: slot + 1, vid });
}

/** Marks the slots of `segments` as `value`, refusing slots outside the layer or marked twice. */
function markSegments(state: Int32Array, segments: readonly Segment[], value: number, what: string): number {
  let count = 0;
  for (const seg of segments) {
    checkSegment(seg, what);
    for (let slot = seg.start; slot < seg.end; slot++) {
      if (state[slot] !== NOT_OURS) throw new RangeError(`${what} slots overlap at slot ${slot}`);
      state[slot] = value;
    }
    count += seg.end - seg.start;
  }
  return count;
}

function checkSegment(seg: Segment, what: string): void {
  if (!Number.isInteger(seg.start) || !Number.isInteger(seg.end) || seg.start < 0 || seg.start > seg.end || seg.end > SLOTS_PER_LAYER) {
    throw new RangeError(`${what} segment [${seg.start}, ${seg.end}) is not inside [0, ${SLOTS_PER_LAYER})`);
  }
}

/**
 * The slots of the layer that none of the given experiments owns: the complement in
 * [0, 10000) of the union of their owned segments, sorted and normalized. Overlapping inputs
 * are tolerated here (a union is a union).
 * @throws RangeError when a segment leaves the layer.
 */
export function freeSlots(layerOwned: readonly (readonly Segment[])[]): Segment[] {
  const owned = new Uint8Array(SLOTS_PER_LAYER);
  for (const segments of layerOwned) {
    for (const seg of segments) {
      checkSegment(seg, "owned");
      owned.fill(1, seg.start, seg.end);
    }
  }
  const out: Segment[] = [];
  for (let slot = 0; slot < SLOTS_PER_LAYER; slot++) if (owned[slot] === 0) appendSlot(out, slot);
  return out;
}

/**
 * The lowest `count` slots of sorted, disjoint segments, as segments: what a new experiment takes
 * from the layer's free slots, and what growing traffic takes.
 * @throws RangeError when the segments hold fewer than `count` slots.
 */
export function lowestSlots(sorted: readonly Segment[], count: number): Segment[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const out: Segment[] = [];
  let left = count;
  for (const seg of sorted) {
    if (left === 0) break;
    const take = Math.min(left, seg.end - seg.start);
    if (take > 0) {
      const last = out[out.length - 1];
      if (last && last.end === seg.start) out[out.length - 1] = { start: last.start, end: seg.start + take };
      else out.push({ start: seg.start, end: seg.start + take });
    }
    left -= take;
  }
  if (left > 0) throw new RangeError(`only ${count - left} slots available, ${count} needed`);
  return out;
}
