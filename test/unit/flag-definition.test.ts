// Validation of flag input (SPEC §16): rules normalized with their defaults, faults at their JSON
// paths, forced variations by rule type, and which forced decisions survive a change of rules.

import {
  type FlagRule,
  forcedDecisionSurvives,
  validateFlagRules,
  validateForcedVariation,
  validateRuleExperiments,
} from "../../src/engine/flag-definition";
import { expectBadInput, expectDomainError } from "../helpers/domain-errors";

const rule = (over: Partial<FlagRule> = {}): FlagRule => ({
  key: "r", type: "DELIVERY", experiment: null, audience: null, traffic: 10_000, enabled: true, variables: {}, ...over,
});

describe("validateFlagRules", () => {
  it("fills the defaults of omitted and null fields, keeping the order", () => {
    const rules = validateFlagRules("rules", [
      { key: "ab", type: "EXPERIMENT", experiment: "exp" },
      { key: "beta", type: "DELIVERY", traffic: 0, enabled: false, variables: { a: 1 }, audience: { type: "field", field: "x", op: "eq", values: [1] } },
      { key: "all", type: "DELIVERY", traffic: null, enabled: null, variables: null, audience: null, experiment: null },
    ]);
    expect(rules).toEqual([
      rule({ key: "ab", type: "EXPERIMENT", experiment: "exp" }),
      rule({ key: "beta", traffic: 0, enabled: false, variables: { a: 1 }, audience: { type: "field", field: "x", op: "eq", values: [1] } }),
      rule({ key: "all" }),
    ]);
  });

  it.each<[string, unknown[], string]>([
    ["an unknown type", [{ key: "a", type: "ROLLOUT" }], "rules[0].type"],
    ["a fractional traffic", [{ key: "a", type: "DELIVERY", traffic: 1.5 }], "rules[0].traffic"],
    ["a second rule of the same key", [{ key: "a", type: "DELIVERY" }, { key: "a", type: "DELIVERY" }], "rules[1].key"],
    ["an audience that is a string", [{ key: "a", type: "DELIVERY", audience: "everyone" }], "rules[0].audience"],
  ])("refuses %s at its path", (_what, rules, field) => {
    expect(expectBadInput(() => validateFlagRules("rules", rules as never)).details.field).toBe(field);
  });
});

describe("validateRuleExperiments", () => {
  const rules = [rule({ key: "d" }), rule({ key: "e", type: "EXPERIMENT", experiment: "exp" })];
  it("passes an existing experiment that is not archived, and never asks about DELIVERY rules", () => {
    const asked: string[] = [];
    validateRuleExperiments("input.rules", rules, (key) => (asked.push(key), { archived: false, variants: ["a"] }));
    expect(asked).toEqual(["exp"]);
  });

  it.each([
    ["unknown", undefined],
    ["archived", { archived: true, variants: ["a"] }],
  ])("refuses an %s experiment as bad input at its rule's experiment", (_what, found) => {
    expect(expectBadInput(() => validateRuleExperiments("input.rules", rules, () => found)).details.field).toBe("input.rules[1].experiment");
  });
});

describe("validateForcedVariation", () => {
  const experimentRule = rule({ type: "EXPERIMENT", experiment: "exp" });
  it("takes on and off at a DELIVERY rule, a variant key at an EXPERIMENT rule", () => {
    for (const v of ["on", "off"]) validateForcedVariation("f", rule(), v, []);
    validateForcedVariation("f", experimentRule, "b", ["a", "b"]);
  });

  it("refuses anything else: BAD_USER_INPUT at DELIVERY, NO_VARIANT at EXPERIMENT, both at variation", () => {
    expect(expectBadInput(() => validateForcedVariation("f", rule(), "a", ["a"])).details.field).toBe("variation");
    expect(expectDomainError(() => validateForcedVariation("f", experimentRule, "on", ["a", "b"]), "NO_VARIANT").details.field).toBe("variation");
  });
});

describe("forcedDecisionSurvives", () => {
  const before = rule({ type: "EXPERIMENT", experiment: "exp" });
  it.each<[string, boolean, FlagRule | undefined]>([
    ["the same rule with another audience", true, { ...before, audience: { type: "not", child: { type: "field", field: "x", op: "eq", values: [1] } } }],
    ["the rule removed", false, undefined],
    ["another experiment", false, { ...before, experiment: "other" }],
    ["another type", false, rule()],
  ])("%s → survives: %p", (_what, survives, after) => {
    expect(forcedDecisionSurvives(before, after)).toBe(survives);
  });
});
