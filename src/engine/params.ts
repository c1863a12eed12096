// Parameter merge (SPEC §5): objects deep-merge, anything else is replaced by the later value.

import { isJsonObject } from "./definition";
import type { JsonObject, JsonValue } from "./types";

/**
 * `over` merged onto `base` without touching either: nested objects merge key by
 * key, arrays and scalars from `over` replace what `base` had.
 */
export function mergeParams(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const key of Object.keys(over)) {
    const value = over[key]!;
    const prior = out[key];
    out[key] = isJsonObject(prior) && isJsonObject(value) ? mergeParams(prior, value) : value;
  }
  return out;
}

/** Freezes a JSON value in depth: merged parameters are shared between answers and must never change. */
export function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child as JsonValue);
  }
  return value;
}
