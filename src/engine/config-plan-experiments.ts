// The experiments an import asks for, checked against what exists (SPEC §6 and §15): vids kept, states
// only forward, nothing archived changed. Where they sit in their layers is decided by slot-placement.ts.

import { MAX_ACTOR_LENGTH } from "./actor";
import type { DocumentExperiment, DocumentLayer, DocumentOverride, DocumentVariant, ExperimentInput } from "./config-document";
import { validateGroup, validateKey, validateServices, validateText, validateVariants } from "./definition";
import { DomainError, badInput } from "./errors";
import { sameJson } from "./json-equal";
import { TRANSITIONS } from "./lifecycle";
import { validateRule } from "./rules";
import type { JsonObject } from "./types";

/** An experiment as the import wants it, before its slots are placed (`slots`/`ranges` as given, or null). */
export interface WantedExperiment {
  readonly path: string;
  readonly experiment: Omit<DocumentExperiment, "traffic" | "slots" | "ranges">;
  readonly current: DocumentExperiment | null;
  /** The slots it is to own; null: as many as it owns now (or the whole layer when implicit). */
  readonly traffic: number | null;
  readonly slots: DocumentExperiment["slots"] | null;
  readonly ranges: DocumentExperiment["ranges"] | null;
}

/** Every vid in use now and every vid the input names: new variants get numbers above all of them. */
export function nextFreeVid(current: readonly DocumentExperiment[], inputs: readonly ExperimentInput[]): () => number {
  let top = 0;
  for (const e of current) for (const v of e.variants) top = Math.max(top, v.vid);
  for (const e of inputs) for (const v of e.variants) if (typeof v.vid === "number") top = Math.max(top, v.vid);
  return () => ++top;
}

export const sameVariants = (a: readonly DocumentVariant[], b: readonly DocumentVariant[]): boolean =>
  a.length === b.length && a.every((v, i) => v.key === b[i]!.key && v.vid === b[i]!.vid && v.weight === b[i]!.weight && sameJson(v.params, b[i]!.params));

function wantedVariants(path: string, input: ExperimentInput, current: DocumentExperiment | null, freeVid: () => number): DocumentVariant[] {
  validateVariants(`${path}.variants`, input.variants);
  return input.variants.map((v, i) => {
    const kept = current?.variants.find((c) => c.key === v.key);
    if (kept && v.vid != null && v.vid !== kept.vid) {
      throw badInput(`${path}.variants[${i}].vid`, `variant "${v.key}" has vid ${kept.vid}; a vid never changes`);
    }
    return { key: v.key, vid: kept?.vid ?? v.vid ?? freeVid(), weight: v.weight, params: (v.params as JsonObject | null | undefined) ?? {} };
  });
}

function wantedOverrides(path: string, overrides: readonly DocumentOverride[], variants: readonly DocumentVariant[]): DocumentOverride[] {
  const seen = new Set<string>();
  overrides.forEach((o, i) => {
    const at = `${path}.overrides[${i}]`;
    if (o.actor === "" || o.actor.length > MAX_ACTOR_LENGTH || o.actor.includes("\u0000")) {
      throw badInput(`${at}.actor`, `actor must be 1-${MAX_ACTOR_LENGTH} characters, without NUL`);
    }
    if (seen.has(o.actor)) throw badInput(`${at}.actor`, `actor "${o.actor.slice(0, 80)}" has two overrides`);
    seen.add(o.actor);
    if (!variants.some((v) => v.key === o.variant)) {
      throw new DomainError("NO_VARIANT", `"${o.variant.slice(0, 80)}" is not a variant of this experiment`, { field: `${at}.variant` });
    }
  });
  return overrides.map((o) => ({ actor: o.actor, variant: o.variant })).sort((a, b) => (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));
}

/** The state rules of SPEC §6 between what exists and what the document asks. */
function checkLifecycle(path: string, wanted: WantedExperiment["experiment"], current: DocumentExperiment | null): void {
  const { key, state, winner, variants } = wanted;
  if (winner !== null && !variants.some((v) => v.key === winner)) {
    throw new DomainError("NO_VARIANT", `"${winner}" is not a variant of "${key}"`, { field: `${path}.winner`, key });
  }
  if (state === "CONCLUDED" && winner === null) throw badInput(`${path}.winner`, "a CONCLUDED experiment names its winner");
  if ((state === "DRAFT" || state === "RUNNING") && winner !== null) throw badInput(`${path}.winner`, `a ${state} experiment has no winner`);
  if (current === null || current.state === state) return;
  if (!TRANSITIONS[current.state].includes(state)) {
    throw new DomainError("CONFLICT", `experiment "${key}" cannot go from ${current.state} to ${state}: states only move forward`, {
      field: `${path}.state`,
      key,
      state: current.state,
    });
  }
}

/**
 * The experiment as `input` asks for it; `layers` are the layers after the import. Omitted fields
 * take their defaults, but what can never change (the layer, vids) keeps its current value.
 */
export function wantedExperiment(
  path: string,
  input: ExperimentInput,
  current: DocumentExperiment | null,
  layers: ReadonlyMap<string, DocumentLayer>,
  freeVid: () => number,
  filesDecide = false,
): WantedExperiment {
  validateKey(`${path}.key`, input.key);
  validateText(`${path}.description`, input.description);
  if (input.services != null) validateServices(`${path}.services`, input.services);
  validateRule(`${path}.rule`, input.rule);
  validateGroup(`${path}.exclusionGroup`, input.exclusionGroup);
  const layerKey = current ? current.layer : (input.layer ?? null);
  if (current && input.layer != null && input.layer !== current.layer) {
    throw new DomainError("CONFLICT", `experiment "${input.key}" is in ${current.layer === null ? "its own layer" : `layer "${current.layer}"`}; an experiment never changes layer`, {
      field: `${path}.layer`,
    });
  }
  const layer = layerKey === null ? null : layers.get(layerKey);
  if (layer === undefined) throw badInput(`${path}.layer`, `layer "${layerKey}" is neither in the document nor on the server`);
  const variants = wantedVariants(path, input, current, freeVid);
  const experiment = {
    key: input.key,
    description: input.description ?? null,
    services: [...(input.services ?? layer?.services ?? [])],
    layer: layerKey,
    state: input.state ?? "DRAFT",
    winner: input.winner ?? null,
    exclusionGroup: input.exclusionGroup ?? null,
    rule: (input.rule as JsonObject | null | undefined) ?? null,
    variants,
    overrides: wantedOverrides(path, input.overrides ?? [], variants),
  };
  checkLifecycle(path, experiment, filesDecide ? null : current);
  if (current && !filesDecide && !sameVariants(current.variants, variants) && current.state === "CONCLUDED" && experiment.state === "CONCLUDED") {
    throw new DomainError("NOT_RUNNING", `experiment "${input.key}" is concluded; its variants are final`, { field: `${path}.variants`, key: input.key });
  }
  const given = input.slots != null || input.ranges != null;
  if (given && (input.slots == null || input.ranges == null)) throw badInput(`${path}.${input.slots == null ? "slots" : "ranges"}`, "slots and ranges are given together");
  return { path, experiment, current, traffic: input.traffic ?? null, slots: input.slots ?? null, ranges: input.ranges ?? null };
}
