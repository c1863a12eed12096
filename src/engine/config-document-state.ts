// Between the document (SPEC §15) and the rows the engine compiles: export builds a document from stored
// rows, file mode builds the snapshot's rows from a document.

import { CONFIG_FORMAT, type ConfigDocument, type DocumentExperiment, type DocumentFlag, type DocumentLayer, byKey } from "./config-document";
import type { FlagDefinition, ForcedDecisionRow } from "./flag-types";
import { HASH_VERSION } from "./hashing";
import { sortedJson } from "./json-equal";
import type { ConfigState, OverrideRow } from "./snapshot";
import type { Experiment, JsonObject, Layer } from "./types";

/** What export reads: every layer (implicit ones too), experiment, override, flag and forced decision. */
export interface StoredConfiguration {
  readonly layers: readonly Layer[];
  readonly experiments: readonly Experiment[];
  readonly overrides: readonly OverrideRow[];
  readonly flags: ReadonlyArray<FlagDefinition & { readonly description: string | null }>;
  readonly forced: readonly ForcedDecisionRow[];
}

const sortedObject = (value: JsonObject): JsonObject => sortedJson(value);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The document of a stored configuration: sorted by key, JSON objects with sorted keys, so equal configurations give equal text. */
export function documentOf(stored: StoredConfiguration): ConfigDocument {
  const implicit = new Set(stored.layers.filter((l) => l.implicit).map((l) => l.key));
  const layers: DocumentLayer[] = stored.layers
    .filter((l) => !l.implicit)
    .map((l) => ({ key: l.key, description: l.description, priority: l.priority, services: [...l.services], hashKey: l.hashKey, salt: l.salt, enabled: l.enabled, defaultParams: sortedObject(l.defaultParams) }));
  const experiments: DocumentExperiment[] = stored.experiments.map((e) => ({
    key: e.key,
    description: e.description,
    services: [...e.services],
    layer: implicit.has(e.layer) ? null : e.layer,
    state: e.state,
    winner: e.winner,
    exclusionGroup: e.exclusionGroup,
    rule: e.rule === null ? null : sortedObject(e.rule),
    traffic: e.slots.reduce((n, s) => n + s.end - s.start, 0),
    slots: e.slots.map(({ start, end }) => ({ start, end })),
    ranges: e.ranges.map(({ start, end, vid }) => ({ start, end, vid })),
    variants: e.variants.map((v) => ({ key: v.key, vid: v.vid, weight: v.weight, params: sortedObject(v.params) })),
    overrides: stored.overrides
      .filter((o) => o.experiment === e.key)
      .map((o) => ({ actor: o.actor, variant: o.variant }))
      .sort((a, b) => byText(a.actor, b.actor)),
  }));
  const flags: DocumentFlag[] = stored.flags.map((f) => ({
    key: f.key,
    description: f.description,
    services: [...f.services],
    enabled: f.enabled,
    archived: f.archived,
    hashKey: f.hashKey,
    variables: sortedObject(f.variables),
    rules: f.rules.map((r) => ({ ...r, audience: r.audience === null ? null : sortedObject(r.audience), variables: sortedObject(r.variables) })),
    forcedDecisions: stored.forced
      .filter((d) => d.flag === f.key)
      .map((d) => ({ rule: d.rule, actor: d.actor, variation: d.variation }))
      .sort((a, b) => byText(a.rule, b.rule) || byText(a.actor, b.actor)),
  }));
  return { format: CONFIG_FORMAT, layers: layers.sort(byKey), experiments: experiments.sort(byKey), flags: flags.sort(byKey) };
}

/** An explicit layer of a document as its row. */
export const layerRowOf = (l: DocumentLayer): Layer => ({ ...l, services: [...l.services], hashVersion: HASH_VERSION, implicit: false });

/** The implicit layer of an experiment that names none (SPEC §1): key and salt its key, its services. */
export const implicitLayerOf = (e: DocumentExperiment): Layer => ({
  key: e.key,
  description: null,
  priority: 0,
  services: e.services,
  hashKey: "user_id",
  salt: e.key,
  hashVersion: HASH_VERSION,
  enabled: true,
  defaultParams: {},
  implicit: true,
});

/** A document experiment as its row (its traffic is its slots' count; overrides are rows of their own). */
export function experimentRowOf(e: DocumentExperiment, version: number, at: Date): Experiment {
  const { traffic: _traffic, overrides: _overrides, ...row } = e;
  return { ...row, layer: e.layer ?? e.key, version, createdAt: at, updatedAt: at };
}

/** The rows of a document's layers: explicit ones, then the implicit layers of `experiments`. */
export const layerRowsOf = (doc: ConfigDocument, experiments: readonly DocumentExperiment[]): Layer[] => [
  ...doc.layers.map(layerRowOf),
  ...experiments.filter((e) => e.layer === null).map(implicitLayerOf),
];

const DOCUMENT_TIME = new Date(0);
const takesPart = (e: DocumentExperiment) => e.state === "RUNNING" || e.state === "CONCLUDED";

/** The rows a snapshot compiles from a document (file mode): no database, so versions and dates are nominal. */
export function stateOfDocument(doc: ConfigDocument, version: number): ConfigState {
  const active = doc.experiments.filter(takesPart);
  const layers = layerRowsOf(doc, active);
  const experiments = active.map((e) => experimentRowOf(e, 1, DOCUMENT_TIME));
  return {
    version,
    layers,
    experiments,
    overrides: active.flatMap((e) => e.overrides.map((o) => ({ experiment: e.key, actor: o.actor, variant: o.variant }))),
    flags: doc.flags.map((f) => ({ key: f.key, services: f.services, enabled: f.enabled, archived: f.archived, hashKey: f.hashKey, variables: f.variables, rules: f.rules })),
    forced: doc.flags.flatMap((f) => f.forcedDecisions.map((d) => ({ flag: f.key, ...d }))),
  };
}
