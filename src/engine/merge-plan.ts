// The parameter merge of SPEC §5 compiled per service: objects deep-merge, anything else is replaced by
// the later layer's value. Over many layers the plain recursive merge spends its time on property
// lookups and stores with ever-changing keys into ever-growing objects; here all of that is done once.
//
// At compile time every layer's possible contributions (its defaultParams, each variant's params merged
// onto them) are aligned on the layer's Shape (the keys it can write, at every depth), and each layer's
// shape is mapped onto the service's. A decision then writes values into arrays, one slot per key and
// depth, merges objects only where two layers write one under the same key, and builds each object of
// the answer once at the end; an object written by one layer alone is reused as it is (frozen, shared).
//
// Key order of the answer: the order in which keys first appear going through the service's layers in
// merge order (within a layer: its defaultParams' keys, then its variants').

import { isJsonObject } from "./definition";
import type { JsonObject, JsonValue } from "./types";

/** The keys an object position can hold, and the shape of the objects under them. */
export interface Shape {
  readonly keys: string[];
  readonly index: Map<string, number>;
  readonly children: (Shape | null)[];
}

/** One possible contribution of a layer, aligned on the layer's shape (undefined: the key is not written). */
export interface AlignedParams {
  readonly values: readonly (JsonValue | undefined)[];
  /** For each value that is an object (not an array): the same, aligned on the child shape; else null. */
  readonly nested: readonly (AlignedParams | null)[];
}

export function emptyShape(): Shape {
  return { keys: [], index: new Map(), children: [] };
}

/** The index of `key` in a shape, added at the end if new. */
function keyIndex(shape: Shape, key: string): number {
  let at = shape.index.get(key);
  if (at === undefined) {
    at = shape.keys.length;
    shape.index.set(key, at);
    shape.keys.push(key);
    shape.children.push(null);
  }
  return at;
}

/** Adds an object's keys, at every depth, to a shape. */
export function extendShape(shape: Shape, object: JsonObject): Shape {
  for (const key of Object.keys(object)) {
    const at = keyIndex(shape, key);
    const value = object[key]!;
    if (isJsonObject(value)) extendShape((shape.children[at] ??= emptyShape()), value);
  }
  return shape;
}

/** A shape made of the keys of several objects, in order. */
export function shapeOf(objects: readonly JsonObject[]): Shape {
  const shape = emptyShape();
  for (const o of objects) extendShape(shape, o);
  return shape;
}

export function alignParams(params: JsonObject, shape: Shape): AlignedParams {
  const values = shape.keys.map((k) => (Object.hasOwn(params, k) ? params[k] : undefined));
  return { values, nested: values.map((v, i) => (isJsonObject(v) ? alignParams(v, shape.children[i]!) : null)) };
}

/** Where a layer's shape lands in the service's: layer key j → service key `at[j]`, and so on down. */
interface Places {
  readonly at: Int32Array;
  readonly children: readonly (Places | null)[];
}

function placesOf(layer: Shape, service: Shape): Places {
  return {
    at: Int32Array.from(layer.keys, (k) => service.index.get(k)!),
    children: layer.children.map((child, j) => (child === null ? null : placesOf(child, service.children[service.index.get(layer.keys[j]!)!]!))),
  };
}

const PLAIN = 0;
const MERGED = 1;
/** One object so far, kept as written: expanded into the child position only if a second one arrives. */
const SINGLE = 2;
/** Objects with this many keys or more are built by a compiled literal rather than key by key. */
const LITERAL_FROM = 8;

/** One object position of the service's answer, with its merge state during one (synchronous) decision. */
class Position {
  private readonly keys: readonly string[];
  private readonly children: readonly (Position | null)[];
  private readonly slots: (JsonValue | undefined)[];
  private readonly modes: Uint8Array;
  private readonly pending: (AlignedParams | null)[];
  private readonly pendingPlaces: (Places | null)[];
  /** `values → object` as one object literal, when the position is wide. */
  private readonly literal: ((values: readonly (JsonValue | undefined)[]) => JsonObject) | null;
  /** Scratch: this position's values during `build`, every entry rewritten each time. */
  private readonly built: (JsonValue | undefined)[];

