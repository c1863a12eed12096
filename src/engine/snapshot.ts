// The configuration compiled once into an immutable, indexed Snapshot: what every decision reads.

import { countSlots } from "./allocation";
import { SLOTS_PER_LAYER } from "./hashing";
import { groupBy } from "./group-by";
import { type AlignedParams, alignParams, ServiceMerge, type Shape, shapeOf } from "./merge-plan";
import { deepFreeze, mergeParams } from "./params";
import { type CompiledRule, compileRule, sharedRuleCompiler } from "./rules";
import { type SaltPrefix, type SlotHasher, saltPrefix } from "./slot-hasher";
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
  /** Other experiments of its exclusion group that can hold actors (RUNNING or CONCLUDED). */
  readonly groupPeers: readonly string[];
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
  readonly hashKey: string;
  readonly salt: string;
  /** `salt + ":"`, encoded once: hashing an actor copies only the actor's bytes. */
  readonly saltPrefix: SaltPrefix;
  readonly enabled: boolean;
  readonly defaultParams: JsonObject;
  /** The keys its contributions can write (at every depth), and its defaultParams aligned on them. */
  readonly paramShape: Shape;
  readonly defaults: AlignedParams;
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
  /** RUNNING and CONCLUDED experiments: the only ones that take part in decisions. */
  readonly experiments: ReadonlyMap<string, CompiledExperiment>;
}

const TAKES_PART: ReadonlySet<ExperimentState> = new Set(["RUNNING", "CONCLUDED"]);

function compileVariant(
  v: { key: string; vid: number; params: JsonObject },
  exp: Pick<Experiment, "key" | "layer">,
  defaults: JsonObject,
  shape: Shape,
): CompiledVariant {
  const verdicts = {} as Record<DecisionSource, Verdict>;
  const variant: CompiledVariant = {
    key: v.key,
    vid: v.vid,
    aligned: alignParams(deepFreeze(mergeParams(defaults, v.params)), shape),
    verdicts,
  };
  for (const source of ["OVERRIDE", "STICKY", "BUCKET", "WINNER"] as const) verdicts[source] = Object.freeze({ experiment: exp.key, layer: exp.layer, variant, source });
  return variant;
}

/** One experiment compiled on its own (the single-experiment `assign` path uses it without a snapshot). */
export function compileExperiment(
  exp: Experiment,
  layer: Pick<Layer, "defaultParams">,
  groupPeers: readonly string[] = [],
  overrides: readonly OverrideRow[] = [],
  shape: Shape = shapeOf([layer.defaultParams, ...exp.variants.map((v) => v.params)]),
  compile: (rule: JsonObject) => CompiledRule = compileRule,
): CompiledExperiment {
  const variants = exp.variants.map((v) => compileVariant(v, exp, layer.defaultParams, shape));
  const byKey = new Map(variants.map((v) => [v.key, v]));
  const forced = new Map<string, CompiledVariant>();
  for (const o of overrides) {
    const variant = byKey.get(o.variant);
    if (variant) forced.set(o.actor, variant);
  }
  return {
    key: exp.key,
    layer: exp.layer,
    state: exp.state,
    variants,
    byKey,
    byVid: new Map(variants.map((v) => [v.vid, v])),
    winner: exp.winner === null ? null : (byKey.get(exp.winner) ?? null),
    exclusionGroup: exp.exclusionGroup,
    groupPeers,
    rule: exp.rule === null ? null : compile(exp.rule),
    overrides: forced.size > 0 ? forced : null,
  };
}

/** The slot table as runs of equal cells: ends ascending (the last is 10,000), a cell per run. */
function toSegments(slotCells: Uint32Array, cellCount: number): Pick<CompiledLayer, "segmentEnds" | "segmentCells"> {
  const ends: number[] = [];
  const cells: number[] = [];
  for (let slot = 1; slot <= SLOTS_PER_LAYER; slot++) {
    if (slot === SLOTS_PER_LAYER || slotCells[slot] !== slotCells[slot - 1]) {
      ends.push(slot);
      cells.push(slotCells[slot - 1]!);
    }
  }
  return { segmentEnds: Uint16Array.from(ends), segmentCells: cellCount < 0xffff ? Uint16Array.from(cells) : Uint32Array.from(cells) };
}

