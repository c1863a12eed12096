// SlotHasher: SPEC §2's slot without building the string `salt + ":" + actor` on every decision.
// Hashing is the dearest step of a decision, and on short ids most of its cost was not XXH32 but the
// concatenation, the UTF-8 encoding call and the copy into WASM memory. Here every layer keeps a buffer
// with its salt already encoded; an ASCII actor (the common case) is written after it byte by byte and
// XXH32 runs over the buffer in plain JavaScript. Anything else takes xxhash-wasm's string path.

import { slotOfText } from "./hashing";
import type { Hash32 } from "./types";
import { xxh32Slot } from "./xxh32";

/** Room after the salt: longer actors are rare (they are ids) and take the string path. */
const ACTOR_ROOM = 96;
const encoder = new TextEncoder();

/** A layer's `salt + ":"`, as text and as UTF-8 bytes at the start of the layer's hashing buffer. */
export interface SaltPrefix {
  readonly text: string;
  /** The prefix's bytes, then room for an actor: scratch space, written by each (synchronous) slot call. */
  readonly buffer: Uint8Array;
  readonly length: number;
}

export function saltPrefix(salt: string): SaltPrefix {
  const text = `${salt}:`;
  const bytes = encoder.encode(text);
  const buffer = new Uint8Array(bytes.length + ACTOR_ROOM);
  buffer.set(bytes);
  return { text, buffer, length: bytes.length };
}

export class SlotHasher {
  /** @param h32 xxhash-wasm's `h32`: the reference, used for the inputs the byte path does not take. */
  constructor(private readonly h32: Hash32) {}

  /** slot = XXH32(utf8(salt + ":" + actor)) mod 10,000, the same number as `slotOf`. */
  slot(prefix: SaltPrefix, actor: string): number {
    const buffer = prefix.buffer;
    const start = prefix.length;
    const end = start + actor.length;
    if (end > buffer.length) return slotOfText(this.h32, prefix.text + actor);
    for (let i = 0; i < actor.length; i++) {
      const code = actor.charCodeAt(i);
      // Beyond ASCII one character is several bytes: let the encoder do it.
      if (code > 0x7f) return slotOfText(this.h32, prefix.text + actor);
      buffer[start + i] = code;
    }
    return xxh32Slot(buffer, end);
  }
}
