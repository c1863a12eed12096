// BoundedPairMap: answers what it holds, never holds more than its capacity, keeps what is used.

import { BoundedPairMap } from "../../src/services/bounded-pair-map";

it("answers by (a, b) pair and keeps the last value set", () => {
  const map = new BoundedPairMap<number>(10);
  map.set("exp", "u1", 1);
  map.set("exp", "u2", 2);
  map.set("other", "u1", 3);
  map.set("exp", "u1", 4);
  expect([map.get("exp", "u1"), map.get("exp", "u2"), map.get("other", "u1"), map.get("other", "u2")]).toEqual([4, 2, 3, undefined]);
});

it("forgets the least recently used half when full, and keeps entries that are read", () => {
  const map = new BoundedPairMap<number>(4);
  map.set("e", "old", 0);
  map.set("e", "a", 1); // young is full (2): both move to the old generation on the next insert
  map.set("e", "b", 2);
  expect(map.get("e", "old")).toBe(0); // read: promoted into the young generation
  map.set("e", "c", 3); // young full again: "a" (never read) ages out with the old generation
  map.set("e", "d", 4);
  expect(map.get("e", "a")).toBeUndefined();
  expect(map.get("e", "old")).toBe(0);
  expect(map.get("e", "d")).toBe(4);
});

it("holds at most its capacity after many inserts", () => {
  const map = new BoundedPairMap<number>(100);
  for (let i = 0; i < 10_000; i++) map.set("e", `u${i}`, i);
  let held = 0;
  for (let i = 0; i < 10_000; i++) if (map.get("e", `u${i}`) !== undefined) held++;
  expect(held).toBeGreaterThan(0);
  expect(held).toBeLessThanOrEqual(100);
});

it("refuses a capacity below 2", () => {
  expect(() => new BoundedPairMap(1)).toThrow(RangeError);
});
