// A service's plan: its layers in merge order, their compiled merge, and a fresh merge cache.

import { ServiceMerge } from "./merge-plan";
import type { CompiledRule } from "./rules";
import type { CompiledLayer, ServicePlan } from "./snapshot";

function sharesRules(layers: readonly CompiledLayer[]): boolean {
  const seen = new Set<CompiledRule>();
  for (const layer of layers) {
    const own = new Set<CompiledRule>();
    for (const e of layer.experiments) if (e.rule !== null) own.add(e.rule);
    for (const rule of own) {
      if (seen.has(rule)) return true;
      seen.add(rule);
    }
  }
  return false;
}

/** Merge order (SPEC §5): ascending priority, equal priorities by key. */
export const byPriorityThenKey = (a: CompiledLayer, b: CompiledLayer) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The plan of a service over `layers`, already in merge order. The merge depends only on the
 * layers' parameter shapes in order: when they are the very shapes `previous` was built on
 * (a changed layer keeps its shape when its keys did not change), its merge is reused.
 */
export function planService(layers: readonly CompiledLayer[], previous: ServicePlan | undefined): ServicePlan {
  const reusable = previous !== undefined && previous.layers.length === layers.length && previous.layers.every((l, i) => l.paramShape === layers[i]!.paramShape);
  return {
    layers,
    merge: reusable ? previous.merge : new ServiceMerge(layers.map((l) => l.paramShape)),
    chosen: layers.map((l) => l.defaults),
    sharesRules: sharesRules(layers),
    mergeRoot: { params: null, next: null },
    mergeNodes: 0,
  };
}
