// ActorMemory: per actor what is stored, absent and exposed; bounded by entries, keeping the actors in use.

import { ActorMemory } from "../../src/services/actor-memory";

it("keeps stored vids per actor and experiment; a stored row replaces an absence", () => {
  const memory = new ActorMemory(1_000, Infinity);
  memory.rememberAbsent("exp", "u1", 0);
  memory.rememberStored("exp", "u2", 2);
  memory.rememberStored("other", "u1", 3);
  const u1 = memory.find("u1")!;
  expect([u1.stored?.get("other"), u1.stored?.get("exp"), memory.isAbsent(u1, "exp", 0)]).toEqual([3, undefined, true]);
  memory.rememberStored("exp", "u1", 1);
  expect([u1.stored?.get("exp"), memory.isAbsent(u1, "exp", 0)]).toEqual([1, false]);
  // An absence learned from an older read never hides a row known to be stored.
  memory.rememberAbsent("exp", "u1", 5);
  expect(memory.isAbsent(u1, "exp", 5)).toBe(false);
  expect(memory.find("u3")).toBeUndefined();
});

it("believes an absence for absenceTtlMs after the database was asked", () => {
  const memory = new ActorMemory(1_000, 1_000);
  memory.rememberAbsent("exp", "u1", 10_000);
  const u1 = memory.find("u1")!;
  expect([memory.isAbsent(u1, "exp", 10_999), memory.isAbsent(u1, "exp", 11_000)]).toEqual([true, false]);
});

it("forgets the least recently used half when full, and keeps actors that are read", () => {
  // An actor with one stored row weighs 6 facts (record 3, map 2, entry 1): a generation takes in three.
  const memory = new ActorMemory(36, Infinity);
  memory.rememberStored("e", "old", 1);
  memory.rememberStored("e", "a", 1);
  memory.rememberStored("e", "b", 1); // the young generation is full: it becomes the old one
  expect(memory.find("old")?.weight).toBe(6); // read: moved back to the young generation
  memory.rememberStored("e", "c", 1);
  memory.rememberStored("e", "d", 1); // full again: "a" and "b" (never read) go with the old generation
  expect([memory.find("a"), memory.find("b")]).toEqual([undefined, undefined]);
  expect(memory.find("old")?.stored?.get("e")).toBe(1);
  expect(memory.find("d")?.stored?.get("e")).toBe(1);
});

it("counts what actors weigh, not how many: records, maps and entries together stay within capacity", () => {
  const memory = new ActorMemory(300, Infinity);
  for (let i = 0; i < 5_000; i++) {
    memory.rememberStored("e1", `u${i}`, 1);
    memory.rememberAbsent("e2", `u${i}`, 0);
    memory.rememberExposed(memory.record(`u${i}`), "e1", 1);
  }
  let held = 0;
  for (let i = 0; i < 5_000; i++) held += memory.find(`u${i}`)?.weight ?? 0;
  expect(held).toBeGreaterThan(0);
  // One actor (12: record 3, three maps of one entry 9) may go over while it is being filled.
  expect(held).toBeLessThanOrEqual(300 + 12);
});

it("keeps no absence when absences are never believed (ttl 0)", () => {
  const memory = new ActorMemory(1_000, 0);
  memory.rememberAbsent("e", "u", Date.now());
  expect(memory.find("u")?.absent ?? null).toBeNull();
});

it("refuses a capacity below 2 and a negative absence time", () => {
  expect(() => new ActorMemory(1, 0)).toThrow(RangeError);
  expect(() => new ActorMemory(10, -1)).toThrow(RangeError);
});
