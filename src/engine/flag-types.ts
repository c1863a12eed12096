// Feature flags (SPEC §16) as the engine sees them: plain data in, a FlagDecision out. Storage and GraphQL
// build these shapes; the engine never learns where they came from.

import type { DecisionSource, JsonObject } from "./types";

export const FLAG_RULE_TYPES = ["EXPERIMENT", "DELIVERY"] as const;
export type FlagRuleType = (typeof FLAG_RULE_TYPES)[number];

export const FLAG_SOURCES = ["FORCED", "EXPERIMENT", "ROLLOUT", "DEFAULT"] as const;
export type FlagSource = (typeof FLAG_SOURCES)[number];

/** The two variations a DELIVERY rule knows: forced `on` applies the rule, forced `off` turns the flag off. */
export const DELIVERY_ON = "on";
export const DELIVERY_OFF = "off";

export interface FlagRuleDefinition {
  readonly key: string;
  readonly type: FlagRuleType;
  /** The experiment an EXPERIMENT rule names (in any layer); null for DELIVERY rules. */
  readonly experiment: string | null;
  /** A targeting rule of SPEC §4; null targets everyone. */
  readonly audience: JsonObject | null;
  /** Slots [0, traffic) of the rule's own salt are served, 0..10,000 (DELIVERY rules only). */
  readonly traffic: number;
  /** What a DELIVERY rule serves when it applies; EXPERIMENT rules always serve true. */
  readonly enabled: boolean;
  /** Deep-merged over the flag's defaults when the rule applies (DELIVERY rules only). */
  readonly variables: JsonObject;
}

export interface FlagDefinition {
  readonly key: string;
  readonly services: readonly string[];
  /** false: the kill switch (`setFlagEnabled(false)`). */
  readonly enabled: boolean;
  readonly archived: boolean;
  /** The context attribute naming the actor, `user_id` by default. */
  readonly hashKey: string;
  /** The default variables. */
  readonly variables: JsonObject;
  /** In evaluation order. */
  readonly rules: readonly FlagRuleDefinition[];
}

export interface ForcedDecisionRow {
  readonly flag: string;
  readonly rule: string;
  readonly actor: string;
  /** A variant key of the rule's experiment (EXPERIMENT), or `on` / `off` (DELIVERY). */
  readonly variation: string;
}

/**
 * What the caller's single-experiment decision answers when the actor is in the experiment (SPEC §5):
 * the variant, its own params (not merged with any layer's defaults), and why. The wiring may return
 * more (the slot, the vid, the verdict) for recording the exposure; the engine passes it through.
 */
export interface ExperimentServed {
  readonly variant: string;
  readonly params: JsonObject;
  readonly source: DecisionSource;
}

/** The experiment part of a decision, for recording assignments and exposures as `decide` does. */
export interface FlagExperiment<E extends ExperimentServed = ExperimentServed> {
  readonly key: string;
  readonly variant: string;
  /** OVERRIDE for a forced decision (an exposure tagged is-override), else the experiment decision's source. */
  readonly source: DecisionSource;
  /** What `experimentVariant` answered; null for a forced decision, which never asks it. */
  readonly served: E | null;
}

export interface FlagDecision<E extends ExperimentServed = ExperimentServed> {
  readonly flag: string;
  readonly enabled: boolean;
  /** Frozen: shared between answers. */
  readonly variables: JsonObject;
  /** The rule that decided; null for DEFAULT. */
  readonly rule: string | null;
  /**
   * The variant key for EXPERIMENT rules; for DELIVERY rules `on` when the rule applied (ROLLOUT or
   * forced `on`, whatever `enabled` the rule serves) and `off` when forced off; null for DEFAULT.
   */
  readonly variation: string | null;
  readonly source: FlagSource;
  /** One sentence per step checked, when asked for; null otherwise. */
  readonly reasons: string[] | null;
  /** Set for EXPERIMENT decisions and forced variants of EXPERIMENT rules: they record exposures. */
  readonly experiment: FlagExperiment<E> | null;
}

/** What a flag decision needs from outside the flag: the experiments its EXPERIMENT rules name. */
export interface FlagEnv<E extends ExperimentServed = ExperimentServed> {
  /** Whether to say why (`explain`): without it no reason is built. */
  readonly explain: boolean;
  /**
   * SPEC §5 for `experiment` and `actor` (override, sticky, its own targeting rule, group, slot; the
   * slot from the context's `$bucketing_id` when it has one): the variant served, or null when the
   * actor is not in it (or the experiment is unknown). May push its own reasons onto `reasons`.
   */
  experimentVariant(experiment: string, actor: string, context: JsonObject, reasons: string[] | null): E | null;
  /** The params of `variant` of `experiment`, or null when either is unknown (a stale forced decision). */
  experimentParams(experiment: string, variant: string): JsonObject | null;
}
