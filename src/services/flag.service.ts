// FlagService: feature flags (SPEC §16): create, change, kill, archive, forced decisions, and
// their views; every change a configuration change of kind "flag" (§10) with its history record.

import type { EntityManager } from "typeorm";
import { validateKey, validateServices, validateText } from "../engine/definition";
import { DomainError, notFound } from "../engine/errors";
import {
  type Flag,
  type FlagRule,
  type FlagRuleSpec,
  type ForcedDecision,
  type NamedExperiment,
  forcedDecisionSurvives,
  validateFlagRules,
  validateForcedActor,
  validateForcedVariation,
  validateHashKey,
  validateRuleExperiments,
  validateVariables,
} from "../engine/flag-definition";
import type { JsonObject, JsonValue } from "../engine/types";
import type { Database } from "../persistence/database";
import { ExperimentRepository } from "../persistence/experiment.repository";
import { FlagRepository } from "../persistence/flag.repository";
import type { Caller } from "./caller";
import { type ConfigChanges, flagSubject } from "./config-change";

export interface CreateFlagCommand {
  readonly key: string;
  readonly description?: string | null;
  readonly services?: readonly string[] | null;
  readonly hashKey?: string | null;
  readonly variables?: JsonValue | null;
  readonly rules?: readonly FlagRuleSpec[] | null;
}

/** Omitted (undefined) fields stay as they are; a null description clears it. */
export interface UpdateFlagCommand {
  readonly description?: string | null;
  readonly services?: readonly string[] | null;
  readonly variables?: JsonValue | null;
}

/** Rolls back a clearForcedDecision that found nothing to clear. */
const NOTHING_TO_CLEAR = Symbol("nothing to clear");

