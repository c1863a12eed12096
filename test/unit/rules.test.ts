// Targeting rules (SPEC §4): the golden table of test/fixtures/cases.json, and the limits.

import { DomainError } from "../../src/engine/errors";
import { compileRule, MAX_RULE_DEPTH, MAX_RULE_NODES, validateRule } from "../../src/engine/rules";
import type { JsonObject, JsonValue } from "../../src/engine/types";
import { cases } from "./cases";
import { expectBadInput } from "../helpers/domain-errors";

const badInput = expectBadInput;

const field = (name: string, op: string, values: JsonValue[], fieldType?: string): JsonObject =>
  fieldType === undefined ? { type: "field", field: name, op, values } : { type: "field", field: name, op, values, fieldType };

/** `depth` nodes along one path: depth − 1 nots over `a eq 1`, built without recursion. */
function notChain(depth: number): JsonObject {
  let node = field("a", "eq", [1]);
  for (let i = 1; i < depth; i++) node = { type: "not", child: node };
  return node;
}

const SPEC_EXAMPLE: JsonObject = {
  type: "and",
  children: [
    field("country", "eq", ["US"]),
    field("age", "gte", [18]),
    { type: "not", child: field("app_version", "lt", ["2.1.0"], "semver") },
  ],
};

describe("the golden table", () => {
  it("has the cases SPEC §4 asks for", () => {
    expect(cases.rules.length).toBeGreaterThanOrEqual(110);
    expect(cases.invalidRules.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.rules)("$name → $expected", ({ rule, context, expected }) => {
    expect(compileRule(rule)(context)).toBe(expected);
  });

  it.each(cases.invalidRules)("rejects $name at $field", ({ rule, field: at }) => {
    expect(badInput(() => validateRule("rule", rule)).details.field).toBe(at);
    // compileRule validates with the same root
    expect(badInput(() => compileRule(rule as JsonObject)).details.field).toBe(at);
  });
});

describe("validateRule", () => {
  it.each([null, undefined])("accepts %p: no rule targets everyone", (rule) => {
    expect(() => validateRule("input.rule", rule)).not.toThrow();
    expect(compileRule(null)({})).toBe(true);
  });

  it("builds paths on the prefix it is given", () => {
    const rule = { type: "and", children: [field("country", "eq", ["US"]), field("age", "gte", ["x"], "int")] };
    expect(badInput(() => validateRule("input.rule", rule)).details.field).toBe("input.rule.children[1].values[0]");
    expect(badInput(() => validateRule("input.rule", { type: "nope" })).details.field).toBe("input.rule.type");
    expect(badInput(() => validateRule("input.rule", { type: "not", child: field("a", "xx", [1]) })).details.field).toBe(
      "input.rule.child.op",
    );
  });

  it("accepts the SPEC example", () => {
    expect(() => validateRule("input.rule", SPEC_EXAMPLE)).not.toThrow();
  });

  it(`accepts depth exactly ${MAX_RULE_DEPTH} and rejects ${MAX_RULE_DEPTH + 1} at the first too-deep node`, () => {
    expect(MAX_RULE_DEPTH).toBe(32);
    const ok = notChain(32);
    expect(() => validateRule("rule", ok)).not.toThrow();
    // 31 nots over a true condition
    expect(compileRule(ok)({ a: 1 })).toBe(false);
    expect(badInput(() => validateRule("rule", notChain(33))).details.field).toBe(`rule${".child".repeat(32)}`);
  });

  it("counts depth through and/or too", () => {
    const chain = (depth: number): JsonObject => {
      let node = field("a", "eq", [1]);
      for (let i = 1; i < depth; i++) node = { type: i % 2 ? "and" : "or", children: [node] };
      return node;
    };
    expect(compileRule(chain(32))({ a: 1 })).toBe(true);
    expect(badInput(() => validateRule("input.rule", chain(33))).details.field).toBe(
      `input.rule${".children[0]".repeat(32)}`,
    );
  });

  it(`accepts ${MAX_RULE_NODES} nodes and rejects ${MAX_RULE_NODES + 1} at the root`, () => {
    expect(MAX_RULE_NODES).toBe(1000);
    const wide = (children: number): JsonObject => ({
      type: "or",
      children: Array.from({ length: children }, (_, i) => field("n", "eq", [i])),
    });
    const ok = wide(999);
    expect(() => validateRule("rule", ok)).not.toThrow();
    expect(compileRule(ok)({ n: 998 })).toBe(true);
    expect(badInput(() => validateRule("input.rule", wide(1000))).details.field).toBe("input.rule");
  });

  it("counts nodes across the whole tree, not per level", () => {
    // or of 10 ands of 99 fields: 1 + 10 × (1 + 99) = 1,001 nodes, each level small
    const tree = (perAnd: number): JsonObject => ({
      type: "or",
      children: Array.from({ length: 10 }, () => ({
        type: "and",
        children: Array.from({ length: perAnd }, () => field("x", "eq", [1])),
      })),
    });
    expect(() => validateRule("rule", tree(98))).not.toThrow();
    expect(badInput(() => validateRule("rule", tree(99))).details.field).toBe("rule");
  });

  it("rejects a 100,000-deep rule without overflowing the stack", () => {
    const deep = notChain(100_000);
    expect(badInput(() => validateRule("rule", deep)).details.field).toBe(`rule${".child".repeat(32)}`);
    expect(badInput(() => compileRule(deep)).details.field).toBe(`rule${".child".repeat(32)}`);
  });

  it("rejects a million children at the root without walking them", () => {
    const huge = { type: "and", children: new Array<JsonValue>(1_000_000).fill(field("a", "eq", [1])) };
    expect(badInput(() => validateRule("rule", huge)).details.field).toBe("rule");
  });

  it("does not echo a huge unknown key whole", () => {
    const key = "k".repeat(10_000);
    const e = badInput(() => validateRule("rule", { ...field("a", "eq", [1]), [key]: 1 }));
    expect(e.details.field).toBe(`rule.${key}`);
    expect(e.message.length).toBeLessThan(300);
  });
});

describe("compileRule", () => {
  it("is compiled once and reusable on many contexts", () => {
    const rule = compileRule(SPEC_EXAMPLE);
    const countries = ["US", "CA", "FR"];
    const versions = ["2.0.0", "2.1.0-rc.1", "2.1.0", "2.10.0", undefined];
    for (let i = 0; i < 2_000; i++) {
      const country = countries[i % 3];
      const age = i % 40;
      const version = versions[i % 5];
      const context: JsonObject = version === undefined ? { country, age } : { country, age, app_version: version };
      const old = version === "2.0.0" || version === "2.1.0-rc.1";
      expect(rule(context)).toBe(country === "US" && age >= 18 && !old);
    }
  });

  it("keeps no reference to the rule it compiled", () => {
    const values: JsonValue[] = ["US"];
    const json: JsonObject = { type: "and", children: [field("country", "in", values)] };
    const rule = compileRule(json);
    values[0] = "CA";
    (json.children as JsonValue[]).push(field("never", "eq", [1]));
    expect(rule({ country: "US" })).toBe(true);
    expect(rule({ country: "CA" })).toBe(false);
  });

  it("answers the same for short lists and Set-backed long lists", () => {
    for (const size of [1, 7, 8, 9, 10, 50]) {
      const listed = Array.from({ length: size }, (_, i) => i * 3);
      const isIn = compileRule(field("n", "in", listed));
      const notIn = compileRule(field("n", "not_in", listed));
      for (let n = -2; n < size * 3 + 2; n++) {
        const expected = n >= 0 && n % 3 === 0 && n < size * 3;
        expect([size, n, isIn({ n })]).toEqual([size, n, expected]);
        expect([size, n, notIn({ n })]).toEqual([size, n, !expected]);
        expect(isIn({ n: String(n) })).toBe(expected);
      }
      expect(notIn({})).toBe(false);
    }
  });

  it("does not read through the prototype for a missing attribute", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(compileRule(field(name, "neq", ["x"]))({})).toBe(false);
      expect(compileRule(field(name, "not_in", ["x"]))({})).toBe(false);
      expect(compileRule({ type: "not", child: field(name, "eq", ["x"]) })({})).toBe(true);
    }
  });
});

