// Slot ranges from weights (SPEC §3): the first, contiguous split of owned slots.

import { SLOTS_PER_LAYER } from "./hashing";
import { targetCounts } from "./reallocation";
import type { Segment, SlotRange } from "./types";

export interface WeightedVid {
  readonly vid: number;
  readonly weight: number;
}

/** The whole layer: what an implicit layer's only experiment owns. */
export const WHOLE_LAYER: readonly Segment[] = [{ start: 0, end: SLOTS_PER_LAYER }];

export function countSlots(segments: readonly Segment[]): number {
  let total = 0;
  for (const s of segments) total += s.end - s.start;
  return total;
}

/**
 * Splits the owned slots among variants in variant order by cumulative weight:
 * variant i gets owned positions [ceil(T·c(i-1)/W), ceil(T·c(i)/W)). Zero-weight
 * variants get nothing; all weights zero gives no ranges at all. The counts come from
 * `targetCounts`, so a later `reallocate` aims at exactly the same numbers.
 * @throws RangeError when a weight is not a non-negative integer.
 */
export function splitContiguous(owned: readonly Segment[], variants: readonly WeightedVid[]): SlotRange[] {
  const counts = targetCounts(countSlots(owned), variants);
  const ranges: SlotRange[] = [];
  let from = 0;
  variants.forEach((v, i) => {
    const to = from + counts[i]!;
    for (const seg of positionsToSegments(owned, from, to)) ranges.push({ ...seg, vid: v.vid });
    from = to;
  });
  return normalizeRanges(ranges);
}

/** The slots at positions [from, to) of the owned segments, as segments. */
function positionsToSegments(owned: readonly Segment[], from: number, to: number): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  for (const seg of owned) {
    const length = seg.end - seg.start;
    const lo = Math.max(from, offset);
    const hi = Math.min(to, offset + length);
    if (lo < hi) out.push({ start: seg.start + lo - offset, end: seg.start + hi - offset });
    offset += length;
    if (offset >= to) break;
  }
  return out;
}

/** Sorts ranges by start and joins neighbours that serve the same vid. */
export function normalizeRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: SlotRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === r.start && last.vid === r.vid) out[out.length - 1] = { ...last, end: r.end };
    else out.push({ ...r });
  }
  return out;
}

/** Sorted segments with neighbours joined: a set of slots written one way. */
export function normalizeSegments(segments: readonly Segment[]): Segment[] {
  return normalizeRanges(segments.map((s) => ({ start: s.start, end: s.end, vid: 0 }))).map(({ start, end }) => ({ start, end }));
}

/** Equal runs of slots, field by field (jsonb does not keep key order, so no JSON comparison). */
export function sameRuns(a: readonly (Segment & { vid?: number })[], b: readonly (Segment & { vid?: number })[]): boolean {
  return a.length === b.length && a.every((r, i) => r.start === b[i]!.start && r.end === b[i]!.end && r.vid === b[i]!.vid);
}

/** The range holding `slot`, by binary search over sorted, disjoint ranges. */
export function findSegment<T extends Segment>(sorted: readonly T[], slot: number): T | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = sorted[mid]!;
    if (slot < r.start) hi = mid - 1;
    else if (slot >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** How many slots serve a different vid (or none) after a change: the users who would move. */
export function countMovedSlots(unsortedBefore: readonly SlotRange[], unsortedAfter: readonly SlotRange[]): number {
  const before = normalizeRanges(unsortedBefore);
  const after = normalizeRanges(unsortedAfter);
  const points = new Set<number>();
  for (const r of [...before, ...after]) {
    points.add(r.start);
    points.add(r.end);
  }
  const cuts = [...points].sort((a, b) => a - b);
  let moved = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i]!;
    const was = findSegment(before, start)?.vid;
    const now = findSegment(after, start)?.vid;
    if (was !== now) moved += cuts[i + 1]! - start;
  }
  return moved;
}
