// Targeting rules (SPEC §4): the node grammar, its validation, and compilation into one closure.

import { type Condition, compileCondition, FIELD_OPS, FIELD_TYPES, type FieldOp, type FieldType, takesList, unsupported } from "./conditions";
import { isJsonObject } from "./definition";
import { badInput } from "./errors";
import { parseSemver } from "./semver";
import type { JsonObject, JsonValue } from "./types";

/** A compiled targeting rule: true when the context is targeted. Reusable and side-effect free. */
export type CompiledRule = (context: JsonObject) => boolean;

/** Nodes along the longest path, the root counting 1. */
export const MAX_RULE_DEPTH = 32;
/** Every node counts, logic and field alike. */
export const MAX_RULE_NODES = 1_000;

const NODE_TYPES = ["field", "and", "or", "not"] as const;
type NodeType = (typeof NODE_TYPES)[number];

// Unknown keys are errors, not ignored: a typo such as "fieldtype" or "value" must not silently
// change who is targeted (the type would be inferred, or the values missing).
const KEYS: Record<NodeType, readonly string[]> = {
  field: ["type", "field", "op", "values", "fieldType"],
  and: ["type", "children"],
  or: ["type", "children"],
  not: ["type", "child"],
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const keyPath = (at: string, key: string): string => (IDENTIFIER.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`);

const oneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === "string" && (list as readonly string[]).includes(v);
const listed = (list: readonly string[]): string => list.join(", ");

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * The field type of a field node: its `fieldType`, or else inferred from its values (all
 * integers → int, any non-integer number → float, booleans → bool, strings → string; never
 * semver, which must be asked for). Throws on values that admit no inference.
 */
function fieldTypeOf(at: string, node: Record<string, unknown>, values: readonly unknown[]): FieldType {
  const given = node.fieldType;
  // null reads as absent, as it does for the rule itself.
  if (given != null) {
    if (!oneOf(FIELD_TYPES, given)) throw badInput(`${at}.fieldType`, `fieldType must be one of ${listed(FIELD_TYPES)}`);
    return given;
  }
  const kind = kindOf(values[0]);
  let float = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const k = kindOf(v);
    if (k !== "number" && k !== "string" && k !== "boolean") {
      throw badInput(`${at}.values[${i}]`, `a value must be a string, number or boolean, not ${k}`);
    }
    if (k !== kind) {
      throw badInput(`${at}.values[${i}]`, `values mix ${kind} and ${k}: the field type cannot be inferred`);
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw badInput(`${at}.values[${i}]`, "a number must be finite");
      if (!Number.isInteger(v)) float = true;
    }
  }
  if (kind === "number") return float ? "float" : "int";
  return kind === "boolean" ? "bool" : "string";
}

/** Why a literal does not fit a given field type, or null when it does. */
function misfit(type: FieldType, v: unknown): string | null {
  switch (type) {
    case "string": return typeof v === "string" ? null : "must be a string";
    case "int": return Number.isInteger(v) ? null : "must be an integer";
    case "float": return typeof v === "number" && Number.isFinite(v) ? null : "must be a finite number";
    case "bool": return typeof v === "boolean" ? null : "must be true or false";
    case "semver":
      return typeof v === "string" && parseSemver(v) !== null
        ? null
        : "must be a version string: [v]MAJOR[.MINOR[.PATCH]][-pre][+build]";
  }
}

function validateField(at: string, node: Record<string, unknown>): void {
  if (typeof node.field !== "string" || node.field.length === 0) {
    throw badInput(`${at}.field`, "field must be a non-empty attribute name");
  }
  const op = node.op;
  if (!oneOf(FIELD_OPS, op)) {
    const hint = oneOf(NODE_TYPES, op) ? `: "${op}" is a node type, write {"type":"${op}",…}` : "";
    throw badInput(`${at}.op`, `op must be one of ${listed(FIELD_OPS)}${hint}`);
  }
  const values = node.values;
  if (!Array.isArray(values)) throw badInput(`${at}.values`, "values must be an array");
  if (takesList(op) ? values.length === 0 : values.length !== 1) {
    throw badInput(`${at}.values`, `"${op}" takes ${takesList(op) ? "one or more values" : "exactly one value"}`);
  }
  const type = fieldTypeOf(at, node, values);
  const reason = unsupported(op, type);
  if (reason !== null) throw badInput(`${at}.op`, reason);
  values.forEach((v, i) => {
    const why = misfit(type, v);
    if (why !== null) throw badInput(`${at}.values[${i}]`, `a ${type} value ${why}`);
  });
}

/** Validates one node's own keys and returns the nodes directly below it, in document order. */
function validateNode(at: string, node: unknown): { below: readonly unknown[]; single: boolean } {
  if (!isJsonObject(node)) throw badInput(at, "a rule node must be a JSON object");
  const type = node.type;
  if (!oneOf(NODE_TYPES, type)) throw badInput(`${at}.type`, `type must be one of ${listed(NODE_TYPES)}`);
  const allowed = KEYS[type];
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) {
      throw badInput(keyPath(at, key), `unknown key "${key.slice(0, 80)}" on a ${type} node (allowed: ${listed(allowed)})`);
    }
  }
  switch (type) {
    case "field":
      validateField(at, node);
      return { below: [], single: false };
    case "not":
      if (node.child === undefined) throw badInput(`${at}.child`, `a not node takes exactly one rule in "child"`);
      return { below: [node.child], single: true };
    case "and":
    case "or": {
      const children = node.children;
      if (!Array.isArray(children) || children.length === 0) {
        throw badInput(`${at}.children`, `an ${type} node takes an array of one or more rules in "children"`);
      }
      return { below: children, single: false };
    }
  }
}

/**
 * Validates a targeting rule as written by a client. null or undefined is valid: no rule targets
 * everyone. Throws BAD_USER_INPUT whose field is the JSON path of the first fault in document
 * order, built on `path` (`validateRule("input.rule", r)` → `input.rule.children[1].values[0]`);
 * a rule over MAX_RULE_NODES nodes is faulted at `path` itself. Iterative and bounded: a rule
 * 100,000 levels deep is refused at depth 33 without recursion.
 */
export function validateRule(path: string, rule: unknown): void {
  if (rule == null) return;
  const stack: { path: string; node: unknown; depth: number }[] = [{ path, node: rule, depth: 1 }];
  let seen = 0;
  while (stack.length > 0) {
    const item = stack.pop() as { path: string; node: unknown; depth: number };
    if (item.depth > MAX_RULE_DEPTH) throw badInput(item.path, `a rule may nest at most ${MAX_RULE_DEPTH} levels deep`);
    seen++;
    const { below, single } = validateNode(item.path, item.node);
    // Counting what is queued refuses a huge children array before walking it.
    if (seen + stack.length + below.length > MAX_RULE_NODES) {
      throw badInput(path, `a rule may have at most ${MAX_RULE_NODES} nodes`);
    }
    for (let i = below.length - 1; i >= 0; i--) {
      const at = single ? `${item.path}.child` : `${item.path}.children[${i}]`;
      stack.push({ path: at, node: below[i], depth: item.depth + 1 });
    }
  }
}

const everyone: CompiledRule = () => true;

function compileNode(node: JsonObject): Condition {
  switch (node.type as NodeType) {
    case "not": {
      const child = compileNode(node.child as JsonObject);
      return (c) => !child(c);
    }
    case "and":
    case "or": {
      const parts = (node.children as JsonObject[]).map(compileNode);
      if (parts.length === 1) return parts[0];
      const [a, b, d] = parts;
      // The usual two- and three-condition rules skip the loop.
      if (node.type === "and") {
        if (parts.length === 2) return (c) => a(c) && b(c);
        if (parts.length === 3) return (c) => a(c) && b(c) && d(c);
        return (c) => {
          for (let i = 0; i < parts.length; i++) if (!parts[i](c)) return false;
          return true;
        };
      }
      if (parts.length === 2) return (c) => a(c) || b(c);
      if (parts.length === 3) return (c) => a(c) || b(c) || d(c);
      return (c) => {
        for (let i = 0; i < parts.length; i++) if (parts[i](c)) return true;
        return false;
      };
    }
    case "field": {
      const values = node.values as JsonValue[];
      const type = fieldTypeOf("rule", node, values);
      return compileCondition(node.field as string, node.op as FieldOp, type, values);
    }
  }
}

/**
 * Validates a rule (faults named from the root `rule`) and compiles it once into a closure:
 * literals are coerced, `like` patterns and versions parsed, long `in` lists turned into Sets
 * here, so that evaluating it allocates nothing for string, number and bool fields. The closure
 * keeps no reference to `rule`; later changes to that object do not affect it. null targets
 * everyone.
 */
export function compileRule(rule: JsonObject | null): CompiledRule {
  validateRule("rule", rule);
  return rule == null ? everyone : compileNode(rule);
}
