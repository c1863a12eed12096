// Slot allocation (SPEC §3): the contiguous first split, range helpers and the moved-slot count.

import {
  WHOLE_LAYER,
  type WeightedVid,
  countMovedSlots,
  countSlots,
  findSegment,
  normalizeRanges,
  splitContiguous,
} from "../../src/engine/allocation";
import { SLOTS_PER_LAYER } from "../../src/engine/hashing";
import type { Segment, SlotRange } from "../../src/engine/types";
import { cases } from "./cases";
import { int, prng } from "../helpers/prng";

const r = (start: number, end: number, vid: number): SlotRange => ({ start, end, vid });

describe("splitContiguous", () => {
  it.each(cases.split)("$name", ({ slots, variants, expected }) => {
    expect(splitContiguous(slots, variants)).toEqual(expected);
  });
});

describe("countMovedSlots", () => {
  it.each(cases.moved)("$name", ({ before, after, expected }) => {
    expect(countMovedSlots(before, after)).toBe(expected);
  });

  it.each(cases.moved)("is symmetric: $name", ({ before, after, expected }) => {
    expect(countMovedSlots(after, before)).toBe(expected);
  });
});

describe("countSlots and WHOLE_LAYER", () => {
  it.each<[string, Segment[], number]>([
    ["nothing", [], 0],
    ["the whole layer", [...WHOLE_LAYER], SLOTS_PER_LAYER],
    ["fragments", [{ start: 0, end: 10 }, { start: 20, end: 30 }, { start: 9999, end: 10000 }], 21],
  ])("%s → %i", (_name, segments, total) => {
    expect(countSlots(segments)).toBe(total);
  });

  it("WHOLE_LAYER is [0, 10000)", () => {
    expect(WHOLE_LAYER).toEqual([{ start: 0, end: 10_000 }]);
  });
});

describe("normalizeRanges", () => {
  it.each<[string, SlotRange[], SlotRange[]]>([
    ["sorts by start", [r(50, 60, 2), r(0, 10, 1)], [r(0, 10, 1), r(50, 60, 2)]],
    ["joins adjacent ranges of one vid", [r(10, 20, 1), r(0, 10, 1)], [r(0, 20, 1)]],
    ["keeps adjacent ranges of different vids", [r(0, 10, 1), r(10, 20, 2)], [r(0, 10, 1), r(10, 20, 2)]],
    ["keeps a gap between ranges of one vid", [r(0, 10, 1), r(11, 20, 1)], [r(0, 10, 1), r(11, 20, 1)]],
    ["drops empty ranges", [r(5, 5, 1), r(0, 3, 2)], [r(0, 3, 2)]],
    ["joins a chain of three", [r(0, 1, 4), r(2, 3, 4), r(1, 2, 4)], [r(0, 3, 4)]],
    ["nothing", [], []],
  ])("%s", (_name, input, expected) => {
    const copy = JSON.parse(JSON.stringify(input));
    expect(normalizeRanges(input)).toEqual(expected);
    expect(input).toEqual(copy); // the input is not mutated
  });
});

describe("findSegment", () => {
  const sorted = [r(0, 10, 1), r(20, 30, 2), r(30, 31, 3), r(9000, 10000, 4)];
  it.each<[number, number | undefined]>([
    [0, 1],
    [9, 1],
    [10, undefined],
    [19, undefined],
    [20, 2],
    [29, 2],
    [30, 3],
    [31, undefined],
    [8999, undefined],
    [9000, 4],
    [9999, 4],
    [10000, undefined],
    [-1, undefined],
  ])("slot %i → vid %p (start inclusive, end exclusive)", (slot, vid) => {
    expect(findSegment(sorted, slot)?.vid).toBe(vid);
  });

  it("finds nothing in no ranges", () => {
    expect(findSegment([], 0)).toBeUndefined();
  });
});

// ---- property test: a few hundred random weight vectors over random owned slots ----


