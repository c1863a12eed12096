// XXH32 (seed 0) of the first `length` bytes of a buffer, in plain JavaScript.
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
 * XXH32 of the first `length` bytes, reduced modulo `modulus` (at most 2^32) before it is
 * returned: a full 32-bit hash is 2^31 or more half the time, which a call returns as a boxed
 * heap number, and that allocation and the floating-point remainder after it cost more than the
 * hash itself. Reduced here, the remainder is an integer one and a slot comes back unboxed.
 */
export function xxh32Mod(b: Uint8Array, length: number, modulus: number): number {
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
  return (h >>> 0) % modulus;
}

/** The full 32-bit hash (tests compare it with xxhash-wasm). */
export const xxh32 = (b: Uint8Array, length: number): number => xxh32Mod(b, length, 2 ** 32);
