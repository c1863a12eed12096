// SlotHasher: SPEC §2's slot without building the string `salt + ":" + actor` on every decision.
// Hashing is the dearest step of a decision, and most of its cost is not XXH32 itself but the
// concatenation and the UTF-8 encoding call: the salt's bytes are encoded once per layer at compile time,
// an ASCII actor is copied byte by byte into a reused buffer, and XXH32 runs over the raw bytes.

import { SLOTS_PER_LAYER } from "./hashing";
import type { Hash32 } from "./types";

/** xxhash-wasm's two entry points (seed 0), injected so the engine stays free of WASM. */
export interface XxHash32 {
  readonly h32: Hash32;
  /** XXH32 of exactly these bytes. */
  readonly h32Raw: (bytes: Uint8Array) => number;
}

/** A layer's `salt + ":"`, as text and as UTF-8 bytes. */
export interface SaltPrefix {
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** Longer inputs are rare (actors are ids) and take the string path. */
const BUFFER_BYTES = 512;
const encoder = new TextEncoder();

export function saltPrefix(salt: string): SaltPrefix {
  const text = `${salt}:`;
  return { text, bytes: encoder.encode(text) };
}

export class SlotHasher {
  private readonly buffer = new Uint8Array(BUFFER_BYTES);
  /** views[n] is the buffer's first n bytes: made once, so hashing allocates nothing. */
  private readonly views: Uint8Array[] = [];
  /** The prefix whose bytes the buffer starts with: consecutive slots in one layer copy it once. */
  private written: SaltPrefix | null = null;

  constructor(private readonly hash: XxHash32) {
    for (let n = 0; n <= BUFFER_BYTES; n++) this.views.push(this.buffer.subarray(0, n));
  }

  /** slot = XXH32(utf8(salt + ":" + actor)) mod 10,000, the same number as `slotOf`. */
  slot(prefix: SaltPrefix, actor: string): number {
    const salt = prefix.bytes;
    const start = salt.length;
    const length = start + actor.length;
    if (length > BUFFER_BYTES) return this.hash.h32(prefix.text + actor) % SLOTS_PER_LAYER;
    const buffer = this.buffer;
    if (this.written !== prefix) {
      buffer.set(salt);
      this.written = prefix;
    }
    for (let i = 0; i < actor.length; i++) {
      const code = actor.charCodeAt(i);
      // Beyond ASCII one character is several bytes: let the encoder do it.
      if (code > 0x7f) return this.hash.h32(prefix.text + actor) % SLOTS_PER_LAYER;
      buffer[start + i] = code;
    }
    return this.hash.h32Raw(this.views[length]!) % SLOTS_PER_LAYER;
  }
}
