// What a decision answers: per service its merged parameters and, per experiment the actor is in, the verdict.

import type { CompiledVariant, Verdict } from "./snapshot";
import type { DecisionSource, JsonObject } from "./types";

/**
 * One experiment's part of an answer. Everything but the actor and the slot is the
 * verdict's, preallocated in the snapshot: a decision only points at it, so a service
 * over many layers allocates three fields per layer, not eight.
 */
export class ExperimentDecision {
  constructor(
    readonly verdict: Verdict,
    readonly slot: number,
    /** Who was decided (the layer's hash-key value): the caller stores assignments and exposures for it. */
    readonly actor: string,
  ) {}

  get experiment(): string {
    return this.verdict.experiment;
  }

  get variant(): string {
    return this.verdict.variant.key;
  }

  get vid(): number {
    return this.verdict.variant.vid;
  }

  get layer(): string {
    return this.verdict.layer;
  }

  get source(): DecisionSource {
    return this.verdict.source;
  }

  /** The variant served, compiled: its parameters are the layer's contribution. */
  get served(): CompiledVariant {
    return this.verdict.variant;
  }
}

/**
 * One service's answer. `vids` and `matchedLayers` are views of `experiments`, made when first
 * read and kept: a GraphQL executor reads a list field several times (null, error and iterable
 * checks) before it maps it.
 */
export class ServiceDecision {
  private vidList: number[] | null = null;
  private layerList: string[] | null = null;

  constructor(
    readonly service: string,
    readonly parameters: JsonObject,
    readonly experiments: readonly ExperimentDecision[],
    readonly reasons: string[] | null,
    /** Targeting rules the decision ran (memo hits and rules skipped are not runs): what metrics count. */
    readonly ruleEvaluations = 0,
  ) {}

  get vids(): number[] {
    return (this.vidList ??= this.experiments.map((e) => e.vid));
  }

  get matchedLayers(): string[] {
    return (this.layerList ??= this.experiments.map((e) => e.layer));
  }
}
