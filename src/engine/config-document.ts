// The configuration as one document (SPEC §15, `tessera.config/v1`): what export writes, what import and
// file mode read. Normalized documents have every field; input documents may leave out what has a default.

import type { FlagDefinition, FlagRuleDefinition } from "./flag-types";
import type { ExperimentState, JsonObject, Layer, Segment, SlotRange } from "./types";

export const CONFIG_FORMAT = "tessera.config/v1";

/** An explicit layer: implicit layers are their experiments' (`layer: null`), and the hash version is the server's. */
export type DocumentLayer = Omit<Layer, "hashVersion" | "implicit">;

export interface DocumentVariant {
  readonly key: string;
  readonly vid: number;
  readonly weight: number;
  readonly params: JsonObject;
}

export interface DocumentOverride {
  readonly actor: string;
  readonly variant: string;
}

export interface DocumentExperiment {
  readonly key: string;
  readonly description: string | null;
  readonly services: readonly string[];
  /** The explicit layer; null: the experiment's own implicit layer (SPEC §1). */
  readonly layer: string | null;
  readonly state: ExperimentState;
  readonly winner: string | null;
  readonly exclusionGroup: string | null;
  readonly rule: JsonObject | null;
  /** How many slots of its layer it owns: the number of slots in `slots`. */
  readonly traffic: number;
  /** The slots it owns, sorted, disjoint. */
  readonly slots: readonly Segment[];
  /** Which variant serves which owned slot, sorted. */
  readonly ranges: readonly SlotRange[];
  readonly variants: readonly DocumentVariant[];
  /** Sorted by actor. */
  readonly overrides: readonly DocumentOverride[];
}

export interface DocumentForcedDecision {
  readonly rule: string;
  readonly actor: string;
  readonly variation: string;
}

export interface DocumentFlag extends FlagDefinition {
  readonly description: string | null;
  /** Sorted by rule, then actor. */
  readonly forcedDecisions: readonly DocumentForcedDecision[];
}

/** A normalized document: every field present, every list sorted by key (SPEC §15). */
export interface ConfigDocument {
  readonly format: typeof CONFIG_FORMAT;
  readonly layers: readonly DocumentLayer[];
  readonly experiments: readonly DocumentExperiment[];
  readonly flags: readonly DocumentFlag[];
}

/** Optional fields of an input: `undefined` and `null` both mean "not given" where null is not a value. */
type Given<T> = { readonly [K in keyof T]?: T[K] | null };

export type LayerInput = Given<DocumentLayer> & { readonly key: string; readonly services: readonly string[] };

export type VariantInput = Given<DocumentVariant> & { readonly key: string; readonly weight: number };

export type ExperimentInput = Given<Omit<DocumentExperiment, "variants" | "overrides">> & {
  readonly key: string;
  readonly variants: readonly VariantInput[];
  readonly overrides?: readonly DocumentOverride[] | null;
};

export type FlagRuleInput = Given<FlagRuleDefinition> & { readonly key: string; readonly type: string };

export type FlagInput = Given<Omit<DocumentFlag, "rules">> & {
  readonly key: string;
  readonly rules?: readonly FlagRuleInput[] | null;
};

/** A document as a person or a tool writes it; its shape was checked against the JSON Schema. */
export interface ConfigDocumentInput {
  readonly format: string;
  readonly layers?: readonly LayerInput[] | null;
  readonly experiments?: readonly ExperimentInput[] | null;
  readonly flags?: readonly FlagInput[] | null;
}

export const EMPTY_DOCUMENT: ConfigDocument = { format: CONFIG_FORMAT, layers: [], experiments: [], flags: [] };

export const byKey = <T extends { readonly key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
