// Where an actor falls in a layer: SPEC §2, a breaking change if it ever moves.

import type { Hash32 } from "./types";

export const SLOTS_PER_LAYER = 10_000;

/** The current bucketing function's version, reported as `Layer.hashVersion`. */
export const HASH_VERSION = 1;

/**
 * slot(layer, actor) = XXH32(utf8(salt + ":" + actor), seed 0) mod 10000.
 * The hash is passed in so the engine stays synchronous and free of WASM.
 */
export function slotOf(h32: Hash32, salt: string, actor: string): number {
  return slotOfText(h32, `${salt}:${actor}`);
}

/** The slot of an already joined `salt:actor`, as a small integer (see `xxh32Slot` for why that matters). */
export function slotOfText(h32: Hash32, text: string): number {
  return (h32(text) % SLOTS_PER_LAYER) | 0;
}
