// The flags an import asks for (SPEC §15, §16): rules and forced decisions checked against the
// experiments after the import; the hash key never changes, nothing archived changes.

import type { DocumentExperiment, DocumentFlag, DocumentForcedDecision, FlagInput } from "./config-document";
import { validateKey, validateServices, validateText } from "./definition";
import { DomainError, badInput } from "./errors";
import { DELIVERY_VARIATIONS, MAX_FORCED_ACTOR, type FlagRule, validateFlagRules, validateHashKey, validateVariables } from "./flag-definition";
import type { JsonObject } from "./types";

function forcedDecisions(path: string, flag: string, forced: readonly DocumentForcedDecision[], rules: readonly FlagRule[], experiments: ReadonlyMap<string, DocumentExperiment>): DocumentForcedDecision[] {
  const seen = new Set<string>();
  forced.forEach((f, i) => {
    const at = `${path}[${i}]`;
    const rule = rules.find((r) => r.key === f.rule);
    if (!rule) throw badInput(`${at}.rule`, `flag "${flag}" has no rule "${f.rule.slice(0, 80)}"`);
    if (f.actor === "" || f.actor.length > MAX_FORCED_ACTOR || f.actor.includes("\u0000")) {
      throw badInput(`${at}.actor`, `actor must be 1-${MAX_FORCED_ACTOR} characters, without NUL`);
    }
    const id = `${f.rule}\u0000${f.actor}`;
    if (seen.has(id)) throw badInput(`${at}.actor`, `rule "${f.rule}" has two forced decisions for one actor`);
    seen.add(id);
    const allowed = rule.type === "DELIVERY" ? DELIVERY_VARIATIONS : (experiments.get(rule.experiment!)?.variants.map((v) => v.key) ?? []);
    if (!allowed.includes(f.variation)) {
      throw new DomainError("NO_VARIANT", `"${f.variation.slice(0, 80)}" cannot be forced at rule "${f.rule}": use ${allowed.map((v) => `"${v}"`).join(", ")}`, {
        field: `${at}.variation`,
        key: flag,
      });
    }
  });
  const order = (a: DocumentForcedDecision, b: DocumentForcedDecision) => (a.rule === b.rule ? (a.actor < b.actor ? -1 : 1) : a.rule < b.rule ? -1 : 1);
  return forced.map((f) => ({ rule: f.rule, actor: f.actor, variation: f.variation })).sort(order);
}

/** The flag as `input` asks for it; `experiments` are the experiments after the import. */
export function wantedFlag(path: string, input: FlagInput, current: DocumentFlag | null, experiments: ReadonlyMap<string, DocumentExperiment>, filesDecide = false): DocumentFlag {
  validateKey(`${path}.key`, input.key);
  validateText(`${path}.description`, input.description);
  validateServices(`${path}.services`, input.services ?? []);
  if (input.hashKey != null) validateHashKey(`${path}.hashKey`, input.hashKey);
  const variables = input.variables ?? {};
  validateVariables(`${path}.variables`, variables);
  const rules = validateFlagRules(`${path}.rules`, input.rules ?? []);
  // An import names experiments as they are after it; an archived one may be named, as a flag written
  // before its experiment was archived names it (the document must be able to say what is stored).
  rules.forEach((rule, i) => {
    if (rule.type === "EXPERIMENT" && !experiments.has(rule.experiment!)) {
      throw badInput(`${path}.rules[${i}].experiment`, `experiment "${rule.experiment}" is neither in the document nor on the server`);
    }
  });
  const hashKey = input.hashKey ?? current?.hashKey ?? "user_id";
  if (current && !filesDecide && hashKey !== current.hashKey) {
    throw new DomainError("CONFLICT", `flag "${input.key}" buckets by "${current.hashKey}"; a hash key never changes: every actor would move`, { field: `${path}.hashKey` });
  }
  if (current?.archived && !filesDecide && input.archived === false) {
    throw new DomainError("ARCHIVED", `flag "${input.key}" is archived; archiving is final`, { field: `${path}.archived`, key: input.key });
  }
  return {
    key: input.key,
    description: input.description ?? null,
    services: [...(input.services ?? [])],
    enabled: input.enabled ?? true,
    archived: input.archived ?? (filesDecide ? false : current?.archived) ?? false,
    hashKey,
    variables: variables as JsonObject,
    rules,
    forcedDecisions: forcedDecisions(`${path}.forcedDecisions`, input.key, input.forcedDecisions ?? [], rules, experiments),
  };
}