  constructor(shape: Shape) {
    this.keys = shape.keys;
    this.children = shape.children.map((c) => (c === null ? null : new Position(c)));
    const n = shape.keys.length;
    this.slots = new Array<JsonValue | undefined>(n).fill(undefined);
    this.modes = new Uint8Array(n);
    this.pending = new Array<AlignedParams | null>(n).fill(null);
    this.pendingPlaces = new Array<Places | null>(n).fill(null);
    this.built = new Array<JsonValue | undefined>(n).fill(undefined);
    this.literal = n >= LITERAL_FROM ? compileLiteral(shape.keys) : null;
  }

  apply(params: AlignedParams, places: Places): void {
    const { values, nested } = params;
    for (let j = 0; j < values.length; j++) {
      const value = values[j];
      if (value === undefined) continue;
      const u = places.at[j]!;
      const inner = nested[j]!;
      const mode = this.modes[u]!;
      if (inner === null) {
        if (mode === MERGED) this.children[u]!.clear();
        this.pending[u] = null;
        this.slots[u] = value;
        this.modes[u] = PLAIN;
      } else if (mode === PLAIN) {
        this.slots[u] = value;
        this.pending[u] = inner;
        this.pendingPlaces[u] = places.children[j]!;
        this.modes[u] = SINGLE;
      } else {
        const child = this.children[u]!;
        if (mode === SINGLE) {
          child.apply(this.pending[u]!, this.pendingPlaces[u]!);
          this.pending[u] = null;
          this.slots[u] = undefined;
          this.modes[u] = MERGED;
        }
        child.apply(inner, places.children[j]!);
      }
    }
  }

  /** The object this position holds, its state cleared for the next decision. */
  build(): JsonObject {
    const keys = this.keys;
    const built = this.built;
    let complete = true;
    for (let u = 0; u < keys.length; u++) {
      const value = this.modes[u] === MERGED ? this.children[u]!.build() : this.slots[u];
      built[u] = value;
      if (value === undefined) complete = false;
      this.slots[u] = undefined;
      this.pending[u] = null;
      this.modes[u] = PLAIN;
    }
    let out: JsonObject;
    if (complete && this.literal !== null) out = this.literal(built);
    else {
      out = {};
      for (let u = 0; u < keys.length; u++) if (built[u] !== undefined) out[keys[u]!] = built[u]!;
    }
    return out;
  }

  private clear(): void {
    for (let u = 0; u < this.keys.length; u++) {
      if (this.modes[u] === MERGED) this.children[u]!.clear();
      this.slots[u] = undefined;
      this.pending[u] = null;
      this.modes[u] = PLAIN;
    }
  }
}

/**
 * `(v) => ({ "k0": v[0], "k1": v[1], … })`: V8 creates such an object from a template in one step,
 * where storing a hundred computed keys one by one costs tens of nanoseconds each. The keys are
 * configuration data, written only as JSON string literals; `__proto__` (refused as a parameter key)
 * would set the prototype in a literal, so a shape holding it is never compiled.
 */
function compileLiteral(keys: readonly string[]): ((values: readonly (JsonValue | undefined)[]) => JsonObject) | null {
  if (keys.includes("__proto__")) return null;
  const body = keys.map((k, u) => `${JSON.stringify(k)}: v[${u}]`).join(",\n");
  return new Function("v", `"use strict";\nreturn {\n${body}\n};`) as (values: readonly (JsonValue | undefined)[]) => JsonObject;
}

/** A service's merge, compiled from its layers' shapes in merge order. */
export class ServiceMerge {
  private readonly root: Position;
  private readonly places: readonly Places[];

  constructor(layerShapes: readonly Shape[]) {
    const service = emptyShape();
    for (const shape of layerShapes) mergeShapeInto(service, shape);
    this.root = new Position(service);
    this.places = layerShapes.map((shape) => placesOf(shape, service));
  }

  /** `chosen[i]` is layer i's contribution for this decision (aligned on layer i's shape). */
  merge(chosen: readonly AlignedParams[]): JsonObject {
    for (let i = 0; i < chosen.length; i++) this.root.apply(chosen[i]!, this.places[i]!);
    return this.root.build();
  }
}

function mergeShapeInto(target: Shape, shape: Shape): void {
  shape.keys.forEach((key, j) => {
    const at = keyIndex(target, key);
    const child = shape.children[j]!;
    if (child !== null) mergeShapeInto((target.children[at] ??= emptyShape()), child);
  });
}
