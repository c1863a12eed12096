// A snapshot as canonical data, to compare snapshots built different ways (deltas, full loads, other instances).

import type { CompiledLayer, Snapshot } from "../../src/engine/snapshot";

export const sorted = <V, T>(map: ReadonlyMap<string, V>, describeValue: (value: V) => T): [string, T][] =>
  [...map].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, describeValue(v)]);

function cellName(layer: CompiledLayer, index: number): string | null {
  const cell = index === 0 ? null : layer.cells[index - 1]!;
  return cell === null ? null : `${cell.experiment.key}/${cell.variant?.key ?? "unserved"}`;
}

/** A snapshot as canonical data: what it decides with, independent of the order rows were read in. */
export function canonical(s: Snapshot) {
  return {
    version: s.version,
    services: sorted(s.services, (p) => ({ layers: p.layers.map((l) => l.key), sharesRules: p.sharesRules })),
    layers: sorted(s.layers, (l) => ({
      priority: l.priority, services: [...l.services], hashKey: l.hashKey, salt: l.salt, enabled: l.enabled, defaultParams: l.defaultParams,
      shape: JSON.stringify(l.paramShape), defaults: l.defaults, soleOwner: l.soleOwner?.key ?? null,
      experiments: l.experiments.map((e) => e.key).sort(),
      segments: [...l.segmentEnds].map((end, r) => [end, cellName(l, l.segmentCells[r]!)]),
    })),
    experiments: sorted(s.experiments, (e) => ({
      layer: e.layer, state: e.state, winner: e.winner?.key ?? null, group: e.exclusionGroup, hasRule: e.rule !== null,
      variants: e.variants.map((v) => [v.key, v.vid, v.aligned]),
      overrides: e.overrides === null ? null : sorted(e.overrides, (v) => v.key),
    })),
    groups: sorted(s.groups, (keys) => [...keys]),
    flagKeys: [...s.flagKeys],
    flags: sorted(s.flags, (f) => ({
      services: [...f.services], enabled: f.enabled, archived: f.archived, hashKey: f.hashKey, defaults: f.defaults, lastDelivery: f.lastDelivery,
      rules: f.rules.map((r) => ({
        key: r.key, type: r.type, experiment: r.experiment, hasAudience: r.audience !== null, traffic: r.traffic, enabled: r.enabled,
        variables: r.variables, salt: r.salt, forced: r.forced === null ? null : sorted(r.forced, (v) => v),
      })),
    })),
  };
}

