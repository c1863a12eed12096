// What each field operator means for each field type (SPEC §4), compiled into closures.

import { toBool, toFloat, toInt, toSemver, toText } from "./coerce";
import { compileLike } from "./like";
import { compareSemver, parseSemver, type Semver, semverKey } from "./semver";
import type { JsonObject, JsonValue } from "./types";

/** The types a field condition compares as; `fieldType` names one, or it is inferred. */
export const FIELD_TYPES = ["string", "int", "float", "bool", "semver"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** The operators of a field node; `and`, `or`, `not` are node types, not field operators. */
export const FIELD_OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "like", "not_like"] as const;
export type FieldOp = (typeof FIELD_OPS)[number];

/** A compiled condition or rule: true when the context is targeted. */
export type Condition = (context: JsonObject) => boolean;

/** Above this many values, `in`/`not_in` look up a Set instead of scanning the list. */
const SET_THRESHOLD = 8;

/** How many values an operator takes: `in`/`not_in` one or more, every other exactly one. */
export const takesList = (op: FieldOp): boolean => op === "in" || op === "not_in";

/** Why `op` cannot apply to `type`, or null when it can. */
export function unsupported(op: FieldOp, type: FieldType): string | null {
  if ((op === "like" || op === "not_like") && type !== "string") {
    return `"${op}" applies to strings only, not to ${type} fields`;
  }
  // false < true is an artefact of encodings, not something a targeting rule should say.
  if (type === "bool" && (op === "gt" || op === "gte" || op === "lt" || op === "lte")) {
    return `"${op}" does not apply to bool fields: use eq or neq`;
  }
  return null;
}

/** A membership test over literals, never retaining the caller's array. */
function member<T>(literals: readonly T[]): (x: T) => boolean {
  if (literals.length > SET_THRESHOLD) {
    const set = new Set(literals);
    return (x) => set.has(x);
  }
  const list = literals.slice();
  if (list.length === 1) {
    const only = list[0];
    return (x) => x === only;
  }
  return (x) => {
    for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
    return false;
  };
}

// Every closure below reads `context[field]` directly: attributes are top-level keys, so a field
// named "a.b" is the key "a.b", not a path. An inherited name such as "constructor" yields a
// function or object, which no type accepts, so it reads as missing without a hasOwn check.

function numeric(field: string, op: FieldOp, literals: readonly number[], to: (v: unknown) => number): Condition {
  const lit = literals[0];
  // `to` answers NaN for missing or uncoercible values, and NaN fails every comparison;
  // only the negative operators must test for it (x === x) to stay false.
  switch (op) {
    case "eq": return (c) => to(c[field]) === lit;
    case "neq": return (c) => { const x = to(c[field]); return x === x && x !== lit; };
    case "gt": return (c) => to(c[field]) > lit;
    case "gte": return (c) => to(c[field]) >= lit;
    case "lt": return (c) => to(c[field]) < lit;
    case "lte": return (c) => to(c[field]) <= lit;
    case "in": { const has = member(literals); return (c) => has(to(c[field])); }
    case "not_in": { const has = member(literals); return (c) => { const x = to(c[field]); return x === x && !has(x); }; }
    default: throw new Error(`unreachable: ${op} on a number`);
  }
}

function text(field: string, op: FieldOp, literals: readonly string[]): Condition {
  const lit = literals[0];
  // Strings order by UTF-16 code units (JavaScript's <): ordinal, case-sensitive, not locale-aware.
  switch (op) {
    case "eq": return (c) => toText(c[field]) === lit;
    case "neq": return (c) => { const x = toText(c[field]); return x !== undefined && x !== lit; };
    case "gt": return (c) => { const x = toText(c[field]); return x !== undefined && x > lit; };
    case "gte": return (c) => { const x = toText(c[field]); return x !== undefined && x >= lit; };
    case "lt": return (c) => { const x = toText(c[field]); return x !== undefined && x < lit; };
    case "lte": return (c) => { const x = toText(c[field]); return x !== undefined && x <= lit; };
    case "in": { const has = member(literals); return (c) => { const x = toText(c[field]); return x !== undefined && has(x); }; }
    case "not_in": { const has = member(literals); return (c) => { const x = toText(c[field]); return x !== undefined && !has(x); }; }
    case "like": { const m = compileLike(lit); return (c) => { const x = toText(c[field]); return x !== undefined && m(x); }; }
    case "not_like": { const m = compileLike(lit); return (c) => { const x = toText(c[field]); return x !== undefined && !m(x); }; }
  }
}

function bool(field: string, op: FieldOp, literals: readonly boolean[]): Condition {
  const lit = literals[0];
  const hasTrue = literals.includes(true);
  const hasFalse = literals.includes(false);
  switch (op) {
    case "eq": return (c) => toBool(c[field]) === lit;
    case "neq": return (c) => { const x = toBool(c[field]); return x !== undefined && x !== lit; };
    case "in": return (c) => { const x = toBool(c[field]); return x !== undefined && (x ? hasTrue : hasFalse); };
    case "not_in": return (c) => { const x = toBool(c[field]); return x !== undefined && !(x ? hasTrue : hasFalse); };
    default: throw new Error(`unreachable: ${op} on a bool`);
  }
}

function version(field: string, op: FieldOp, literals: readonly Semver[]): Condition {
  const lit = literals[0];
  // Parsing the attribute allocates; versions are rare next to strings and numbers.
  const cmp = (c: JsonObject): number => {
    const x = toSemver(c[field]);
    return x === undefined ? Number.NaN : compareSemver(x, lit);
  };
  switch (op) {
    case "eq": return (c) => cmp(c) === 0;
    case "neq": { return (c) => { const d = cmp(c); return d === d && d !== 0; }; }
    case "gt": return (c) => cmp(c) > 0;
    case "gte": return (c) => cmp(c) >= 0;
    case "lt": return (c) => cmp(c) < 0;
    case "lte": return (c) => cmp(c) <= 0;
    case "in":
    case "not_in": {
      // Equal precedence means equal key, so "1.0" is in ["1.0.0"] and build metadata is ignored.
      const has = member(literals.map(semverKey));
      const want = op === "in";
      return (c) => { const x = toSemver(c[field]); return x !== undefined && has(semverKey(x)) === want; };
    }
    default: throw new Error(`unreachable: ${op} on a semver`);
  }
}

/**
 * Compiles one field condition whose node has been validated: literals are coerced here, once,
 * so that evaluation only reads the attribute, coerces it and compares. A missing, null or
 * uncoercible attribute makes the condition false whatever the operator (SPEC §4).
 */
export function compileCondition(field: string, op: FieldOp, type: FieldType, values: readonly JsonValue[]): Condition {
  switch (type) {
    case "int": return numeric(field, op, values as number[], toInt);
    case "float": return numeric(field, op, values as number[], toFloat);
    case "string": return text(field, op, values as string[]);
    case "bool": return bool(field, op, values as boolean[]);
    case "semver": return version(field, op, values.map((v) => parseSemver(v as string) as Semver));
  }
}
