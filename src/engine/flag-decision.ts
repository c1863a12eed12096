// The decision for one flag and one context, step by step as SPEC §16 lists it (Optimizely's
// getVariationForFeature: experiment rules, delivery rules, "everyone else", forced decisions first).

import { actorOf, bucketingIdOf, MAX_ACTOR_LENGTH } from "./actor";
import { type CompiledFlag, type CompiledFlagRule, variantVariables } from "./compiled-flag";
import { DELIVERY_OFF, DELIVERY_ON, type ExperimentServed, type FlagDecision, type FlagEnv } from "./flag-types";
import { SLOTS_PER_LAYER } from "./hashing";
import type { JsonObject } from "./types";

/** A prebuilt answer, with this decision's reasons when it has any (the prebuilt one is shared and frozen). */
function withReasons<E extends ExperimentServed>(prebuilt: FlagDecision<never>, reasons: string[] | null): FlagDecision<E> {
  return reasons === null ? prebuilt : { ...prebuilt, reasons };
}

/**
 * Decides `flag` for `context`; never throws. EXPERIMENT rules ask `env` (the engine knows no
 * experiment storage); everything else is the compiled flag's.
 */
export function decideFlag<E extends ExperimentServed>(flag: CompiledFlag, context: JsonObject, env: FlagEnv<E>): FlagDecision<E> {
  const reasons: string[] | null = env.explain ? [] : null;

  // 1. The kill switch and archiving turn the flag off before any rule is looked at.
  if (flag.archived || !flag.enabled) {
    reasons?.push(`1. flag "${flag.key}" is ${flag.archived ? "archived" : "disabled (kill switch)"}: off, default variables.`);
    return withReasons(flag.off, reasons);
  }
  reasons?.push(`1. flag "${flag.key}" is enabled.`);

  // 2. Who is decided: the hash-key attribute. An over-long one is refused by the caller (as `decide`
  // refuses it); should one reach here, it is no actor rather than an identity no row could store.
  const actor = actorOf(context, flag.hashKey);
  if (actor === undefined || actor.length > MAX_ACTOR_LENGTH) {
    reasons?.push(
      actor === undefined
        ? `2. the context has no "${flag.hashKey}": off, default variables.`
        : `2. "${flag.hashKey}" is longer than ${MAX_ACTOR_LENGTH} characters: off, default variables.`,
    );
    return withReasons(flag.off, reasons);
  }
  const bucketing = bucketingIdOf(context);
  reasons?.push(bucketing === undefined ? `2. actor "${actor}".` : `2. actor "${actor}", slots from bucketing id "${bucketing}".`);

  // 3. The rules in order; a forced decision for (rule, actor) decides its rule before it is evaluated.
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const forced = rule.forced === null ? undefined : rule.forced.get(actor);
    if (forced !== undefined) {
      const decided = decideForced(flag, rule, actor, forced, env, reasons);
      if (decided !== null) return decided;
    }
    if (rule.type === "EXPERIMENT") {
      const decided = decideExperimentRule(flag, rule, actor, context, env, reasons);
      if (decided !== null) return decided;
      continue;
    }
    const at = reasons === null ? "" : `3. rule "${rule.key}" (DELIVERY${i === flag.lastDelivery ? ", everyone else" : ""})`;
    if (rule.audience !== null && !rule.audience(context)) {
      reasons?.push(`${at}: the audience does not hold: next rule.`);
      continue;
    }
    // A rule at full traffic serves every slot: without reasons to give, its slot is not worth a hash.
    if (rule.traffic >= SLOTS_PER_LAYER && reasons === null) return rule.rollout;
    const slot = flag.hasher.slot(rule.saltPrefix, bucketing === undefined ? actor : bucketing);
    if (slot < rule.traffic) {
      reasons?.push(`${at}: ${audienceSaid(rule)}; slot ${slot} (salt "${rule.salt}") is below traffic ${rule.traffic}: applies, enabled ${rule.enabled}.`);
      return withReasons(rule.rollout, reasons);
    }
    if (i === flag.lastDelivery) {
      reasons?.push(`${at}: ${audienceSaid(rule)}; slot ${slot} (salt "${rule.salt}") is not below traffic ${rule.traffic}: no further rule.`);
      break;
    }
    // Outside this rule's traffic: only "everyone else" is left to try (rules between are skipped).
    reasons?.push(
      `${at}: ${audienceSaid(rule)}; slot ${slot} (salt "${rule.salt}") is not below traffic ${rule.traffic}: ` +
        `skipping to the last delivery rule "${rules[flag.lastDelivery]!.key}".`,
    );
    i = flag.lastDelivery - 1;
  }

  // 4. Nothing applied.
  reasons?.push("4. no rule applies: off, default variables.");
  return withReasons(flag.off, reasons);
}

