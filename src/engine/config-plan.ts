// The plan of an import (SPEC §15): the configuration now and a document in, the configuration after it
// and what changes out. Pure: the service writes it in one transaction, file mode compiles it.

import { countMovedSlots, countSlots } from "./allocation";
import { CONFIG_FORMAT, type ConfigDocument, type ConfigDocumentInput, type DocumentExperiment, type DocumentFlag, byKey } from "./config-document";
import { wantedFlag } from "./config-plan-flags";
import { type WantedExperiment, nextFreeVid, wantedExperiment } from "./config-plan-experiments";
import { planLayers } from "./config-plan-layers";
import { describeChanges } from "./config-plan-changes";
import { DomainError, badInput } from "./errors";
import { groupBy } from "./group-by";
import { type PlacementRequest, placeLayer } from "./slot-placement";
import { sameJson } from "./json-equal";
import type { JsonValue } from "./types";

export type PlannedAction = "CREATE" | "UPDATE" | "DELETE";

export interface PlannedChange {
  readonly kind: "layer" | "experiment" | "flag";
  readonly key: string;
  readonly action: PlannedAction;
  readonly detail: string | null;
}

export interface ImportPlan {
  /** The whole configuration after the import, normalized. */
  readonly document: ConfigDocument;
  readonly changes: readonly PlannedChange[];
  /** Slots that would serve another variant (or none) in experiments that exist now. */
  readonly slotsMoved: number;
  /** Variants the import removes, by experiment: refused when actors are assigned to them (as `setWeights`). */
  readonly removedVariants: ReadonlyArray<{ readonly experiment: string; readonly field: string; readonly variants: readonly string[] }>;
}

export interface ImportOptions {
  /** Archive (flags, experiments) or disable (layers) what the document does not list. */
  readonly prune: boolean;
  /** The JSON path of the document in errors. */
  readonly path?: string;
  /**
   * File mode on a database: the files decide, so what a history would forbid is allowed (states in any
   * order, an archived object listed again comes back, a salt or hash key edited). What protects stored
   * data still holds: vids, layers, and variants that actors are assigned to.
   */
  readonly filesDecide?: boolean;
}

/** Inputs listed twice under one key are refused at the second. */
function keyed<T extends { readonly key: string }>(path: string, items: readonly T[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.key)) throw badInput(`${path}[${i}].key`, `"${item.key}" is listed twice`);
    seen.add(item.key);
  });
}

/** Experiments, layers and flags share one key space (an implicit layer holds its experiment's key). */
function checkKeySpace(at: string, doc: Omit<ConfigDocument, "format">, listed: ReadonlyMap<string, string>): void {
  const owner = new Map<string, string>();
  const claim = (key: string, what: string) => {
    const prior = owner.get(key);
    if (prior !== undefined && prior !== what) {
      throw new DomainError("CONFLICT", `key "${key}" would name both a ${prior} and a ${what}`, { field: listed.get(`${what}:${key}`) ?? listed.get(`${prior}:${key}`) ?? at });
    }
    owner.set(key, what);
  };
  for (const l of doc.layers) claim(l.key, "layer");
  for (const e of doc.experiments) claim(e.key, "experiment");
  for (const f of doc.flags) claim(f.key, "flag");
}

function placeAll(wanted: readonly WantedExperiment[], kept: readonly DocumentExperiment[]): DocumentExperiment[] {
  const requests: Array<PlacementRequest & { layer: string | null; wanted: WantedExperiment | null }> = [
    ...wanted.map((w) => ({
      path: w.path,
      key: w.experiment.key,
      variants: w.experiment.variants,
      current: w.current,
      ownsNothing: w.experiment.layer !== null && w.experiment.state === "ARCHIVED",
      traffic: w.traffic,
      slots: w.slots,
      ranges: w.ranges,
      layer: w.experiment.layer,
      wanted: w,
    })),
    ...kept.map((e) => ({ path: null, key: e.key, variants: e.variants, current: e, ownsNothing: false, traffic: null, slots: null, ranges: null, layer: e.layer, wanted: null })),
  ];
  const placed = new Map<string, { slots: DocumentExperiment["slots"]; ranges: DocumentExperiment["ranges"] }>();
  for (const [layer, members] of groupBy(requests, (r) => r.layer ?? `\u0000${r.key}`)) {
    const implicit = layer.startsWith("\u0000");
    for (const [key, p] of placeLayer(implicit ? layer.slice(1) : layer, implicit, members)) placed.set(key, p);
  }
  return [
    ...wanted.map((w) => {
      const p = placed.get(w.experiment.key)!;
      return { ...w.experiment, traffic: countSlots(p.slots), slots: p.slots, ranges: p.ranges };
    }),
    ...kept,
  ].sort(byKey);
}

