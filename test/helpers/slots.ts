// SPEC §2's slot, computed here independently of the server's engine: what the tests expect.

import xxhash from "xxhash-wasm";

export type SlotOf = (salt: string, actor: string) => number;

/** slot(salt, actor) = XXH32(salt + ":" + actor) mod 10,000, over xxhash-wasm's string hash. */
export async function loadSlotOf(): Promise<SlotOf> {
  const { h32 } = await xxhash();
  return (salt, actor) => h32(`${salt}:${actor}`) % 10000;
}
