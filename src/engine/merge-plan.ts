// The parameter merge of SPEC §5 compiled per service, so a decision over many layers merges in time
// linear in the keys written, without walking object keys or growing a dictionary key by key.
//
// At compile time every layer's possible contributions (its defaultParams, and each variant's params
// merged onto them) are aligned on the layer's top-level keys, and every layer key is mapped to a place
// in the service's key list. A decision then fills one slot per top-level key, deep-merging only where
// two layers write an object under the same key, and builds the answer once at the end.
//
// Key order of the answer: the service's key list, i.e. the order in which keys first appear going
// through its layers in merge order (within a layer: its defaultParams' keys, then its variants').

import { isJsonObject } from "./definition";
import type { JsonObject, JsonValue } from "./types";

/** A JSON object prepared for merging: its keys and values as arrays, nested objects prepared too. */
export interface PreparedObject {
  readonly keys: readonly string[];
  readonly values: readonly JsonValue[];
  /** For each value that is an object (not an array), the same prepared; else null. */
  readonly nested: readonly (PreparedObject | null)[];
}

/** One possible contribution of a layer, aligned on the layer's keys (undefined: the key is not written). */
export interface AlignedParams {
  readonly values: readonly (JsonValue | undefined)[];
  readonly nested: readonly (PreparedObject | null)[];
}

export function prepareObject(object: JsonObject): PreparedObject {
  const keys = Object.keys(object);
  const values = keys.map((k) => object[k]!);
  return { keys, values, nested: values.map((v) => (isJsonObject(v) ? prepareObject(v) : null)) };
}

/** The top-level keys of a layer's contributions, in first-appearance order. */
export function layerKeys(contributions: readonly JsonObject[]): string[] {
  const keys = new Set<string>();
  for (const c of contributions) for (const k of Object.keys(c)) keys.add(k);
  return [...keys];
}

export function alignParams(params: JsonObject, keys: readonly string[]): AlignedParams {
  const values = keys.map((k) => (Object.hasOwn(params, k) ? params[k] : undefined));
  return { values, nested: values.map((v) => (isJsonObject(v) ? prepareObject(v) : null)) };
}

/**
 * Merges a prepared object into `target` in place. Frozen objects found in `target` are
 * shared compiled parameters: they are copied before anything is written into them.
 */
function mergePrepared(target: JsonObject, over: PreparedObject): void {
  const { keys, values, nested } = over;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j]!;
    const inner = nested[j]!;
    const prior = inner === null ? undefined : target[key];
    if (inner !== null && isJsonObject(prior)) {
      const own = Object.isFrozen(prior) ? { ...prior } : prior;
      target[key] = own;
      mergePrepared(own, inner);
    } else target[key] = values[j]!;
  }
}

/** A service's merge, compiled: where each layer's keys land in the answer, and scratch space to merge in. */
export class ServiceMerge {
  /** The answer's top-level keys, in order. */
  private readonly keys: readonly string[];
  /** Per layer (in merge order): layer key j → index into `keys`. */
  private readonly places: readonly Int32Array[];
  /** Per answer key, during one merge: its value so far, and whether that value is an object of this merge's own. */
  private readonly slots: (JsonValue | undefined)[];
  private readonly owned: Uint8Array;

  constructor(layerKeyLists: readonly (readonly string[])[]) {
    const index = new Map<string, number>();
    for (const list of layerKeyLists) for (const k of list) if (!index.has(k)) index.set(k, index.size);
    this.keys = [...index.keys()];
    this.places = layerKeyLists.map((list) => Int32Array.from(list, (k) => index.get(k)!));
    this.slots = new Array<JsonValue | undefined>(this.keys.length).fill(undefined);
    this.owned = new Uint8Array(this.keys.length);
  }

  /**
   * `chosen[i]` is layer i's contribution for this decision. Objects deep-merge, anything else is
   * replaced by the later layer's value. Synchronous, so the scratch space is never shared.
   */
  merge(chosen: readonly AlignedParams[]): JsonObject {
    const slots = this.slots;
    const owned = this.owned;
    for (let i = 0; i < chosen.length; i++) {
      const { values, nested } = chosen[i]!;
      const places = this.places[i]!;
      for (let j = 0; j < values.length; j++) {
        const value = values[j];
        if (value === undefined) continue;
        const at = places[j]!;
        const prior = slots[at];
        const inner = nested[j]!;
        if (inner === null || !isJsonObject(prior)) {
          slots[at] = value;
          owned[at] = 0;
        } else if (owned[at] === 1) {
          mergePrepared(prior, inner);
        } else {
          // The first overlap copies the shared, frozen value; later overlaps write into the copy.
          const own = { ...prior };
          mergePrepared(own, inner);
          slots[at] = own;
          owned[at] = 1;
        }
      }
    }
    const out: JsonObject = {};
    const keys = this.keys;
    for (let u = 0; u < keys.length; u++) {
      const value = slots[u];
      if (value === undefined) continue;
      out[keys[u]!] = value;
      slots[u] = undefined;
    }
    return out;
  }
}