/** Sorted, disjoint, non-empty segments inside the layer. */
function randomOwned(rand: () => number): Segment[] {
  if (rand() < 0.25) return [...WHOLE_LAYER];
  const cuts = new Set<number>();
  const n = int(rand, 1, 8) * 2;
  while (cuts.size < n) cuts.add(int(rand, 0, SLOTS_PER_LAYER));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < sorted.length; i += 2) out.push({ start: sorted[i]!, end: sorted[i + 1]! });
  return out;
}

function randomVariants(rand: () => number): WeightedVid[] {
  const n = int(rand, 1, rand() < 0.1 ? 100 : 6);
  const maxWeight = rand() < 0.2 ? 2_147_483_647 : 100; // GraphQL Int bounds the largest weight
  return Array.from({ length: n }, (_, i) => ({
    vid: 1000 + i,
    weight: rand() < 0.2 ? 0 : int(rand, 0, maxWeight),
  }));
}

/** ceil(T·c/W) in exact integer arithmetic, independent of the engine's floating point. */
const ceilDiv = (t: number, c: number, w: number) => Number((BigInt(t) * BigInt(c) + BigInt(w) - 1n) / BigInt(w));

/** Vid per owned position, straight from SPEC §3, or null for positions no variant gets. */
function expectedByPosition(total: number, variants: readonly WeightedVid[]): (number | null)[] {
  const weight = variants.reduce((s, v) => s + v.weight, 0);
  const out: (number | null)[] = new Array(total).fill(null);
  if (weight === 0) return out;
  let c = 0;
  for (const v of variants) {
    const from = ceilDiv(total, c, weight);
    c += v.weight;
    const to = ceilDiv(total, c, weight);
    for (let p = from; p < to; p++) out[p] = v.vid;
  }
  return out;
}

const TRIALS = Array.from({ length: 300 }, (_, i) => 0x7e55e7a + i);

describe("splitContiguous, property over 300 seeded random inputs", () => {
  it.each(TRIALS)("seed %i", (seed) => {
    const rand = prng(seed);
    const owned = randomOwned(rand);
    const variants = randomVariants(rand);
    const total = countSlots(owned);
    const weight = variants.reduce((s, v) => s + v.weight, 0);
    const ranges = splitContiguous(owned, variants);

    // sorted, disjoint, non-empty, inside the owned slots
    for (let i = 0; i < ranges.length; i++) {
      const x = ranges[i]!;
      expect(x.end).toBeGreaterThan(x.start);
      if (i > 0) expect(x.start).toBeGreaterThanOrEqual(ranges[i - 1]!.end);
      const host = findSegment(owned, x.start);
      expect(host).toBeDefined();
      expect(x.end).toBeLessThanOrEqual(host!.end);
    }

    // every variant's count is ceil(T·c_i/W) − ceil(T·c_{i−1}/W)
    let c = 0;
    for (const v of variants) {
      const want = weight === 0 ? 0 : ceilDiv(total, c + v.weight, weight) - ceilDiv(total, c, weight);
      c += v.weight;
      const got = countSlots(ranges.filter((x) => x.vid === v.vid));
      expect({ vid: v.vid, slots: got }).toEqual({ vid: v.vid, slots: want });
    }

    // all owned slots are served when W > 0, none when W = 0
    expect(countSlots(ranges)).toBe(weight > 0 ? total : 0);

    // and each owned position gets exactly the variant SPEC §3 names, in variant order
    const want = expectedByPosition(total, variants);
    let position = 0;
    let firstMismatch: { slot: number; got: number | null; want: number | null } | null = null;
    for (const seg of owned) {
      for (let slot = seg.start; slot < seg.end && !firstMismatch; slot++, position++) {
        const got = findSegment(ranges, slot)?.vid ?? null;
        if (got !== want[position]) firstMismatch = { slot, got, want: want[position]! };
      }
    }
    expect(firstMismatch).toBeNull();
  });
});
