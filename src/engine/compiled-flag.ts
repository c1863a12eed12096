// A flag compiled once (SPEC §16): audiences as closures, every rule's variables merged and frozen, its
// salt encoded for the slot hasher, forced decisions indexed, and the answers that do not depend on the
// actor built ahead, so that a decision without `explain` allocates nothing unless an experiment serves.

import type { FlagDecision, FlagDefinition, FlagExperiment, FlagRuleType, ForcedDecisionRow } from "./flag-types";
import { DELIVERY_ON, DELIVERY_OFF } from "./flag-types";
import { deepFreeze, mergeParams } from "./params";
import { type CompiledRule, compileRule } from "./rules";
import { type SaltPrefix, type SlotHasher, saltPrefix } from "./slot-hasher";
import type { JsonObject } from "./types";

export interface CompiledFlagRule {
  readonly key: string;
  readonly type: FlagRuleType;
  readonly experiment: string | null;
  /** null: everyone. */
  readonly audience: CompiledRule | null;
  readonly traffic: number;
  readonly enabled: boolean;
  /** The flag's defaults deep-merged with the rule's variables, frozen. */
  readonly variables: JsonObject;
  /** `<flag key>:<rule key>`, the salt of the rule's slots. */
  readonly salt: string;
  readonly saltPrefix: SaltPrefix;
  /** Forced variations by actor; null when there are none (the common case costs one check). */
  readonly forced: ReadonlyMap<string, string> | null;
  /** The answer when the rule applies (ROLLOUT) and when it is forced on or off, without reasons. */
  readonly rollout: FlagDecision<never>;
  readonly forcedOn: FlagDecision<never>;
  readonly forcedOff: FlagDecision<never>;
}

export interface CompiledFlag {
  readonly key: string;
  readonly services: readonly string[];
  readonly enabled: boolean;
  readonly archived: boolean;
  readonly hashKey: string;
  /** The default variables, frozen. */
  readonly defaults: JsonObject;
  readonly rules: readonly CompiledFlagRule[];
  /** The index of the last DELIVERY rule ("everyone else"), -1 when there is none. */
  readonly lastDelivery: number;
  readonly hasher: SlotHasher;
  /** The DEFAULT answer without reasons. */
  readonly off: FlagDecision<never>;
  /**
   * A variant's params merged onto the defaults, by the params object: the wiring hands out the same
   * (snapshot-owned) object for a variant on every decision, so each merge is done once. Keyed weakly,
   * so params of experiments that changed since are collected with them.
   */
  readonly merged: WeakMap<JsonObject, JsonObject>;
}

/** A deep copy: freezing must not reach into objects the caller still owns (storage rows, inputs). */
const copyJson = (value: JsonObject): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

function decision(
  flag: string,
  enabled: boolean,
  variables: JsonObject,
  rule: string | null,
  variation: string | null,
  source: FlagDecision["source"],
): FlagDecision<never> {
  return Object.freeze({ flag, enabled, variables, rule, variation, source, reasons: null, experiment: null as FlagExperiment<never> | null });
}

/**
 * Compiles a flag with its forced decisions (rows of other flags, and of rules the flag no longer has,
 * are left out). `compile` is the rule compiler, e.g. a snapshot's `SharedRules.compile`, so that an
 * audience equal to an experiment's targeting rule is one closure.
 */
export function compileFlag(
  def: FlagDefinition,
  forcedRows: readonly ForcedDecisionRow[],
  hasher: SlotHasher,
  compile: (rule: JsonObject) => CompiledRule = compileRule,
): CompiledFlag {
  const defaults = deepFreeze(copyJson(def.variables));
  const forcedByRule = new Map<string, Map<string, string>>();
  for (const row of forcedRows) {
    if (row.flag !== def.key) continue;
    let byActor = forcedByRule.get(row.rule);
    if (byActor === undefined) forcedByRule.set(row.rule, (byActor = new Map()));
    byActor.set(row.actor, row.variation);
  }
  const rules = def.rules.map((r): CompiledFlagRule => {
    const variables = deepFreeze(mergeParams(defaults, copyJson(r.variables)));
    const salt = `${def.key}:${r.key}`;
    return {
      key: r.key,
      type: r.type,
      experiment: r.experiment,
      audience: r.audience === null ? null : compile(r.audience),
      traffic: r.traffic,
      enabled: r.enabled,
      variables,
      salt,
      saltPrefix: saltPrefix(salt),
      forced: forcedByRule.get(r.key) ?? null,
      rollout: decision(def.key, r.enabled, variables, r.key, DELIVERY_ON, "ROLLOUT"),
      forcedOn: decision(def.key, r.enabled, variables, r.key, DELIVERY_ON, "FORCED"),
      forcedOff: decision(def.key, false, defaults, r.key, DELIVERY_OFF, "FORCED"),
    };
  });
  let lastDelivery = -1;
  rules.forEach((r, i) => {
    if (r.type === "DELIVERY") lastDelivery = i;
  });
  return {
    key: def.key,
    services: Object.freeze([...def.services]),
    enabled: def.enabled,
    archived: def.archived,
    hashKey: def.hashKey,
    defaults,
    rules,
    lastDelivery,
    hasher,
    off: decision(def.key, false, defaults, null, null, "DEFAULT"),
    merged: new WeakMap(),
  };
}

/** The defaults deep-merged with a variant's params, frozen, computed once per params object. */
export function variantVariables(flag: CompiledFlag, params: JsonObject): JsonObject {
  let merged = flag.merged.get(params);
  if (merged === undefined) {
    merged = deepFreeze(mergeParams(flag.defaults, copyJson(params)));
    flag.merged.set(params, merged);
  }
  return merged;
}
