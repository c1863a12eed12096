// Flag definitions with CreateFlagInput's defaults, and a fake world of experiments for EXPERIMENT rules.

import type { ExperimentServed, FlagDefinition, FlagEnv, FlagRuleDefinition } from "../../src/engine/flag-types";
import type { JsonObject } from "../../src/engine/types";
import type { FlagCase, FlagCaseExperiment, FlagCaseRule } from "../unit/cases";

export function ruleDefinition(r: FlagCaseRule): FlagRuleDefinition {
  return { key: r.key, type: r.type, experiment: r.experiment ?? null, audience: r.audience ?? null, traffic: r.traffic ?? 10_000, enabled: r.enabled ?? true, variables: r.variables ?? {} };
}

export function flagDefinition(f: FlagCase["flag"]): FlagDefinition {
  return {
    key: f.key,
    services: [],
    enabled: f.enabled ?? true,
    archived: f.archived ?? false,
    hashKey: f.hashKey ?? "user_id",
    variables: f.variables ?? {},
    rules: (f.rules ?? []).map(ruleDefinition),
  };
}

/** What the fake's experimentVariant answers: ExperimentServed, plus the actor it was asked for. */
export interface FakeServed extends ExperimentServed {
  readonly actor: string;
}

/** Experiments that serve fixed variants to listed actors; `asked` records every experimentVariant call. */
export function fakeEnv(experiments: Record<string, FlagCaseExperiment>, explain: boolean, asked: string[] = []): FlagEnv<FakeServed> {
  const find = (key: string): FlagCaseExperiment | undefined => (Object.hasOwn(experiments, key) ? experiments[key] : undefined);
  return {
    explain,
    experimentVariant(experiment, actor, _context, reasons) {
      asked.push(experiment);
      const e = find(experiment);
      const served = e !== undefined && Object.hasOwn(e.serves, actor) ? e.serves[actor]! : undefined;
      reasons?.push(served === undefined ? "7. (fake) not in the experiment." : `7. (fake) variant "${served.variant}".`);
      if (served === undefined) return null;
      return { variant: served.variant, params: e!.variants[served.variant]!, source: served.source, actor };
    },
    experimentParams(experiment, variant): JsonObject | null {
      const e = find(experiment);
      return e !== undefined && Object.hasOwn(e.variants, variant) ? e.variants[variant]! : null;
    },
  };
}