function compileLayer(
  layer: Layer,
  shape: Shape,
  experiments: readonly Experiment[],
  compiled: ReadonlyMap<string, CompiledExperiment>,
): CompiledLayer {
  const cells: SlotCell[] = [];
  const slotCells = new Uint32Array(SLOTS_PER_LAYER);
  let soleOwner: CompiledExperiment | null = null;
  for (const exp of experiments) {
    const experiment = compiled.get(exp.key)!;
    if (experiments.length === 1 && countSlots(exp.slots) === SLOTS_PER_LAYER) soleOwner = experiment;
    cells.push({ experiment, variant: null });
    const unserved = cells.length;
    for (const seg of exp.slots) slotCells.fill(unserved, seg.start, seg.end);
    for (const variant of experiment.variants) {
      cells.push({ experiment, variant });
      const cell = cells.length;
      for (const r of exp.ranges) if (r.vid === variant.vid) slotCells.fill(cell, r.start, r.end);
    }
  }
  const defaultParams = deepFreeze(layer.defaultParams);
  return {
    key: layer.key,
    priority: layer.priority,
    hashKey: layer.hashKey,
    salt: layer.salt,
    saltPrefix: saltPrefix(layer.salt),
    enabled: layer.enabled,
    defaultParams,
    paramShape: shape,
    defaults: alignParams(defaultParams, shape),
    cells,
    soleOwner,
    ...toSegments(slotCells, cells.length),
  };
}

function sharesRules(layers: readonly CompiledLayer[]): boolean {
  const seen = new Set<CompiledRule>();
  for (const layer of layers) {
    const own = new Set<CompiledRule>();
    for (const cell of layer.cells) if (cell.experiment.rule !== null) own.add(cell.experiment.rule);
    for (const rule of own) {
      if (seen.has(rule)) return true;
      seen.add(rule);
    }
  }
  return false;
}

const byPriorityThenKey = (a: CompiledLayer, b: CompiledLayer) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Compiles the configuration; rules are compiled once here and evaluated as closures afterwards. */
export function compileSnapshot(state: ConfigState, hasher: SlotHasher): Snapshot {
  const active = state.experiments.filter((e) => TAKES_PART.has(e.state));
  const groups = groupBy(active.filter((e) => e.exclusionGroup !== null), (e) => e.exclusionGroup!);
  const overridesOf = groupBy(state.overrides, (o) => o.experiment);
  const layerRows = new Map(state.layers.map((l) => [l.key, l]));
  const experimentsOf = new Map<string, Experiment[]>(state.layers.map((l) => [l.key, []]));
  for (const e of active) experimentsOf.get(e.layer)?.push(e);
  // A layer's parameter shape: the keys of its defaults, then those its variants add.
  const shapeOfLayer = new Map(state.layers.map((l) => [l.key, shapeOf([l.defaultParams, ...experimentsOf.get(l.key)!.flatMap((e) => e.variants.map((v) => v.params))])]));

  const experiments = new Map<string, CompiledExperiment>();
  const compile = sharedRuleCompiler();
  for (const e of active) {
    const layer = layerRows.get(e.layer);
    if (!layer) continue;
    const peers = e.exclusionGroup === null ? [] : groups.get(e.exclusionGroup)!.filter((g) => g !== e).map((g) => g.key);
    experiments.set(e.key, compileExperiment(e, layer, peers, overridesOf.get(e.key), shapeOfLayer.get(layer.key), compile));
  }
  const layers = new Map<string, CompiledLayer>();
  for (const layer of state.layers) layers.set(layer.key, compileLayer(layer, shapeOfLayer.get(layer.key)!, experimentsOf.get(layer.key)!, experiments));
  const services = new Map<string, ServicePlan>();
  const serviceLayers = new Map<string, CompiledLayer[]>();
  for (const layer of state.layers) {
    for (const service of layer.services) {
      const list = serviceLayers.get(service);
      if (list === undefined) serviceLayers.set(service, [layers.get(layer.key)!]);
      else list.push(layers.get(layer.key)!);
    }
  }
  for (const [service, list] of serviceLayers) {
    list.sort(byPriorityThenKey);
    services.set(service, {
      layers: list,
      merge: new ServiceMerge(list.map((l) => l.paramShape)),
      chosen: list.map((l) => l.defaults),
      sharesRules: sharesRules(list),
      mergeRoot: { params: null, next: null },
      mergeNodes: 0,
    });
  }
  return { version: state.version, hasher, services, experiments };
}
