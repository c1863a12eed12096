// A configuration change applied to a snapshot: only the layers and flags it names are compiled again.

import { type CompiledFlag, compileFlag } from "./compiled-flag";
import { compileLayer } from "./compiled-layer";
import type { FlagDefinition, ForcedDecisionRow } from "./flag-types";
import { groupBy } from "./group-by";
import type { CompiledRule } from "./rules";
import { byPriorityThenKey, planService } from "./service-plan";
import type { CompiledExperiment, CompiledLayer, ConfigState, OverrideRow, Snapshot } from "./snapshot";
import type { Experiment, ExperimentState, Layer } from "./types";

/** The rows of the layers a change touched, read in one consistent transaction. */
export interface ConfigDelta {
  readonly version: number;
  /** Layers whose rows, experiments or overrides may have changed. */
  readonly layerKeys: readonly string[];
  /** Current rows of those layers that still take part in decisions (a listed key absent here is removed). */
  readonly layers: readonly Layer[];
  /** Every RUNNING or CONCLUDED experiment of those layers. */
  readonly experiments: readonly Experiment[];
  /** Overrides of those experiments. */
  readonly overrides: readonly OverrideRow[];
  /** Flags a change named (events of kind "flag"): recompiled from `flags`; a listed key absent there is removed. */
  readonly flagKeys?: readonly string[];
  /** The current rows of those flags, archived ones too (they decide DEFAULT). */
  readonly flags?: readonly FlagDefinition[];
  /** Every forced decision of those flags. */
  readonly forced?: readonly ForcedDecisionRow[];
}

const TAKES_PART: ReadonlySet<ExperimentState> = new Set(["RUNNING", "CONCLUDED"]);

/** Rule closures no experiment uses may pile up to this many times the experiments before the cache is pruned. */
const RULES_SLACK = 2;

/**
 * A new snapshot: `snapshot` with the layers of `delta` compiled again, the plans of the services
 * those layers served before or serve now rebuilt, and everything else carried over by reference.
 * `snapshot` is not changed. A layer row not listed in `layerKeys` counts as listed.
 */
