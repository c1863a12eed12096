// The configuration compiled into an immutable, indexed Snapshot: what every decision reads.

import type { AlignedParams, ServiceMerge, Shape } from "./merge-plan";
import type { CompiledFlag } from "./compiled-flag";
import type { FlagDefinition, ForcedDecisionRow } from "./flag-types";
import type { CompiledRule } from "./rules";
import { SharedRules } from "./shared-rules";
import type { SaltPrefix, SlotHasher } from "./slot-hasher";
import { applyDelta } from "./snapshot-delta";
import type { DecisionSource, Experiment, ExperimentState, JsonObject, Layer } from "./types";

export interface OverrideRow {
  readonly experiment: string;
  readonly actor: string;
  readonly variant: string;
}

/** Everything a snapshot is compiled from, read in one consistent transaction. */
export interface ConfigState {
  readonly version: number;
  readonly layers: readonly Layer[];
  readonly experiments: readonly Experiment[];
  readonly overrides: readonly OverrideRow[];
  /** Every flag, archived ones too (they decide DEFAULT), and every forced decision. */
  readonly flags: readonly FlagDefinition[];
  readonly forced: readonly ForcedDecisionRow[];
}

/**
 * A variant served by a decision and why, preallocated per variant and source: all of an
 * experiment's answer but the actor and the slot, so a decision only points at it.
 */
export interface Verdict {
  readonly experiment: string;
  readonly layer: string;
  readonly variant: CompiledVariant;
  readonly source: DecisionSource;
}

export interface CompiledVariant {
  readonly key: string;
  readonly vid: number;
  /** Its own params, frozen: one object per variant, so a flag merges them over its defaults once (a WeakMap). */
  readonly params: JsonObject;
  /** Its contribution (the layer's defaultParams deep-merged with its params), aligned on the layer's parameter shape. */
  readonly aligned: AlignedParams;
  readonly verdicts: Readonly<Record<DecisionSource, Verdict>>;
}

export interface CompiledExperiment {
  readonly key: string;
  readonly layer: string;
  readonly state: ExperimentState;
  readonly variants: readonly CompiledVariant[];
  readonly byKey: ReadonlyMap<string, CompiledVariant>;
  readonly byVid: ReadonlyMap<number, CompiledVariant>;
  readonly winner: CompiledVariant | null;
  readonly exclusionGroup: string | null;
  readonly rule: CompiledRule | null;
  /** Forced variants by actor; null when there are none (the common case costs one check). */
  readonly overrides: ReadonlyMap<string, CompiledVariant> | null;
}

/** What a slot of a layer holds: its owning experiment and the variant its range maps to (null: owned, unserved). */
export interface SlotCell {
  readonly experiment: CompiledExperiment;
  readonly variant: CompiledVariant | null;
}

export interface CompiledLayer {
  readonly key: string;
  readonly priority: number;
  /** The services it serves: a change to the layer rebuilds their plans (and those it served before). */
  readonly services: readonly string[];
  readonly hashKey: string;
  readonly salt: string;
  /** `salt + ":"`, encoded once: hashing an actor copies only the actor's bytes. */
  readonly saltPrefix: SaltPrefix;
  readonly enabled: boolean;
  readonly defaultParams: JsonObject;
  /** The keys its contributions can write (at every depth), and its defaultParams aligned on them. */
  readonly paramShape: Shape;
  readonly defaults: AlignedParams;
  /** Its RUNNING and CONCLUDED experiments. */
  readonly experiments: readonly CompiledExperiment[];
  readonly cells: readonly SlotCell[];
  /** The one experiment owning every slot (an implicit layer's), else null: it is known before hashing. */
  readonly soleOwner: CompiledExperiment | null;
  /**
   * The layer as runs of slots: run r covers [segmentEnds[r-1], segmentEnds[r]) and holds
   * 1 + an index into `cells` (0 = no experiment owns it). A few runs stay in cache where a
   * 10,000-entry table per layer would not, once a service spans many layers.
   */
  readonly segmentEnds: Uint16Array;
  readonly segmentCells: Uint16Array | Uint32Array;
}

/** A node of the merge cache: one path of per-layer vids (0 = layer defaults); a full path holds its merged parameters. */
export interface MergeNode {
  params: JsonObject | null;
  next: Map<number, MergeNode> | null;
}

/** A service's layers in merge order (ascending priority, then key), its compiled merge and its merge cache. */
export interface ServicePlan {
  readonly layers: readonly CompiledLayer[];
  readonly merge: ServiceMerge;
  /** Scratch: each layer's contribution during one (synchronous) decision. */
  readonly chosen: AlignedParams[];
  /** Whether experiments of two of its layers share one rule closure: only then is a decision's rule memo worth keeping. */
  readonly sharesRules: boolean;
  mergeRoot: MergeNode;
  mergeNodes: number;
}

export interface Snapshot {
  readonly version: number;
  readonly hasher: SlotHasher;
  readonly services: ReadonlyMap<string, ServicePlan>;
  /** Every layer that takes part in decisions, serving a service or not. */
  readonly layers: ReadonlyMap<string, CompiledLayer>;
  /** RUNNING and CONCLUDED experiments: the only ones that take part in decisions. */
  readonly experiments: ReadonlyMap<string, CompiledExperiment>;
  /**
   * Exclusion group → the keys of its RUNNING and CONCLUDED experiments, sorted. Kept here rather
   * than in each experiment: an experiment starting in one layer changes the peers of those in others.
   */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** The context attributes its layers hash (their hash keys), each once: what names an actor. */
  readonly hashKeys: readonly string[];
  /** Every flag, compiled with its forced decisions, by key; archived ones too. */
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  /** The flags' keys, sorted: the keyless decideFlags answers in this order. */
  readonly flagKeys: readonly string[];
  /** The rule cache later snapshots are derived with, so that equal rules keep one closure. */
  readonly rules: SharedRules;
}

/** A configuration without layers: what `compileSnapshot` starts from. */
export function emptySnapshot(hasher: SlotHasher): Snapshot {
  return { version: 0, hasher, services: new Map(), layers: new Map(), experiments: new Map(), groups: new Map(), hashKeys: [], flags: new Map(), flagKeys: [], rules: new SharedRules() };
}

/**
 * Compiles the whole configuration: one delta holding every layer, applied to an empty snapshot
 * (the path every later change takes). Rules are compiled once here and evaluated as closures afterwards.
 */
export function compileSnapshot(state: ConfigState, hasher: SlotHasher): Snapshot {
  return applyDelta(emptySnapshot(hasher), { ...state, layerKeys: state.layers.map((l) => l.key), flagKeys: state.flags.map((f) => f.key) });
}
