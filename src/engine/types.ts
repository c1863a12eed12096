// The domain model the engine computes on: plain, immutable data.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const EXPERIMENT_STATES = ["DRAFT", "RUNNING", "CONCLUDED", "ARCHIVED"] as const;
export type ExperimentState = (typeof EXPERIMENT_STATES)[number];

export type DecisionSource = "OVERRIDE" | "STICKY" | "BUCKET" | "WINNER";

/** A half-open run of slots `[start, end)`. */
export interface Segment {
  readonly start: number;
  readonly end: number;
}

/** A half-open run of slots `[start, end)` served by variant `vid`. */
export interface SlotRange extends Segment {
  readonly vid: number;
}

export interface Variant {
  readonly key: string;
  readonly vid: number;
  readonly weight: number;
  readonly params: JsonObject;
}

export interface Layer {
  readonly key: string;
  readonly description: string | null;
  readonly priority: number;
  readonly services: readonly string[];
  readonly hashKey: string;
  readonly salt: string;
  readonly hashVersion: number;
  readonly enabled: boolean;
  readonly defaultParams: JsonObject;
  /** Implicit layers belong to one experiment and are not listed among layers. */
  readonly implicit: boolean;
}

export interface Experiment {
  readonly key: string;
  readonly description: string | null;
  readonly services: readonly string[];
  readonly layer: string;
  readonly state: ExperimentState;
  readonly variants: readonly Variant[];
  readonly winner: string | null;
  readonly exclusionGroup: string | null;
  readonly rule: JsonObject | null;
  /** The slots of its layer the experiment owns, sorted, disjoint. */
  readonly slots: readonly Segment[];
  /** Which variant serves which owned slot; a subset of `slots`. */
  readonly ranges: readonly SlotRange[];
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** xxHash32 of a string's UTF-8 bytes, seed 0 (xxhash-wasm's `h32`), injected. */
export type Hash32 = (input: string) => number;
