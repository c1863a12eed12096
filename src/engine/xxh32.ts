// SPEC §2's slot, XXH32 (seed 0) mod 10,000, of the first `length` bytes of a buffer, in plain JavaScript.
//
// Why not only xxhash-wasm: each of its calls reads WebAssembly.Memory#buffer and copies the
// input into linear memory, which on short ids costs three to four times the hash itself, and
// bucketing is the engine's inner loop (one hash per layer per decision). xxhash-wasm stays the
// reference: the tests check this function against it, and the slot hasher falls back to it for
// inputs this fast path does not take (non-ASCII, long actors).
//
// Algorithm: https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md (XXH32).

const PRIME1 = 0x9e3779b1 | 0;
const PRIME2 = 0x85ebca77 | 0;
const PRIME3 = 0xc2b2ae3d | 0;
const PRIME4 = 0x27d4eb2f | 0;
const PRIME5 = 0x165667b1 | 0;

function lane(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function round(acc: number, input: number): number {
  const sum = (acc + Math.imul(input, PRIME2)) | 0;
  return Math.imul((sum << 13) | (sum >>> 19), PRIME1);
}

/**
 * XXH32 of the first `length` bytes, mod SLOTS_PER_LAYER (10,000). The remainder is taken here,
 * by a constant: a full 32-bit hash is 2^31 or more half the time, which a call returns as a boxed
 * heap number, and a remainder by a variable is a floating-point one; either costs more than
 * the hash itself.
 */
export function xxh32Slot(b: Uint8Array, length: number): number {
  let p = 0;
  let h: number;
  if (length >= 16) {
    let v1 = (PRIME1 + PRIME2) | 0;
    let v2 = PRIME2;
    let v3 = 0;
    let v4 = -PRIME1 | 0;
    const last = length - 16;
    do {
      v1 = round(v1, lane(b, p));
      v2 = round(v2, lane(b, p + 4));
      v3 = round(v3, lane(b, p + 8));
      v4 = round(v4, lane(b, p + 12));
      p += 16;
    } while (p <= last);
    h = (((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) + ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14))) | 0;
  } else {
    h = PRIME5;
  }
  h = (h + length) | 0;
  for (; p + 4 <= length; p += 4) {
    h = (h + Math.imul(lane(b, p), PRIME3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), PRIME4);
  }
  for (; p < length; p++) {
    h = (h + Math.imul(b[p]!, PRIME5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), PRIME1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  // SLOTS_PER_LAYER, as a literal: only a literal divisor gets an integer remainder from the compiler.
  // `| 0` keeps the result a small integer: before optimization the remainder of an unsigned value is
  // a boxed double, and the first one stored fixes the field as double in every object holding slots,
  // which JSON.stringify then formats as a double on every answer.
  return ((h >>> 0) % 10_000) | 0;
}
