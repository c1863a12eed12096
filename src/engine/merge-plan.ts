// The parameter merge of SPEC §5 compiled per service: objects deep-merge, anything else is replaced by
// the later layer's value. Folding layer after layer costs work for every key every layer writes, most
// of it overwritten by the next layer; here each key of the answer is read from the top instead.
//
// Folding in merge order means: a key's value is the one written by the highest layer, unless that is an
// object, in which case it is deep-merged with the objects written below it, down to the highest layer
// that wrote something else there. So each key of the answer scans the layers writing it from the top,
// and stops at the first value that is not an object; it usually stops at the first layer it looks at.
//
// At compile time every layer's possible contributions (its defaultParams, each variant's params merged
// onto them) are aligned on the layer's Shape (the keys it can write, at every depth), and for every key
// of the service's answer, at every depth, the list of layers that can write it is kept in merge order.
// An object written by one layer alone (above any other value) is reused as it is (frozen, shared).
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

function emptyShape(): Shape {
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
function extendShape(shape: Shape, object: JsonObject): Shape {
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

/** Whether two shapes hold the same keys in the same order, at every depth: contributions align on either alike. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) {
    if (a.keys[i] !== b.keys[i]) return false;
    const x = a.children[i]!;
    const y = b.children[i]!;
    if (x === null || y === null ? x !== y : !sameShape(x, y)) return false;
  }
  return true;
}

export function alignParams(params: JsonObject, shape: Shape): AlignedParams {
  const values = shape.keys.map((k) => (Object.hasOwn(params, k) ? params[k] : undefined));
  return { values, nested: values.map((v, i) => (isJsonObject(v) ? alignParams(v, shape.children[i]!) : null)) };
}

/** The shape of a writer that writes no object at a position: it is read, never extended. */
const NO_KEYS: Shape = emptyShape();

/** Objects with this many keys or more are built by a compiled literal rather than key by key. */
const LITERAL_FROM = 8;

/**
 * One object position of the service's answer. Its writers are the layers whose shape reaches it, in
 * merge order; during a decision `writers[k]` is writer k's contribution aligned at this position (null
 * when it writes nothing here), filled in by the parent.
 */
class Position {
  private readonly keys: readonly string[];
  /** Per key: which writers can write it (indexes into `writers`, ascending) ... */
  private readonly by: readonly Int32Array[];
  /** ... and where in each one's aligned values. */
  private readonly at: readonly Int32Array[];
  /** Per key: the position under it, when two or more writers can write an object there; else null. */
  private readonly children: readonly (Position | null)[];
  /** Scratch, valid from the `floor` given to `build` up: each writer's aligned contribution here. */
  readonly writers: (AlignedParams | null)[];
  /** `values → object` as one object literal, when the position is wide. */
  private readonly literal: ((values: readonly (JsonValue | undefined)[]) => JsonObject) | null;
  /** Scratch: this position's values during `build`, every entry rewritten each time. */
  private readonly built: (JsonValue | undefined)[];

  /** @param shapes each writer's shape at this position, in merge order */
  constructor(shapes: readonly Shape[]) {
    // One pass over the writers' keys (not one per key of the union): a service over a thousand
    // layers is rebuilt whenever one of its layers changes shape.
    const union = emptyShape();
    const by: number[][] = [];
    const at: number[][] = [];
    const below: Shape[][] = [];
    const objectWriters: number[] = [];
    for (let k = 0; k < shapes.length; k++) {
      const shape = shapes[k]!;
      for (let j = 0; j < shape.keys.length; j++) {
        const u = keyIndex(union, shape.keys[j]!);
        if (u === by.length) {
          by.push([]);
          at.push([]);
          below.push([]);
          objectWriters.push(0);
        }
        by[u]!.push(k);
        at[u]!.push(j);
        const child = shape.children[j]!;
        if (child !== null) objectWriters[u]!++;
        below[u]!.push(child ?? NO_KEYS);
      }
    }
    this.keys = union.keys;
    this.by = by.map((writers) => Int32Array.from(writers));
    this.at = at.map((local) => Int32Array.from(local));
    this.children = below.map((shapesBelow, u) => (objectWriters[u]! >= 2 ? new Position(shapesBelow) : null));
    this.writers = new Array<AlignedParams | null>(shapes.length).fill(null);
    this.built = new Array<JsonValue | undefined>(union.keys.length).fill(undefined);
    this.literal = union.keys.length >= LITERAL_FROM ? compileLiteral(union.keys) : null;
  }

  /** The merged object of `writers[floor..]` at this position. */
  build(writers: readonly (AlignedParams | null)[], floor: number): JsonObject {
    const keys = this.keys;
    const built = this.built;
    let complete = true;
    for (let u = 0; u < keys.length; u++) {
      const by = this.by[u]!;
      const at = this.at[u]!;
      const child = this.children[u]!;
      let value: JsonValue | undefined;
      let objects = 0;
      let cut = -1;
      // From the highest writer down: a value that is not an object ends the scan (it replaced
      // everything below it); objects above it are collected for the child position.
      for (let idx = by.length - 1; idx >= 0; idx--) {
        const k = by[idx]!;
        if (k < floor) {
          // Below the floor the parent's scan was cut: those writers are not this decision's.
          cut = idx;
          break;
        }
        const aligned = writers[k];
        const v = aligned == null ? undefined : aligned.values[at[idx]!];
        if (v === undefined) {
          if (child !== null) child.writers[idx] = null;
          continue;
        }
        const inner = aligned!.nested[at[idx]!]!;
        if (inner === null) {
          if (objects === 0) value = v;
          cut = idx;
          break;
        }
        if (objects++ === 0) value = v;
        if (child !== null) child.writers[idx] = inner;
      }
      if (objects >= 2) value = child!.build(child!.writers, cut + 1);
      built[u] = value;
      if (value === undefined) complete = false;
    }
    if (complete && this.literal !== null) return this.literal(built);
    const out: JsonObject = {};
    for (let u = 0; u < keys.length; u++) if (built[u] !== undefined) out[keys[u]!] = built[u]!;
    return out;
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

  constructor(layerShapes: readonly Shape[]) {
    this.root = new Position(layerShapes);
  }

  /** `chosen[i]` is layer i's contribution for this decision (aligned on layer i's shape). */
  merge(chosen: readonly AlignedParams[]): JsonObject {
    return this.root.build(chosen, 0);
  }
}
