// One layer compiled with its experiments: variants aligned on the layer's parameter shape, slots as runs of cells.

import { countSlots } from "./allocation";
import { SLOTS_PER_LAYER } from "./hashing";
import { alignParams, sameShape, type Shape, shapeOf } from "./merge-plan";
import { deepFreeze, mergeParams } from "./params";
import { type CompiledRule, compileRule } from "./rules";
import { saltPrefix } from "./slot-hasher";
import type { CompiledExperiment, CompiledLayer, CompiledVariant, OverrideRow, SlotCell, Verdict } from "./snapshot";
import type { DecisionSource, Experiment, JsonObject, Layer } from "./types";

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
    // A copy: freezing must not reach the caller's rows. Flags merge it over their own defaults.
    params: deepFreeze(JSON.parse(JSON.stringify(v.params)) as JsonObject),
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

/**
 * A layer and its RUNNING or CONCLUDED experiments, compiled. `previous`, the same layer as
 * compiled before, lends its parameter shape when the new one has the same keys: the service
 * merges built on that shape then stay valid, and a changed layer need not rebuild them.
 */
export function compileLayer(
  layer: Layer,
  experiments: readonly Experiment[],
  overridesOf: ReadonlyMap<string, readonly OverrideRow[]>,
  previous: CompiledLayer | undefined,
  compile: (rule: JsonObject) => CompiledRule,
): CompiledLayer {
  // Its parameter shape: the keys of its defaults, then those its variants add.
  const fresh = shapeOf([layer.defaultParams, ...experiments.flatMap((e) => e.variants.map((v) => v.params))]);
  const shape = previous !== undefined && sameShape(previous.paramShape, fresh) ? previous.paramShape : fresh;
  const compiled = experiments.map((e) => compileExperiment(e, layer, overridesOf.get(e.key), shape, compile));
  const cells: SlotCell[] = [];
  const slotCells = new Uint32Array(SLOTS_PER_LAYER);
  let soleOwner: CompiledExperiment | null = null;
  experiments.forEach((exp, i) => {
    const experiment = compiled[i]!;
    if (experiments.length === 1 && countSlots(exp.slots) === SLOTS_PER_LAYER) soleOwner = experiment;
    cells.push({ experiment, variant: null });
    const unserved = cells.length;
    for (const seg of exp.slots) slotCells.fill(unserved, seg.start, seg.end);
    for (const variant of experiment.variants) {
      cells.push({ experiment, variant });
      const cell = cells.length;
      for (const r of exp.ranges) if (r.vid === variant.vid) slotCells.fill(cell, r.start, r.end);
    }
  });
  const defaultParams = deepFreeze(layer.defaultParams);
  return {
    key: layer.key,
    priority: layer.priority,
    services: Object.freeze([...layer.services]),
    hashKey: layer.hashKey,
    salt: layer.salt,
    saltPrefix: saltPrefix(layer.salt),
    enabled: layer.enabled,
    defaultParams,
    paramShape: shape,
    defaults: alignParams(defaultParams, shape),
    experiments: compiled,
    cells,
    soleOwner,
    ...toSegments(slotCells, cells.length),
  };
}