describe("like", () => {
  it.each([".", "+", "?", "(", ")", "[", "]", "{", "}", "^", "$", "|", "/", "-"])(
    "treats %p as a literal character",
    (ch) => {
      const exact = compileRule(field("s", "like", [`a${ch}b`]));
      expect(exact({ s: `a${ch}b` })).toBe(true);
      expect(exact({ s: "axb" })).toBe(false);
      expect(exact({ s: `a${ch}${ch}b` })).toBe(false);
      const around = compileRule(field("s", "like", [`*${ch}*`]));
      expect(around({ s: `left${ch}right` })).toBe(true);
      expect(around({ s: "leftright" })).toBe(false);
    },
  );

  it("gives a backslash meaning only before a star or a backslash", () => {
    const like = (pattern: string, s: string) => compileRule(field("s", "like", [pattern]))({ s });
    expect(like("a\\*", "a*")).toBe(true); // \* is a literal star
    expect(like("a\\*", "ab")).toBe(false);
    expect(like("a\\\\*", "a\\tmp")).toBe(true); // \\ is one backslash, then a wildcard
    expect(like("a\\\\", "a\\")).toBe(true);
    expect(like("a\\\\", "a\\\\")).toBe(false);
    expect(like("a\\b", "a\\b")).toBe(true); // elsewhere a backslash is itself
    expect(like("a\\", "a\\")).toBe(true); // also at the end
  });

  it("treats regex syntax as text", () => {
    const rule = compileRule(field("s", "like", ["^(a|b)+.*$"]));
    expect(rule({ s: "^(a|b)+.*$" })).toBe(true);
    expect(rule({ s: "aaa" })).toBe(false);
    expect(rule({ s: "^(a|b)+.Z$" })).toBe(true); // only the star is a wildcard
  });

  it("matches a pathological pattern on a long value without backtracking blow-up", () => {
    const rule = compileRule(field("s", "like", ["*a*a*a*a*a*a*a*a*a*a*b"]));
    expect(rule({ s: "a".repeat(100_000) })).toBe(false);
    expect(rule({ s: `${"a".repeat(100_000)}b` })).toBe(true);
  });
});
