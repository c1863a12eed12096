// Validation of client input (SPEC §6 createExperiment): BAD_USER_INPUT naming the offending field.

import {
  KEY_PATTERN,
  MAX_VARIANTS,
  type VariantDefinition,
  validateGroup,
  validateKey,
  validateParams,
  validateServices,
  validateText,
  validateVariants,
} from "../../src/engine/definition";
import { DomainError } from "../../src/engine/errors";
import { expectBadInput } from "../helpers/domain-errors";

const badInput = expectBadInput;

describe("validateKey", () => {
  it("uses the pattern of SPEC §6", () => {
    expect(KEY_PATTERN.source).toBe("^[a-z0-9][a-z0-9_.-]{0,63}$");
  });

  it.each<[string, string]>([
    ["empty", ""],
    ["uppercase", "Checkout"],
    ["all caps", "ABC"],
    ["leading '-'", "-abc"],
    ["leading '_'", "_abc"],
    ["leading '.'", ".abc"],
    ["65 characters", "a".repeat(65)],
    ["5,000 characters", "k".repeat(5000)],
    ["a space", "a b"],
    ["a slash", "a/b"],
    ["a colon", "a:b"],
    ["non-ASCII", "ünï"],
    ["a trailing newline", "abc\n"],
    ["a leading newline", "\nabc"],
  ])("rejects %s", (_name, key) => {
    const e = badInput(() => validateKey("input.key", key));
    expect(e.details.field).toBe("input.key");
    expect(e.message.length).toBeLessThan(300); // a huge key is not echoed whole
  });

  it.each(["a", "0", "checkout_v2", "a.b-c_d", "9lives", "a".repeat(64), "x-"])("accepts %p", (key) => {
    expect(() => validateKey("input.key", key)).not.toThrow();
  });

  it("names the field it is given", () => {
    expect(badInput(() => validateKey("input.layer", "BAD")).details.field).toBe("input.layer");
  });
});

describe("validateGroup", () => {
  it.each([null, undefined, "grp_1"])("accepts %p", (group) => {
    expect(() => validateGroup("input.exclusionGroup", group)).not.toThrow();
  });

  it("validates a group like a key", () => {
    expect(badInput(() => validateGroup("input.exclusionGroup", "Grp")).details.field).toBe("input.exclusionGroup");
  });
});

const v = (key: string, weight = 1, extra: Partial<VariantDefinition> = {}): VariantDefinition => ({ key, weight, ...extra });

describe("validateVariants", () => {
  it.each<[string, VariantDefinition[], string]>([
    ["no variants", [], "input.variants"],
    ["more than MAX_VARIANTS", Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => v(`v${i}`)), "input.variants"],
    ["an empty key", [v("")], "input.variants[0].key"],
    ["a blank key", [v("a"), v("   ")], "input.variants[1].key"],
    ["a 65-character key", [v("k".repeat(65))], "input.variants[0].key"],
    ["a duplicate key at index 1", [v("control"), v("control")], "input.variants[1].key"],
    ["a duplicate key at index 2", [v("a"), v("b"), v("a")], "input.variants[2].key"],
    ["a negative weight", [v("a", -1)], "input.variants[0].weight"],
    ["a fractional weight", [v("a"), v("b", 1.5)], "input.variants[1].weight"],
    ["a NaN weight", [v("a", Number.NaN)], "input.variants[0].weight"],
    ["an infinite weight", [v("a", Number.POSITIVE_INFINITY)], "input.variants[0].weight"],
    ["params an array", [v("a", 1, { params: [1, 2] })], "input.variants[0].params"],
    ["params null", [v("a", 1, { params: null })], "input.variants[0].params"],
    ["params a string", [v("a"), v("b", 1, { params: "x" })], "input.variants[1].params"],
    ["vid 0", [v("a", 1, { vid: 0 })], "input.variants[0].vid"],
    ["a negative vid", [v("a", 1, { vid: -3 })], "input.variants[0].vid"],
    ["a fractional vid", [v("a", 1, { vid: 2.5 })], "input.variants[0].vid"],
    ["a duplicate vid at index 1", [v("a", 1, { vid: 7 }), v("b", 1, { vid: 7 })], "input.variants[1].vid"],
    ["the first fault wins", [v("a", -1), v("a")], "input.variants[0].weight"],
  ])("rejects %s → %s", (_name, variants, field) => {
    expect(badInput(() => validateVariants("input.variants", variants)).details.field).toBe(field);
  });

  it.each<[string, VariantDefinition[]]>([
    ["50/50", [v("control", 50), v("treatment", 50)]],
    ["one variant", [v("only")]],
    ["all weights zero (NO_VARIANT is a decision-time error)", [v("a", 0), v("b", 0)]],
    ["exactly MAX_VARIANTS", Array.from({ length: MAX_VARIANTS }, (_, i) => v(`v${i}`))],
    ["a 64-character key", [v("k".repeat(64))]],
    ["free-form variant keys", [v("Control Group"), v("ünïcødé")]],
    ["params objects", [v("a", 1, { params: {} }), v("b", 1, { params: { color: "red", nested: { n: [1] } } })]],
    ["explicit distinct vids and a null vid", [v("a", 1, { vid: 1 }), v("b", 1, { vid: 2 }), v("c", 1, { vid: null })]],
    ["GraphQL's largest Int weight", [v("a", 2_147_483_647)]],
  ])("accepts %s", (_name, variants) => {
    expect(() => validateVariants("input.variants", variants)).not.toThrow();
  });
});

describe("validateServices", () => {
  it.each<[string, string[], string]>([
    ["an empty name", ["ok", ""], "input.services[1]"],
    ["a leading '-'", ["-svc"], "input.services[0]"],
    ["a space", ["ranker svc"], "input.services[0]"],
    ["a slash", ["a/b"], "input.services[0]"],
    ["129 characters", ["s".repeat(129)], "input.services[0]"],
    ["a duplicate at index 2", ["a", "b", "a"], "input.services[2]"],
  ])("rejects %s → %s", (_name, services, field) => {
    expect(badInput(() => validateServices("input.services", services)).details.field).toBe(field);
  });

  it.each<[string, string[]]>([
    ["none", []],
    ["one", ["ranker_svc"]],
    ["mixed case, dots, colons, dashes", ["Ranker.SVC:v1-a", "web"]],
    ["128 characters", ["s".repeat(128)]],
  ])("accepts %s", (_name, services) => {
    expect(() => validateServices("input.services", services)).not.toThrow();
  });
});

describe("validateParams and validateText", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an array", []],
    ["a number", 1],
    ["a string", "{}"],
  ])("params %s is rejected", (_name, params) => {
    expect(badInput(() => validateParams("input.params", params)).details.field).toBe("input.params");
  });

  it("a params object is accepted", () => {
    expect(() => validateParams("input.params", { a: 1 })).not.toThrow();
  });

  it.each<[string, string | null | undefined, boolean]>([
    ["null", null, true],
    ["undefined", undefined, true],
    ["2,000 characters", "d".repeat(2000), true],
    ["2,001 characters", "d".repeat(2001), false],
  ])("text %s accepted: %p", (_name, text, ok) => {
    if (ok) expect(() => validateText("input.description", text)).not.toThrow();
    else expect(badInput(() => validateText("input.description", text)).details.field).toBe("input.description");
  });
});
