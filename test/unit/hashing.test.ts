// slotOf against golden XXH32 vectors (SPEC §2): a failure here is a breaking change.

import xxhash from "xxhash-wasm";
import { SLOTS_PER_LAYER, slotOf } from "../../src/engine/hashing";
import { SlotHasher, saltPrefix } from "../../src/engine/slot-hasher";
import { xxh32Slot } from "../../src/engine/xxh32";
import { prng } from "../helpers/prng";
import type { Hash32 } from "../../src/engine/types";
import { cases } from "./cases";

let h32: Hash32;
let h32Raw: (bytes: Uint8Array) => number;
let hasher: SlotHasher;
beforeAll(async () => {
  ({ h32, h32Raw } = await xxhash());
  hasher = new SlotHasher(h32);
});

describe("golden vectors", () => {
  it("include the two fixtures of SPEC §2", () => {
    expect(cases.slot).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ salt: "checkout_v2", actor: "user:1", hash: 0xd3b1c092, slot: 1746 }),
        expect.objectContaining({ salt: "onboarding_v3", actor: "user:100", hash: 0xb563bf51, slot: 3137 }),
      ]),
    );
  });

  it.each(cases.slot)("h32($salt:$actor) = $hash", ({ salt, actor, hash }) => {
    expect(h32(`${salt}:${actor}`)).toBe(hash);
  });

  it.each(cases.slot)("slotOf($salt, $actor) = $slot", ({ salt, actor, slot, hash }) => {
    expect(hash % SLOTS_PER_LAYER).toBe(slot);
    expect(slotOf(h32, salt, actor)).toBe(slot);
  });

  it.each(cases.slot)("SlotHasher($salt, $actor) = $slot", ({ salt, actor, slot }) => {
    expect(hasher.slot(saltPrefix(salt), actor)).toBe(slot);
  });
});

describe("slotOf", () => {
  it("hashes exactly salt + ':' + actor and reduces mod 10,000", () => {
    const seen: string[] = [];
    const fake: Hash32 = (input) => {
      seen.push(input);
      return 4_294_967_295; // 2^32 - 1: the largest unsigned 32-bit hash
    };
    expect(slotOf(fake, "layer_salt", "user:9")).toBe(7295);
    expect(seen).toEqual(["layer_salt:user:9"]);
  });

  it("keeps salt and actor apart: a different salt moves the actor", () => {
    expect(slotOf(h32, "checkout_v2", "user:1")).not.toBe(slotOf(h32, "checkout_v3", "user:1"));
  });

  it("is stable across calls", () => {
    const first = Array.from({ length: 50 }, (_, i) => slotOf(h32, "stable", `user:${i}`));
    const again = Array.from({ length: 50 }, (_, i) => slotOf(h32, "stable", `user:${i}`));
    expect(again).toEqual(first);
  });

  it("always lands in [0, 10000) as an integer and spreads 100 actors over >50 slots", () => {
    const slots = Array.from({ length: 100 }, (_, i) => slotOf(h32, "diversity", `user:${i}`));
    for (const s of slots) {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(SLOTS_PER_LAYER);
    }
    expect(new Set(slots).size).toBeGreaterThan(50);
  });

  it("splits 10,000 actors roughly evenly between the two halves of the layer", () => {
    let low = 0;
    for (let i = 0; i < 10_000; i++) if (slotOf(h32, "balance", `actor-${i}`) < 5000) low++;
    // 5 standard deviations (σ = 50) either side of 5,000.
    expect(low).toBeGreaterThan(4750);
    expect(low).toBeLessThan(5250);
  });
});

describe("SlotHasher (the engine's allocation-free path)", () => {
  const actors = [
    "", "a", "user:1", "0123456789abcdef", "0123456789abcdefg", "x".repeat(200), "y".repeat(511), "z".repeat(600),
    "café", "用户42", "emoji-😀", "\u007f", "\u0080", "tab\there", `ascii-then-é${"q".repeat(20)}`,
  ];
  const salts = ["s", "checkout_v2", "sälz", "long_salt_".repeat(30)];

  it.each(salts)("agrees with slotOf for every actor under salt %s", (salt) => {
    const prefix = saltPrefix(salt);
    for (const actor of actors) expect([actor, hasher.slot(prefix, actor)]).toEqual([actor, slotOf(h32, salt, actor)]);
  });

  it("agrees with slotOf when layers alternate (the buffer's salt is rewritten, not reused stale)", () => {
    const prefixes = salts.map((salt) => ({ salt, prefix: saltPrefix(salt) }));
    for (let i = 0; i < 400; i++) {
      const { salt, prefix } = prefixes[(i * 7) % prefixes.length]!;
      const actor = actors[i % actors.length]! + String(i);
      expect(hasher.slot(prefix, actor)).toBe(slotOf(h32, salt, actor));
    }
  });

  it("a long actor after a short one, and a short after a long one, under one salt", () => {
    const prefix = saltPrefix("reuse");
    for (const actor of ["a".repeat(90), "b", "c".repeat(40), "", "d".repeat(17)]) {
      expect(hasher.slot(prefix, actor)).toBe(slotOf(h32, "reuse", actor));
    }
  });
});

describe("xxh32Slot (plain JavaScript) against xxhash-wasm", () => {
  it("agrees on every length from 0 to 200 bytes (stripes, 4-byte tails, single bytes), with all byte values", () => {
    // Slots keep 13 of the hash's 32 bits: 20 random inputs per length make a wrong hash that still
    // gives the right slot every time practically impossible.
    const random = prng(20261121);
    for (let length = 0; length <= 200; length++) {
      for (let trial = 0; trial < 20; trial++) {
        const bytes = new Uint8Array(length + 7);
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
        // Only the first `length` bytes count; what follows in the buffer must not.
        expect([length, xxh32Slot(bytes, length)]).toEqual([length, h32Raw(bytes.subarray(0, length)) % 10_000]);
      }
    }
  });
});