/** A document turned into the configuration it asks for, against `current`; throws on the first fault, with its path. */
export function planImport(current: ConfigDocument, input: ConfigDocumentInput, options: ImportOptions): ImportPlan {
  const at = options.path ?? "document";
  if (input.format !== CONFIG_FORMAT) throw badInput(`${at}.format`, `format must be "${CONFIG_FORMAT}"`);
  const layerInputs = input.layers ?? [];
  const experimentInputs = input.experiments ?? [];
  const flagInputs = input.flags ?? [];
  keyed(`${at}.layers`, layerInputs);
  keyed(`${at}.experiments`, experimentInputs);
  keyed(`${at}.flags`, flagInputs);
  const listed = new Map<string, string>([
    ...layerInputs.map((l, i): [string, string] => [`layer:${l.key}`, `${at}.layers[${i}].key`]),
    ...experimentInputs.map((e, i): [string, string] => [`experiment:${e.key}`, `${at}.experiments[${i}].key`]),
    ...flagInputs.map((f, i): [string, string] => [`flag:${f.key}`, `${at}.flags[${i}].key`]),
  ]);

  const filesDecide = options.filesDecide ?? false;
  const layers = planLayers(`${at}.layers`, current.layers, layerInputs, options.prune, filesDecide);
  const layerMap = new Map(layers.map((l) => [l.key, l]));
  const currentExperiments = new Map(current.experiments.map((e) => [e.key, e]));
  const freeVid = nextFreeVid(current.experiments, experimentInputs);
  const wanted = experimentInputs.map((e, i) => wantedExperiment(`${at}.experiments[${i}]`, e, currentExperiments.get(e.key) ?? null, layerMap, freeVid, filesDecide));
  if (options.prune) {
    wanted.forEach((w) => {
      if (w.experiment.layer !== null && !layerInputs.some((l) => l.key === w.experiment.layer)) {
        throw badInput(`${w.path}.layer`, `layer "${w.experiment.layer}" is not in the document, and prune would disable it`);
      }
    });
  }
  const inputKeys = new Set(experimentInputs.map((e) => e.key));
  const kept = current.experiments
    .filter((e) => !inputKeys.has(e.key))
    .map((e): DocumentExperiment => (options.prune && e.state !== "ARCHIVED" ? { ...e, state: "ARCHIVED", ...(e.layer === null ? {} : { traffic: 0, slots: [], ranges: [] }) } : e));
  const experiments = placeAll(wanted, kept);
  const experimentMap = new Map(experiments.map((e) => [e.key, e]));
  const vids = new Map<number, string>();
  for (const e of experiments) {
    for (const v of e.variants) {
      const other = vids.get(v.vid);
      if (other !== undefined && other !== e.key) {
        throw new DomainError("CONFLICT", `vid ${v.vid} would belong to both "${other}" and "${e.key}"`, { field: listed.get(`experiment:${e.key}`) ?? listed.get(`experiment:${other}`) ?? at });
      }
      vids.set(v.vid, e.key);
    }
  }
  for (const w of wanted) {
    const after = experimentMap.get(w.experiment.key)!;
    if (!filesDecide && w.current?.state === "ARCHIVED" && !sameJson(w.current as unknown as JsonValue, after as unknown as JsonValue)) {
      throw new DomainError("ARCHIVED", `experiment "${w.current.key}" is archived and cannot change`, { field: w.path, key: w.current.key });
    }
  }

  const currentFlags = new Map(current.flags.map((f) => [f.key, f]));
  const flagKeys = new Set(flagInputs.map((f) => f.key));
  const flags: DocumentFlag[] = [
    ...flagInputs.map((f, i) => {
      const before = currentFlags.get(f.key) ?? null;
      const after = wantedFlag(`${at}.flags[${i}]`, f, before, experimentMap, filesDecide);
      if (!filesDecide && before?.archived && !sameJson(before as unknown as JsonValue, after as unknown as JsonValue)) {
        throw new DomainError("ARCHIVED", `flag "${f.key}" is archived and cannot change`, { field: `${at}.flags[${i}]`, key: f.key });
      }
      return after;
    }),
    ...current.flags.filter((f) => !flagKeys.has(f.key)).map((f) => (options.prune && !f.archived ? { ...f, archived: true } : f)),
  ].sort(byKey);

  const document: ConfigDocument = { format: CONFIG_FORMAT, layers, experiments, flags };
  checkKeySpace(at, document, listed);
  let slotsMoved = 0;
  for (const after of experiments) {
    const before = currentExperiments.get(after.key);
    if (before) slotsMoved += countMovedSlots(before.ranges, after.ranges);
  }
  const removedVariants = wanted.flatMap((w) => {
    const removed = (w.current?.variants ?? []).filter((v) => !w.experiment.variants.some((n) => n.key === v.key)).map((v) => v.key);
    return removed.length === 0 ? [] : [{ experiment: w.experiment.key, field: `${w.path}.variants`, variants: removed }];
  });
  const listedKeys = new Set([...layerInputs, ...experimentInputs, ...flagInputs].map((x) => x.key));
  return { document, changes: describeChanges(current, document, listedKeys), slotsMoved, removedVariants };
}