function audienceSaid(rule: CompiledFlagRule): string {
  return rule.audience === null ? "no audience (everyone)" : "the audience holds";
}

/**
 * A forced decision for the actor on `rule`, or null when it no longer fits (storage checks the variation
 * when it is set; the experiment's variants may have changed since): the rule is then evaluated as usual.
 */
function decideForced<E extends ExperimentServed>(
  flag: CompiledFlag,
  rule: CompiledFlagRule,
  actor: string,
  variation: string,
  env: FlagEnv<E>,
  reasons: string[] | null,
): FlagDecision<E> | null {
  const at = reasons === null ? "" : `3. rule "${rule.key}" (${rule.type}): forced variation "${variation}" for actor "${actor}"`;
  if (rule.type === "DELIVERY") {
    if (variation === DELIVERY_ON) {
      reasons?.push(`${at}: the rule applies, enabled ${rule.enabled}.`);
      return withReasons(rule.forcedOn, reasons);
    }
    if (variation === DELIVERY_OFF) {
      reasons?.push(`${at}: off, default variables.`);
      return withReasons(rule.forcedOff, reasons);
    }
    reasons?.push(`${at} is neither "${DELIVERY_ON}" nor "${DELIVERY_OFF}": ignored.`);
    return null;
  }
  const params = rule.experiment === null ? null : env.experimentParams(rule.experiment, variation);
  if (params === null) {
    reasons?.push(`${at} is not a variant of experiment "${rule.experiment}": ignored.`);
    return null;
  }
  reasons?.push(`${at}: served as an override of experiment "${rule.experiment}".`);
  return {
    flag: flag.key,
    enabled: true,
    variables: variantVariables(flag, params),
    rule: rule.key,
    variation,
    source: "FORCED",
    reasons,
    experiment: { key: rule.experiment!, variant: variation, source: "OVERRIDE", served: null },
  };
}

/** An EXPERIMENT rule: its audience, then the experiment's own decision (SPEC §5) through `env`. */
function decideExperimentRule<E extends ExperimentServed>(
  flag: CompiledFlag,
  rule: CompiledFlagRule,
  actor: string,
  context: JsonObject,
  env: FlagEnv<E>,
  reasons: string[] | null,
): FlagDecision<E> | null {
  const at = reasons === null ? "" : `3. rule "${rule.key}" (EXPERIMENT "${rule.experiment}")`;
  if (rule.audience !== null && !rule.audience(context)) {
    reasons?.push(`${at}: the audience does not hold: next rule.`);
    return null;
  }
  if (rule.experiment === null) {
    reasons?.push(`${at}: names no experiment: next rule.`);
    return null;
  }
  // The experiment's own reasons, numbered by its steps, are nested under the rule's.
  const inner: string[] | null = reasons === null ? null : [];
  const served = env.experimentVariant(rule.experiment, actor, context, inner);
  if (reasons !== null) {
    reasons.push(`${at}: ${audienceSaid(rule)}.`);
    for (const reason of inner!) reasons.push(`${at}: ${reason}`);
  }
  if (served === null) {
    reasons?.push(`${at}: the actor is not in the experiment: next rule.`);
    return null;
  }
  reasons?.push(`${at}: variant "${served.variant}" (${served.source}).`);
  return {
    flag: flag.key,
    enabled: true,
    variables: variantVariables(flag, served.params),
    rule: rule.key,
    variation: served.variant,
    source: "EXPERIMENT",
    reasons,
    experiment: { key: rule.experiment, variant: served.variant, source: served.source, served },
  };
}