export class FlagService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  get(key: string): Promise<Flag | null> {
    return this.db.read((em) => new FlagRepository(em).find(key));
  }

  /** Sorted by key; archived flags included; only those listing `service` when given. */
  list(service: string | null): Promise<Flag[]> {
    return this.db.read((em) => new FlagRepository(em).list(service));
  }

  /** Forced decisions of these flags (every flag when omitted): what a snapshot of flags is built from. */
  forcedDecisions(flagKeys?: readonly string[]): Promise<ForcedDecision[]> {
    return this.db.read((em) => new FlagRepository(em).listForced(flagKeys));
  }

  create(cmd: CreateFlagCommand, caller: Caller): Promise<Flag> {
    validateKey("input.key", cmd.key);
    validateText("input.description", cmd.description);
    validateServices("input.services", cmd.services ?? []);
    if (cmd.hashKey != null) validateHashKey("input.hashKey", cmd.hashKey);
    if (cmd.variables != null) validateVariables("input.variables", cmd.variables);
    const rules = validateFlagRules("input.rules", cmd.rules ?? []);
    return this.changes.apply(flagSubject(cmd.key), "flag_created", caller, async (em) => {
      const taken = await new ExperimentRepository(em).keyIsTaken(cmd.key);
      if (taken) throw new DomainError("CONFLICT", `key "${cmd.key}" is already taken by a ${taken}`, { field: "input.key" });
      await checkExperiments(em, "input.rules", rules);
      const now = new Date();
      const flag: Flag = {
        key: cmd.key,
        description: cmd.description ?? null,
        services: [...(cmd.services ?? [])],
        // A new flag serves its rules: disabling it is the kill switch, not the starting state.
        enabled: true,
        hashKey: cmd.hashKey ?? "user_id",
        variables: (cmd.variables as JsonObject | null | undefined) ?? {},
        rules,
        archived: false,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      const flags = new FlagRepository(em);
      await flags.insert(flag);
      return reload(flags, cmd.key);
    });
  }

  update(key: string, cmd: UpdateFlagCommand, caller: Caller): Promise<Flag> {
    validateText("input.description", cmd.description);
    if (cmd.services != null) validateServices("input.services", cmd.services);
    if (cmd.variables != null) validateVariables("input.variables", cmd.variables);
    return this.change(key, "flag_updated", caller, async (flag) => ({
      ...flag,
      description: cmd.description === undefined ? flag.description : cmd.description,
      services: cmd.services == null ? flag.services : [...cmd.services],
      variables: (cmd.variables as JsonObject | null | undefined) ?? flag.variables,
    }));
  }

  /**
   * Replaces the rules, in the given order. Forced decisions stay with a rule that keeps its key,
   * type and experiment; those of other rules are dropped (their variation meant something else).
   */
  setRules(key: string, definitions: readonly FlagRuleSpec[], caller: Caller): Promise<Flag> {
    const rules = validateFlagRules("rules", definitions);
    return this.change(key, "set_flag_rules", caller, async (flag, em) => {
      await checkExperiments(em, "rules", rules);
      const stale = flag.rules.filter((before) => !forcedDecisionSurvives(before, rules.find((r) => r.key === before.key)));
      await new FlagRepository(em).deleteForcedOfRules(key, stale.map((r) => r.key));
      return { ...flag, rules };
    });
  }

  /** false is the kill switch: every decision of the flag is DEFAULT until it is enabled again. */
  setEnabled(key: string, enabled: boolean, caller: Caller): Promise<Flag> {
    return this.change(key, enabled ? "flag_enabled" : "flag_disabled", caller, async (flag) => ({ ...flag, enabled }));
  }

  /** Terminal: an archived flag refuses every later change (ARCHIVED), archiving again too. */
  archive(key: string, caller: Caller): Promise<Flag> {
    return this.change(key, "flag_archived", caller, async (flag) => ({ ...flag, archived: true }));
  }

  /** Sets (or replaces) the variation pinned for `actor` at `rule` of `flag`. */
  setForcedDecision(flagKey: string, ruleKey: string, actor: string, variation: string, caller: Caller): Promise<ForcedDecision> {
    validateForcedActor(actor);
    const forced: ForcedDecision = { flag: flagKey, rule: ruleKey, actor, variation };
    return this.change(flagKey, "set_forced_decision", caller, async (flag, em) => {
      const rule = ruleOf(flag, ruleKey);
      const variants = rule.type === "EXPERIMENT" ? ((await namedExperiment(em, rule.experiment!))?.variants ?? []) : [];
      validateForcedVariation(flagKey, rule, variation, variants);
      await new FlagRepository(em).upsertForced(forced);
      return flag;
    }).then(() => forced);
  }

  /** True when a forced decision was removed; false (and no history, no version bump) when there was none. */
  async clearForcedDecision(flagKey: string, ruleKey: string, actor: string, caller: Caller): Promise<boolean> {
    try {
      await this.change(flagKey, "clear_forced_decision", caller, async (flag, em) => {
        // Checked inside the transaction, so concurrent clears record one change between them.
        if (!(await new FlagRepository(em).deleteForced(flagKey, ruleKey, actor))) throw NOTHING_TO_CLEAR;
        return flag;
      });
      return true;
    } catch (error) {
      if (error === NOTHING_TO_CLEAR) return false;
      throw error;
    }
  }

  /**
   * One configuration change of an existing, unarchived flag: `work` returns the flag as it is to
   * be; it is stored with the next version (and a new updatedAt) and read back.
   */
  private change(key: string, mutation: string, caller: Caller, work: (flag: Flag, em: EntityManager) => Promise<Flag>): Promise<Flag> {
    return this.changes.apply(flagSubject(key), mutation, caller, async (em) => {
      const flags = new FlagRepository(em);
      const flag = await flags.find(key);
      if (!flag) throw notFound("flag", key);
      if (flag.archived) throw new DomainError("ARCHIVED", `flag "${key}" is archived`, { key });
      const next = await work(flag, em);
      await flags.update({ ...next, version: flag.version + 1 });
      return reload(flags, key);
    });
  }
}

async function reload(flags: FlagRepository, key: string): Promise<Flag> {
  const flag = await flags.find(key);
  if (!flag) throw notFound("flag", key);
  return flag;
}

function ruleOf(flag: Flag, ruleKey: string): FlagRule {
  const rule = flag.rules.find((r) => r.key === ruleKey);
  if (!rule) throw new DomainError("NOT_FOUND", `flag "${flag.key}" has no rule "${ruleKey.slice(0, 80)}"`, { field: "rule", key: flag.key });
  return rule;
}

async function namedExperiment(em: EntityManager, key: string): Promise<NamedExperiment | undefined> {
  const found = await new ExperimentRepository(em).find(key);
  return found ? { archived: found.experiment.state === "ARCHIVED", variants: found.experiment.variants.map((v) => v.key) } : undefined;
}

/** The experiments the EXPERIMENT rules name exist and are not archived (read inside the change: none can be archived meanwhile). */
async function checkExperiments(em: EntityManager, path: string, rules: readonly FlagRule[]): Promise<void> {
  const named = new Map<string, NamedExperiment | undefined>();
  for (const rule of rules) {
    if (rule.type === "EXPERIMENT" && !named.has(rule.experiment!)) named.set(rule.experiment!, await namedExperiment(em, rule.experiment!));
  }
  validateRuleExperiments(path, rules, (key) => named.get(key));
}
