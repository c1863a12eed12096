// The layered system's own files (SPEC §15 file mode, `001`): layer and experiment JSON, one object a file,
// turned into a `tessera.config/v1` document. Pure: file names and texts in, a document (or the first fault,
// naming the file and the JSON path inside it) out.

import type { ConfigDocumentInput, ExperimentInput, LayerInput } from "./config-document";
import { CONFIG_FORMAT } from "./config-document";
import { KEY_PATTERN, SERVICE_PATTERN } from "./definition";
import { DomainError } from "./errors";
import { SLOTS_PER_LAYER } from "./hashing";
import type { JsonObject, SlotRange } from "./types";

/** One file as read: its name as errors show it (`layers/click.json`) and its text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** A fault of one file: which file, where in it (a JSON path; `$` for the whole file), what. */
export interface FileFault {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

export class FileFaultError extends DomainError {
  constructor(readonly fault: FileFault) {
    super("BAD_USER_INPUT", `${fault.file}: ${fault.field === "$" ? "" : `${fault.field}: `}${fault.message}`, { file: fault.file, field: fault.field });
  }
}

export interface LayeredDocument {
  readonly document: ConfigDocumentInput;
  /** The file each of the document's layers and experiments came from, by index: to name a fault the planner finds. */
  readonly layerFiles: readonly string[];
  readonly experimentFiles: readonly string[];
  /** What is odd but served anyway (a range whose vid no experiment holds, an experiment in no layer). */
  readonly warnings: readonly FileFault[];
}

const MAX_ATTRIBUTE = 128;

const fail = (file: string, field: string, message: string): never => {
  throw new FileFaultError({ file, field, message });
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The file's one JSON object, or a fault at `$`. */
export function parseFile(source: SourceFile): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(source.text);
  } catch (error) {
    return fail(source.file, "$", `is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) return fail(source.file, "$", "must hold one JSON object");
  return value;
}

interface LayerFile {
  readonly file: string;
  readonly key: string;
  readonly version: unknown;
  readonly priority: number;
  readonly hashKey: string;
  readonly salt: string;
  readonly enabled: boolean;
  readonly ranges: readonly SlotRange[];
}

interface ExperimentFile {
  readonly file: string;
  readonly key: string;
  readonly service: string;
  readonly rule: JsonObject | null;
  readonly variants: ReadonlyArray<{ readonly vid: number; readonly params: JsonObject }>;
}

function text(file: string, object: Record<string, unknown>, field: string, fallback: string): string {
  const value = object[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string" || value.trim() === "" || value.length > MAX_ATTRIBUTE) return fail(file, field, `must be a string of 1-${MAX_ATTRIBUTE} characters`);
  return value;
}

const isSlotInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= SLOTS_PER_LAYER;

function layerOf(source: SourceFile): LayerFile {
  const { file } = source;
  const object = parseFile(source);
  const id = object.layer_id;
  if (typeof id !== "string") return fail(file, "layer_id", "is required: a string");
  // Tessera's keys are lowercase; a layer is refused rather than renamed, so what a person reads is what is served.
  if (!KEY_PATTERN.test(id)) return fail(file, "layer_id", `"${id.slice(0, 80)}" must match ${KEY_PATTERN.source} (a Tessera key: lowercase letters, digits, _ . -)`);
  const priority = object.priority ?? 0;
  if (!Number.isSafeInteger(priority)) return fail(file, "priority", "must be an integer");
  const enabled = object.enabled ?? true;
  if (typeof enabled !== "boolean") return fail(file, "enabled", "must be true or false");
  if (!Array.isArray(object.ranges)) return fail(file, "ranges", "is required: a list of {start, end, vid}");
  const ranges = object.ranges.map((range: unknown, i): SlotRange => {
    const at = `ranges[${i}]`;
    if (!isObject(range)) return fail(file, at, "must be an object {start, end, vid}");
    if (!isSlotInteger(range.start)) return fail(file, `${at}.start`, `must be an integer in [0, ${SLOTS_PER_LAYER}]`);
    if (!isSlotInteger(range.end)) return fail(file, `${at}.end`, `must be an integer in [0, ${SLOTS_PER_LAYER}]`);
    if (range.end <= range.start) return fail(file, at, `[${range.start}, ${range.end}) holds no slot: end must be above start`);
    if (!Number.isSafeInteger(range.vid) || (range.vid as number) < 1) return fail(file, `${at}.vid`, "must be a positive integer");
    return { start: range.start, end: range.end, vid: range.vid as number };
  });
  const order = ranges.map((r, i) => ({ r, i })).sort((a, b) => a.r.start - b.r.start);
  order.forEach(({ r, i }, k) => {
    const prior = order[k - 1];
    if (prior && r.start < prior.r.end) fail(file, `ranges[${i}]`, `[${r.start}, ${r.end}) overlaps ranges[${prior.i}] [${prior.r.start}, ${prior.r.end})`);
  });
  return { file, key: id, version: object.version, priority: priority as number, hashKey: text(file, object, "hash_key", "user_id"), salt: text(file, object, "salt", id), enabled, ranges };
}

function experimentOf(source: SourceFile): ExperimentFile {
  const { file } = source;
  const object = parseFile(source);
  const eid = object.eid;
  if (!(Number.isSafeInteger(eid) && (eid as number) >= 0) && typeof eid !== "string") return fail(file, "eid", "is required: an integer or a string");
  const key = String(eid);
  if (!KEY_PATTERN.test(key)) return fail(file, "eid", `"${key.slice(0, 80)}" must match ${KEY_PATTERN.source} (the experiment's key is eid as text)`);
  const service = object.service;
  if (typeof service !== "string" || !SERVICE_PATTERN.test(service)) return fail(file, "service", `is required: a service name matching ${SERVICE_PATTERN.source}`);
  const rule = object.rule ?? null;
  if (rule !== null && !isObject(rule)) return fail(file, "rule", "must be a rule object or null");
  if (!Array.isArray(object.variants) || object.variants.length === 0) return fail(file, "variants", "is required: a list of {vid, params}, at least one");
  const seen = new Set<number>();
  const variants = object.variants.map((variant: unknown, i) => {
    const at = `variants[${i}]`;
    if (!isObject(variant)) return fail(file, at, "must be an object {vid, params}");
    const vid = variant.vid;
    if (!Number.isSafeInteger(vid) || (vid as number) < 1) return fail(file, `${at}.vid`, "must be a positive integer");
    if (seen.has(vid as number)) return fail(file, `${at}.vid`, `vid ${String(vid)} is listed twice`);
    seen.add(vid as number);
    const params = variant.params ?? {};
    if (!isObject(params)) return fail(file, `${at}.params`, "must be a JSON object");
    return { vid: vid as number, params: params as JsonObject };
  });
  return { file, key, service, rule: rule as JsonObject | null, variants };
}

/** Refuses the second file that claims a key another file has. */
function unique<T extends { readonly file: string; readonly key: string }>(items: readonly T[], field: string, what: string): void {
  const first = new Map<string, string>();
  for (const item of items) {
    const other = first.get(item.key);
    if (other !== undefined) fail(item.file, field, `${what} "${item.key}" is also defined in ${other}`);
    first.set(item.key, item.file);
  }
}

const versionText = (version: unknown): string => (typeof version === "string" || typeof version === "number" ? `, version ${String(version).slice(0, 100)}` : "");

/**
 * The document the layered system's files describe (SPEC §15): experiment key = eid as text, variant key
 * = vid as text, each experiment RUNNING in the one layer whose ranges hold its vids, owning exactly those
 * ranges (weights: the slots each vid holds, so an export reads as the split it is); a layer serves the
 * services of its experiments. Files are taken in name order, so a fault found between two files is
 * always reported at the same one.
 */
export function documentOfLayeredFiles(layerSources: readonly SourceFile[], experimentSources: readonly SourceFile[]): LayeredDocument {
  const byName = (a: SourceFile, b: SourceFile) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  const layers = [...layerSources].sort(byName).map(layerOf);
  const experiments = [...experimentSources].sort(byName).map(experimentOf);
  unique(layers, "layer_id", "layer");
  unique(experiments, "eid", "experiment");

  const experimentOfVid = new Map<number, { experiment: ExperimentFile; index: number }>();
  for (const experiment of experiments) {
    experiment.variants.forEach((v, index) => {
      const other = experimentOfVid.get(v.vid);
      if (other) fail(experiment.file, `variants[${index}].vid`, `vid ${v.vid} is also a variant of experiment "${other.experiment.key}" (${other.experiment.file}: variants[${other.index}].vid)`);
      experimentOfVid.set(v.vid, { experiment, index });
    });
  }

  const warnings: FileFault[] = [];
  const layerOfVid = new Map<number, { layer: LayerFile; index: number }>();
  for (const layer of layers) {
    layer.ranges.forEach((r, index) => {
      const other = layerOfVid.get(r.vid);
      if (other && other.layer !== layer) fail(layer.file, `ranges[${index}].vid`, `vid ${r.vid} is also in layer "${other.layer.key}" (${other.layer.file}: ranges[${other.index}].vid); a vid sits in one layer`);
      if (!other) layerOfVid.set(r.vid, { layer, index });
      if (!experimentOfVid.has(r.vid)) warnings.push({ file: layer.file, field: `ranges[${index}].vid`, message: `vid ${r.vid} is a variant of no experiment file: these slots serve nothing` });
    });
  }

  const servicesOf = new Map<LayerFile, Set<string>>();
  const experimentInputs: ExperimentInput[] = [];
  const experimentFiles: string[] = [];
  for (const experiment of experiments) {
    let home: { layer: LayerFile; variant: number } | null = null;
    for (const [variant, v] of experiment.variants.entries()) {
      const found = layerOfVid.get(v.vid);
      if (!found) continue;
      if (home !== null && home.layer !== found.layer) {
        fail(experiment.file, `variants[${variant}].vid`, `vid ${v.vid} is in layer "${found.layer.key}" (${found.layer.file}) but vid ${experiment.variants[home.variant]!.vid} is in layer "${home.layer.key}" (${home.layer.file}); an experiment sits in one layer`);
      }
      home ??= { layer: found.layer, variant };
    }
    if (home === null) {
      warnings.push({ file: experiment.file, field: "variants", message: `no layer's ranges hold a vid of experiment "${experiment.key}": it is not served` });
      continue;
    }
    const layer = home.layer;
    const services = servicesOf.get(layer) ?? new Set<string>();
    servicesOf.set(layer, services.add(experiment.service));
    const vids = new Set(experiment.variants.map((v) => v.vid));
    const ranges = layer.ranges.filter((r) => vids.has(r.vid)).map(({ start, end, vid }) => ({ start, end, vid }));
    const held = (vid: number) => ranges.reduce((n, r) => n + (r.vid === vid ? r.end - r.start : 0), 0);
    experimentInputs.push({
      key: experiment.key,
      services: [experiment.service],
      layer: layer.key,
      state: "RUNNING",
      rule: experiment.rule,
      slots: ranges.map(({ start, end }) => ({ start, end })),
      ranges,
      variants: experiment.variants.map((v) => ({ key: String(v.vid), vid: v.vid, weight: held(v.vid), params: v.params })),
    });
    experimentFiles.push(experiment.file);
  }

  const layerInputs: LayerInput[] = layers.map((layer) => {
    const services = [...(servicesOf.get(layer) ?? [])].sort();
    return {
      key: layer.key,
      description: `${layer.file}${versionText(layer.version)}`,
      priority: layer.priority,
      services,
      hashKey: layer.hashKey,
      salt: layer.salt,
      enabled: layer.enabled,
      defaultParams: {},
    };
  });
  return {
    document: { format: CONFIG_FORMAT, layers: layerInputs, experiments: experimentInputs },
    layerFiles: layers.map((l) => l.file),
    experimentFiles,
    warnings,
  };
}

/**
 * A fault the planner found in a converted document (`document.experiments[2].rule.children[0]`), named in
 * the file it came from (`experiments/100.json`, `rule.children[0]`): the layered files keep the
 * document's field names for rules, variants and params, in the same order.
 */
export function faultInFiles(error: DomainError, converted: LayeredDocument, base: string): FileFault | null {
  const field = error.details.field;
  if (typeof field !== "string") return null;
  const match = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(layers|experiments)\\[(\\d+)\\](?:\\.(.*))?$`).exec(field);
  if (!match) return null;
  const files = match[1] === "layers" ? converted.layerFiles : converted.experimentFiles;
  const file = files[Number(match[2])];
  if (file === undefined) return null;
  const inner = match[3] ?? "$";
  const named = inner === "key" ? (match[1] === "layers" ? "layer_id" : "eid") : inner.startsWith("services") ? "service" : inner;
  return { file, field: named, message: error.message };
}
