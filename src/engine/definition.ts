// Validation of what a client may write: keys, variants, params (SPEC §6 createExperiment).

import { badInput } from "./errors";
import type { JsonObject, JsonValue } from "./types";

export const KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const SERVICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const MAX_VARIANTS = 100;
const MAX_TEXT = 2_000;

export interface VariantDefinition {
  key: string;
  weight: number;
  params?: JsonValue;
  vid?: number | null;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function validateKey(field: string, key: string): void {
  if (!KEY_PATTERN.test(key)) {
    const shown = key.length > 80 ? `${key.slice(0, 80)}…` : key;
    throw badInput(field, `"${shown}" is not a valid key: use 1-64 of [a-z0-9_.-], starting with a letter or digit`);
  }
}

export function validateText(field: string, text: string | null | undefined): void {
  if (text != null && text.length > MAX_TEXT) throw badInput(field, `must be at most ${MAX_TEXT} characters`);
}

export function validateServices(field: string, services: readonly string[]): void {
  const seen = new Set<string>();
  services.forEach((service, i) => {
    if (!SERVICE_PATTERN.test(service)) {
      throw badInput(`${field}[${i}]`, `"${service.slice(0, 80)}" is not a valid service name`);
    }
    if (seen.has(service)) throw badInput(`${field}[${i}]`, `service "${service}" is listed twice`);
    seen.add(service);
  });
}

export function validateGroup(field: string, group: string | null | undefined): void {
  if (group != null) validateKey(field, group);
}

export function validateParams(field: string, params: unknown): void {
  if (!isJsonObject(params)) throw badInput(field, "params must be a JSON object");
  rejectProtoKeys(field, params);
}

/**
 * `__proto__` is a legal JSON key, but assigning it to a JavaScript object sets the object's
 * prototype instead: a merged answer would lose it silently. Refused at any depth.
 */
function rejectProtoKeys(field: string, value: JsonValue): void {
  if (Array.isArray(value)) value.forEach((item, i) => rejectProtoKeys(`${field}[${i}]`, item));
  else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === "__proto__") throw badInput(`${field}.__proto__`, "\"__proto__\" cannot be a parameter key");
      rejectProtoKeys(`${field}.${key}`, value[key]!);
    }
  }
}

export function validateVariants(field: string, variants: readonly VariantDefinition[]): void {
  if (variants.length === 0) throw badInput(field, "at least one variant is required");
  if (variants.length > MAX_VARIANTS) throw badInput(field, `at most ${MAX_VARIANTS} variants are allowed`);
  const keys = new Set<string>();
  const vids = new Set<number>();
  variants.forEach((v, i) => {
    const at = `${field}[${i}]`;
    if (v.key.trim() === "" || v.key.length > 64) throw badInput(`${at}.key`, "variant key must be 1-64 characters, not blank");
    if (keys.has(v.key)) throw badInput(`${at}.key`, `variant key "${v.key}" is used twice`);
    keys.add(v.key);
    if (!Number.isInteger(v.weight) || v.weight < 0) throw badInput(`${at}.weight`, "weight must be an integer ≥ 0");
    if (v.params !== undefined) validateParams(`${at}.params`, v.params);
    if (v.vid != null) {
      if (!Number.isInteger(v.vid) || v.vid <= 0) throw badInput(`${at}.vid`, "vid must be a positive integer");
      if (vids.has(v.vid)) throw badInput(`${at}.vid`, `vid ${v.vid} is used twice`);
      vids.add(v.vid);
    }
  });
}