export function applyDelta(snapshot: Snapshot, delta: ConfigDelta): Snapshot {
  const touched = new Set([...delta.layerKeys, ...delta.layers.map((l) => l.key)]);
  const layers = new Map(snapshot.layers);
  const experiments = new Map(snapshot.experiments);
  const replanned = new Set<string>();
  const regrouped = new Set<string>();
  const dropped = new Set<string>();
  for (const key of touched) {
    const old = snapshot.layers.get(key);
    if (old === undefined) continue;
    layers.delete(key);
    for (const service of old.services) replanned.add(service);
    for (const e of old.experiments) {
      experiments.delete(e.key);
      dropped.add(e.key);
      if (e.exclusionGroup !== null) regrouped.add(e.exclusionGroup);
    }
  }

  // By key within a layer, however the rows were read: the order of a layer's parameter keys, and so of the answer's, follows it.
  const experimentsOf = groupBy(
    delta.experiments.filter((e) => TAKES_PART.has(e.state)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    (e) => e.layer,
  );
  const overridesOf = groupBy(delta.overrides, (o) => o.experiment);
  const added = new Map<string, CompiledLayer[]>();
  for (const row of delta.layers) {
    const layer = compileLayer(row, experimentsOf.get(row.key) ?? [], overridesOf, snapshot.layers.get(row.key), snapshot.rules.compile);
    layers.set(row.key, layer);
    for (const e of layer.experiments) {
      experiments.set(e.key, e);
      if (e.exclusionGroup !== null) regrouped.add(e.exclusionGroup);
    }
    for (const service of layer.services) {
      replanned.add(service);
      const list = added.get(service);
      if (list === undefined) added.set(service, [layer]);
      else list.push(layer);
    }
  }

  const services = new Map(snapshot.services);
  for (const service of replanned) {
    const previous = snapshot.services.get(service);
    const list = (previous?.layers ?? []).filter((l) => !touched.has(l.key)).concat(added.get(service) ?? []);
    if (list.length === 0) services.delete(service);
    else services.set(service, planService(list.sort(byPriorityThenKey), previous));
  }
  const flags = applyFlags(snapshot, delta);
  return {
    version: delta.version,
    hasher: snapshot.hasher,
    flags,
    flagKeys: flags === snapshot.flags ? snapshot.flagKeys : Object.freeze([...flags.keys()].sort()),
    services,
    layers,
    experiments,
    groups: regroup(snapshot.groups, regrouped, dropped, delta.layers, layers),
    hashKeys: [...new Set(Array.from(layers.values(), (l) => l.hashKey))],
    rules: snapshot.rules.size > RULES_SLACK * experiments.size + 64 ? snapshot.rules.retaining(rulesIn(experiments)) : snapshot.rules,
  };
}

/** The flags with those the delta names compiled again (with their forced decisions); the others kept by reference. */
function applyFlags(snapshot: Snapshot, delta: ConfigDelta): ReadonlyMap<string, CompiledFlag> {
  const rows = delta.flags ?? [];
  const named = [...(delta.flagKeys ?? []), ...rows.map((f) => f.key)];
  if (named.length === 0) return snapshot.flags;
  const flags = new Map(snapshot.flags);
  for (const key of named) flags.delete(key);
  const forcedOf = groupBy(delta.forced ?? [], (f) => f.flag);
  for (const row of rows) flags.set(row.key, compileFlag(row, forcedOf.get(row.key) ?? [], snapshot.hasher, snapshot.rules.compile));
  return flags;
}

/**
 * The rows a snapshot is compiled from, once `delta` is applied: those of its layers replaced. What
 * `applyDelta(compileSnapshot(state), delta)` is compiled from, for whoever keeps the rows too (a cache file).
 */
export function applyDeltaToRows(state: ConfigState, delta: ConfigDelta): ConfigState {
  const touched = new Set([...delta.layerKeys, ...delta.layers.map((l) => l.key)]);
  const replaced = new Set(state.experiments.filter((e) => touched.has(e.layer)).map((e) => e.key));
  const flagsTouched = new Set([...(delta.flagKeys ?? []), ...(delta.flags ?? []).map((f) => f.key)]);
  return {
    version: delta.version,
    layers: state.layers.filter((l) => !touched.has(l.key)).concat(delta.layers),
    experiments: state.experiments.filter((e) => !replaced.has(e.key)).concat(delta.experiments.filter((e) => TAKES_PART.has(e.state))),
    overrides: state.overrides.filter((o) => !replaced.has(o.experiment)).concat(delta.overrides),
    flags: state.flags.filter((f) => !flagsTouched.has(f.key)).concat(delta.flags ?? []),
    forced: state.forced.filter((f) => !flagsTouched.has(f.flag)).concat(delta.forced ?? []),
  };
}

/** The group index with the groups in `changed` rebuilt: members from untouched layers kept, those of the recompiled layers added. */
function regroup(
  groups: ReadonlyMap<string, readonly string[]>,
  changed: ReadonlySet<string>,
  dropped: ReadonlySet<string>,
  rows: readonly Layer[],
  layers: ReadonlyMap<string, CompiledLayer>,
): ReadonlyMap<string, readonly string[]> {
  if (changed.size === 0) return groups;
  const members = new Map<string, string[]>();
  for (const group of changed) members.set(group, (groups.get(group) ?? []).filter((key) => !dropped.has(key)));
  for (const row of rows) {
    for (const e of layers.get(row.key)!.experiments) if (e.exclusionGroup !== null) members.get(e.exclusionGroup)!.push(e.key);
  }
  const next = new Map(groups);
  for (const [group, keys] of members) {
    if (keys.length === 0) next.delete(group);
    else next.set(group, Object.freeze(keys.sort()));
  }
  return next;
}

function rulesIn(experiments: ReadonlyMap<string, CompiledExperiment>): Set<CompiledRule> {
  const live = new Set<CompiledRule>();
  for (const e of experiments.values()) if (e.rule !== null) live.add(e.rule);
  return live;
}
