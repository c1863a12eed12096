// The explicit layers an import asks for (SPEC §15): salt and hash key never change; prune disables.

import type { DocumentLayer, LayerInput } from "./config-document";
import { byKey } from "./config-document";
import { validateKey, validateParams, validateServices, validateText } from "./definition";
import { DomainError, badInput } from "./errors";
import type { JsonObject } from "./types";

const MAX_ATTRIBUTE = 128;

function validateAttribute(field: string, value: string, what: string): void {
  if (value.trim() === "" || value.length > MAX_ATTRIBUTE) throw badInput(field, `${what} must be 1-${MAX_ATTRIBUTE} characters, not blank`);
}

function wantedLayer(path: string, input: LayerInput, current: DocumentLayer | null, filesDecide: boolean): DocumentLayer {
  validateKey(`${path}.key`, input.key);
  validateText(`${path}.description`, input.description);
  validateServices(`${path}.services`, input.services);
  if (input.hashKey != null) validateAttribute(`${path}.hashKey`, input.hashKey, "hashKey");
  if (input.salt != null) validateAttribute(`${path}.salt`, input.salt, "salt");
  if (input.defaultParams != null) validateParams(`${path}.defaultParams`, input.defaultParams);
  const layer: DocumentLayer = {
    key: input.key,
    description: input.description ?? null,
    priority: input.priority ?? 0,
    services: [...input.services],
    // What can never change keeps its value when left out.
    hashKey: input.hashKey ?? current?.hashKey ?? "user_id",
    salt: input.salt ?? current?.salt ?? input.key,
    enabled: input.enabled ?? true,
    defaultParams: (input.defaultParams as JsonObject | null | undefined) ?? {},
  };
  for (const field of ["salt", "hashKey"] as const) {
    if (current && !filesDecide && layer[field] !== current[field]) {
      throw new DomainError("CONFLICT", `layer "${input.key}" has ${field} "${current[field]}"; it never changes: every actor would move`, { field: `${path}.${field}` });
    }
  }
  return layer;
}

/** Listed layers as asked; unlisted ones kept, or disabled with `prune` (a layer has no archived state). */
export function planLayers(path: string, current: readonly DocumentLayer[], inputs: readonly LayerInput[], prune: boolean, filesDecide = false): DocumentLayer[] {
  const byCurrentKey = new Map(current.map((l) => [l.key, l]));
  const listed = new Set(inputs.map((l) => l.key));
  return [
    ...inputs.map((l, i) => wantedLayer(`${path}[${i}]`, l, byCurrentKey.get(l.key) ?? null, filesDecide)),
    ...current.filter((l) => !listed.has(l.key)).map((l) => (prune && l.enabled ? { ...l, enabled: false } : l)),
  ].sort(byKey);
}
