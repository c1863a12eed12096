// Coercion of context attribute values to a rule's field type (SPEC §4), allocation-free where possible.

import { parseSemver, type Semver } from "./semver";

/**
 * The text a string must be, wholly, to count as a number: JSON's number syntax, except that
 * leading zeros are allowed ("007" is 7). So no whitespace (" 5"), no empty string, no "+5",
 * ".5", "5.", "0x10", "1_000", "Infinity" or "NaN"; exponents are fine ("1e3" is 1000).
 */
const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A context value as a float, or NaN when it is not one. NaN doubles as "cannot be coerced"
 * because every comparison with it is false, which is what SPEC §4 wants of such attributes.
 * Non-finite numbers (reachable only from JS callers, never from JSON) and strings overflowing
 * to Infinity ("1e999") are rejected.
 */
export function toFloat(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === "string" && NUMERIC.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/**
 * A context value as an integer, or NaN. Decided by value, not spelling: "1.0" and "1e3" are
 * integers (JSON cannot tell 1.0 from 1 either); 2.5 and "2.5" are not.
 */
export function toInt(value: unknown): number {
  if (typeof value === "number") return Number.isInteger(value) ? value : Number.NaN;
  const n = toFloat(value);
  return Number.isInteger(n) ? n : Number.NaN;
}

/**
 * A context value as a string, or undefined: strings as they are, numbers and booleans as their
 * JSON text (5 → "5", 2.5 → "2.5", true → "true"). Objects and arrays have no meaningful text.
 */
export function toText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

/** A context value as a boolean, or undefined: only true/false and exactly "true"/"false" (not 1, "TRUE"). */
export function toBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/**
 * A context value as a version, or undefined. Only strings: a JSON number such as 2.10 would
 * arrive as 2.1 and silently mean 2.1.0.
 */
export function toSemver(value: unknown): Semver | undefined {
  if (typeof value !== "string") return undefined;
  return parseSemver(value) ?? undefined;
}
