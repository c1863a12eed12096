// Feature flags (SPEC §16): the domain types and the validation of what a client may write,
// with the JSON path of each fault (as definition.ts does for experiments).

import { isJsonObject, validateKey, validateParams } from "./definition";
import { DomainError, badInput } from "./errors";
import { SLOTS_PER_LAYER } from "./hashing";
import { validateRule } from "./rules";
import { FLAG_RULE_TYPES, type FlagDefinition, type FlagRuleType, type FlagRuleDefinition, type ForcedDecisionRow } from "./flag-types";
import type { JsonObject, JsonValue } from "./types";

/** One rule of a flag, as stored and as the engine compiles it (experiment rules first is the client's choice, not enforced). */
export type FlagRule = FlagRuleDefinition;

/** A flag as stored: what the engine compiles, plus what only people read. */
export interface Flag extends FlagDefinition {
  readonly description: string | null;
  readonly rules: readonly FlagRule[];
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A pinned answer for one actor at one rule of one flag. */
export type ForcedDecision = ForcedDecisionRow;

const isRuleType = (type: string): type is FlagRuleType => (FLAG_RULE_TYPES as readonly string[]).includes(type);

/** A rule as a client writes it: omitted (or null) fields take their defaults. */
export interface FlagRuleSpec {
  readonly key: string;
  readonly type: string;
  readonly experiment?: string | null;
  readonly audience?: JsonValue | null;
  readonly traffic?: number | null;
  readonly enabled?: boolean | null;
  readonly variables?: JsonValue | null;
}

/** What an EXPERIMENT rule may name: the experiment's variant keys, and whether it is archived. */
export interface NamedExperiment {
  readonly archived: boolean;
  readonly variants: readonly string[];
}

export const MAX_FLAG_RULES = 100;
/** As `assign`'s actors: forced decisions name the same identities. */
export const MAX_FORCED_ACTOR = 512;
const MAX_HASH_KEY = 128;
export const DELIVERY_VARIATIONS: readonly string[] = ["on", "off"];

export function validateVariables(field: string, variables: unknown): void {
  if (!isJsonObject(variables)) throw badInput(field, "variables must be a JSON object");
  validateParams(field, variables);
}

export function validateHashKey(field: string, hashKey: string): void {
  if (hashKey.trim() === "" || hashKey.length > MAX_HASH_KEY) throw badInput(field, `hashKey must be 1-${MAX_HASH_KEY} characters, not blank`);
}

/**
 * The static checks of a rule list (everything but which experiments exist), the rules normalized
 * with their defaults. `path` names the list: `input.rules` → `input.rules[2].traffic`.
 */
export function validateFlagRules(path: string, rules: readonly FlagRuleSpec[]): FlagRule[] {
  if (rules.length > MAX_FLAG_RULES) throw badInput(path, `a flag may have at most ${MAX_FLAG_RULES} rules`);
  const seen = new Set<string>();
  return rules.map((rule, i) => {
    const at = `${path}[${i}]`;
    // KEY_PATTERN has no ":", so a delivery rule's salt `<flag>:<rule>` names one rule only.
    validateKey(`${at}.key`, rule.key);
    if (seen.has(rule.key)) throw badInput(`${at}.key`, `rule key "${rule.key}" is used twice`);
    seen.add(rule.key);
    if (!isRuleType(rule.type)) throw badInput(`${at}.type`, `type must be ${FLAG_RULE_TYPES.join(" or ")}`);
    // A rule of §4 is a JSON object; anything else is refused at the audience's path.
    validateRule(`${at}.audience`, rule.audience);
    const traffic = rule.traffic ?? SLOTS_PER_LAYER;
    const enabled = rule.enabled ?? true;
    const variables = rule.variables ?? {};
    validateVariables(`${at}.variables`, variables);
    if (rule.type === "EXPERIMENT") {
      if (rule.experiment == null) throw badInput(`${at}.experiment`, "an EXPERIMENT rule names an experiment");
      if (traffic !== SLOTS_PER_LAYER) throw badInput(`${at}.traffic`, "an EXPERIMENT rule has no traffic of its own: the experiment's slots decide");
      if (!enabled) throw badInput(`${at}.enabled`, "an EXPERIMENT rule that applies serves enabled: true; remove the rule instead");
      if (Object.keys(variables as JsonObject).length > 0) throw badInput(`${at}.variables`, "an EXPERIMENT rule has no variables of its own: the variant's params are served");
    } else {
      if (rule.experiment != null) throw badInput(`${at}.experiment`, "a DELIVERY rule names no experiment");
      if (!Number.isInteger(traffic) || traffic < 0 || traffic > SLOTS_PER_LAYER) {
        throw badInput(`${at}.traffic`, `traffic must be an integer in [0, ${SLOTS_PER_LAYER}]`);
      }
    }
    return {
      key: rule.key,
      type: rule.type,
      experiment: rule.type === "EXPERIMENT" ? rule.experiment! : null,
      audience: (rule.audience as JsonObject | null | undefined) ?? null,
      traffic,
      enabled,
      variables: variables as JsonObject,
    };
  });
}

/**
 * The experiments EXPERIMENT rules name must exist and not be archived (`find` looks one up;
 * undefined: no such experiment). Both faults are bad input at `<path>[i].experiment`: ARCHIVED
 * is kept for changes to an archived flag itself.
 */
export function validateRuleExperiments(path: string, rules: readonly FlagRule[], find: (key: string) => NamedExperiment | undefined): void {
  rules.forEach((rule, i) => {
    if (rule.type !== "EXPERIMENT") return;
    const experiment = find(rule.experiment!);
    const at = `${path}[${i}].experiment`;
    if (!experiment) throw badInput(at, `experiment "${rule.experiment}" not found`);
    if (experiment.archived) throw badInput(at, `experiment "${rule.experiment}" is archived and cannot be named`);
  });
}

export function validateForcedActor(actor: string): void {
  if (actor === "" || actor.length > MAX_FORCED_ACTOR) throw badInput("actor", `actor must be 1-${MAX_FORCED_ACTOR} characters`);
  if (actor.includes("\u0000")) throw badInput("actor", "actor must not contain a NUL character");
}

/**
 * A forced variation at `rule`: for an EXPERIMENT rule one of its experiment's variant keys
 * (`variants`; NO_VARIANT otherwise), for a DELIVERY rule `on` or `off`.
 */
export function validateForcedVariation(flag: string, rule: FlagRule, variation: string, variants: readonly string[]): void {
  if (rule.type === "DELIVERY") {
    if (!DELIVERY_VARIATIONS.includes(variation)) {
      throw badInput("variation", `a DELIVERY rule is forced "on" or "off", not "${variation.slice(0, 80)}"`);
    }
    return;
  }
  if (!variants.includes(variation)) {
    throw new DomainError("NO_VARIANT", `"${variation.slice(0, 80)}" is not a variant of experiment "${rule.experiment}" (rule "${rule.key}" of flag "${flag}")`, {
      field: "variation",
      key: flag,
    });
  }
}

/** Whether a forced decision made for `before` still means the same at `after` (same type and experiment). */
export function forcedDecisionSurvives(before: FlagRule, after: FlagRule | undefined): boolean {
  return after !== undefined && after.type === before.type && after.experiment === before.experiment;
}
