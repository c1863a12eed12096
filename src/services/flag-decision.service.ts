// FlagDecisionService: `decideFlags` (SPEC §16) over the current snapshot. EXPERIMENT rules are
// decided as `decide` decides their experiment (override, sticky, rule, group, slot) and recorded
// through DecisionService's own round: one stored first-wins assignment, one deduplicated exposure.

import { ExperimentDecision } from "../engine/answer";
import { actorOf } from "../engine/actor";
import type { CompiledFlag } from "../engine/compiled-flag";
import { isJsonObject } from "../engine/definition";
import { DomainError, badInput } from "../engine/errors";
import { decideFlag } from "../engine/flag-decision";
import type { ExperimentServed, FlagDecision, FlagEnv } from "../engine/flag-types";
import type { Snapshot } from "../engine/snapshot";
import { decideSnapshotExperiment } from "../engine/snapshot-experiment";
import type { JsonObject } from "../engine/types";
import { MAX_ACTOR_LENGTH } from "./assignment.service";
import type { Caller } from "./caller";
import type { DecisionService, Round } from "./decision.service";
import type { SnapshotStore } from "./snapshot-store";

export const MAX_FLAG_KEYS = 1_000;

/** An experiment served to a flag, with the decision `decide` would have made (stored and exposed as its). */
export interface FlagServed extends ExperimentServed {
  readonly decision: ExperimentDecision;
}

export interface FlagsDecision {
  readonly configVersion: number;
  readonly flags: readonly FlagDecision<FlagServed>[];
}

/** One pass over the flags: their answers and the experiment decisions to store and expose. */
interface FlagsPass {
  readonly flags: FlagDecision<FlagServed>[];
  readonly experiments: ExperimentDecision[];
}

/** Whether a limited key may see `flag`: a flag naming no service is everyone's (it serves no service in particular). */
export function flagVisibleTo(services: ReadonlySet<string> | null, flagServices: readonly string[]): boolean {
  return services === null || flagServices.length === 0 || flagServices.some((s) => services.has(s));
}

export class FlagDecisionService {
  constructor(
    private readonly decisions: DecisionService,
    private readonly snapshots: SnapshotStore,
  ) {}

  /**
   * The named flags in the order asked (each once), or without `keys` every unarchived flag the
   * caller's key may see, sorted by key. The answer is synchronous when no stored assignment has to
   * be read or written, as `decide`'s. Keys outside a limited SDK key's services are refused by the
   * AccessGate before this runs.
   */
  decideFlags(keys: readonly string[] | null, context: unknown, requestId: string | null | undefined, explain: boolean, caller: Caller, attempt = 0): FlagsDecision | Promise<FlagsDecision> {
    if (keys !== null && keys.length > MAX_FLAG_KEYS) throw badInput("keys", `at most ${MAX_FLAG_KEYS} flags per decision, got ${keys.length}`);
    if (!isJsonObject(context)) throw badInput("context", "context must be a JSON object");
    const snapshot = this.snapshots.snapshot;
    const flags = keys === null ? visibleFlags(snapshot, caller) : namedFlags(snapshot, keys);
    checkActors(context, flags);
    const { view, lookups } = this.decisions.stickyLookups(snapshot);
    const env: FlagEnv<FlagServed> = {
      explain,
      experimentVariant(experiment, actor, ctx, reasons) {
        const decided = decideSnapshotExperiment(snapshot, experiment, actor, ctx, lookups, reasons);
        if (typeof decided === "string") return null;
        return { variant: decided.variant, params: decided.served.params, source: decided.source, decision: decided };
      },
      experimentParams: (experiment, variant) => snapshot.experiments.get(experiment)?.byKey.get(variant)?.params ?? null,
    };
    const run = (): FlagsPass => {
      const experiments: ExperimentDecision[] = [];
      const decided = flags.map((flag) => {
        const d = decideFlag(flag, context, env);
        if (d.experiment !== null) {
          const e = d.experiment.served?.decision ?? forcedDecision(snapshot, flag, context, d.experiment.key, d.experiment.variant);
          if (e !== null) experiments.push(e);
        }
        return d;
      });
      return { flags: decided, experiments };
    };
    const round: Round<FlagsPass, FlagsDecision> = {
      snapshot,
      view,
      run,
      visit: (pass, each) => {
        for (const e of pass.experiments) each(0, e);
      },
      finish: (pass) => ({ configVersion: snapshot.version, flags: pass.flags }),
      retry: (next) => this.decideFlags(keys, context, requestId, explain, caller, next),
      requestIds: [requestId],
      caller,
      attempt,
    };
    return this.decisions.settle(round, run());
  }
}

/** A forced variant of an EXPERIMENT rule, as `decide` records an override: exposed, tagged is-override, never stored. */
function forcedDecision(snapshot: Snapshot, flag: CompiledFlag, context: JsonObject, experiment: string, variant: string): ExperimentDecision | null {
  const served = snapshot.experiments.get(experiment)?.byKey.get(variant);
  const actor = actorOf(context, flag.hashKey);
  if (served === undefined || actor === undefined) return null;
  // No slot was computed (the forced decision bypasses bucketing); exposures do not record one.
  return new ExperimentDecision(served.verdicts.OVERRIDE, -1, actor);
}

function visibleFlags(snapshot: Snapshot, caller: Caller): CompiledFlag[] {
  const services = caller.key?.services ?? null;
  const out: CompiledFlag[] = [];
  for (const key of snapshot.flagKeys) {
    const flag = snapshot.flags.get(key)!;
    // Archived flags are retired: listing them would only add DEFAULT answers nobody reads.
    if (!flag.archived && flagVisibleTo(services, flag.services)) out.push(flag);
  }
  return out;
}

function namedFlags(snapshot: Snapshot, keys: readonly string[]): CompiledFlag[] {
  const seen = new Set<string>();
  const out: CompiledFlag[] = [];
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    const flag = snapshot.flags.get(key);
    if (flag === undefined) throw new DomainError("NOT_FOUND", `flag "${key.slice(0, 100)}" not found`, { field: "keys", key: key.slice(0, 100) });
    out.push(flag);
  }
  return out;
}

/** As `decide`: an actor too long to store an assignment for is refused with its field, not decided as "no actor". */
function checkActors(context: JsonObject, flags: readonly CompiledFlag[]): void {
  let checked: Set<string> | null = null;
  for (const flag of flags) {
    if (checked?.has(flag.hashKey)) continue;
    (checked ??= new Set()).add(flag.hashKey);
    const value = context[flag.hashKey];
    if (typeof value === "string" && value.length > MAX_ACTOR_LENGTH) {
      throw badInput(`context.${flag.hashKey}`, `${flag.hashKey}, the attribute a flag hashes, must be at most ${MAX_ACTOR_LENGTH} characters, got ${value.length}`);
    }
  }
}
