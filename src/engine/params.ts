// Parameter merge (SPEC §5): objects deep-merge, anything else is replaced by the later value.

import type { JsonObject, JsonValue } from "./types";

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `over` merged onto `base` without touching either: nested objects merge key by
 * key, arrays and scalars from `over` replace what `base` had.
 */
export function mergeParams(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const key of Object.keys(over)) {
    const value = over[key]!;
    const prior = out[key];
    out[key] = isObject(prior) && isObject(value) ? mergeParams(prior, value) : value;
  }
  return out;
}

/**
 * Merges `over` into `target` in place, in linear time. Frozen values (shared, compiled
 * parameters) are never written: a frozen nested object is copied before it is merged into.
 */
export function mergeParamsInto(target: JsonObject, over: JsonObject): void {
  for (const key of Object.keys(over)) {
    const value = over[key]!;
    const prior = target[key];
    if (isObject(prior) && isObject(value)) {
      const own = Object.isFrozen(prior) ? { ...prior } : prior;
      target[key] = own;
      mergeParamsInto(own, value);
    } else target[key] = value;
  }
}

/** Freezes a JSON value in depth: merged parameters are shared between answers and must never change. */
export function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child as JsonValue);
  }
  return value;
}
