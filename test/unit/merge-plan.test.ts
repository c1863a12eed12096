// ServiceMerge (the compiled merge of a service's layers) against the plain definition:
// folding mergeParams over the layers' contributions in order.

import { alignParams, ServiceMerge, shapeOf } from "../../src/engine/merge-plan";
import { deepFreeze, mergeParams } from "../../src/engine/params";
import type { JsonObject, JsonValue } from "../../src/engine/types";
import { int, prng } from "../helpers/prng";

// Ten keys, so dense objects reach the compiled-literal width (8) and sparse ones take the key-by-key path.
const KEYS = ["a", "b", "c", "ranker", "ui", "list", "e", "f", "g", "h"];
let density = 0.4;

function randomValue(rand: () => number, depth: number): JsonValue {
  const pick = int(rand, 0, depth > 2 ? 3 : 5);
  if (pick === 0) return int(rand, 0, 9);
  if (pick === 1) return `s${int(rand, 0, 3)}`;
  if (pick === 2) return null;
  if (pick === 3) return [int(rand, 0, 3), "x"];
  return randomObject(rand, depth + 1);
}

function randomObject(rand: () => number, depth = 0): JsonObject {
  const out: JsonObject = {};
  for (const k of KEYS) if (rand() < density) out[k] = randomValue(rand, depth);
  return out;
}

/** One layer's possible contributions (defaults, then variants), frozen as the snapshot freezes them. */
function randomLayer(rand: () => number): JsonObject[] {
  const defaults = randomObject(rand);
  const variants = Array.from({ length: int(rand, 0, 3) }, () => mergeParams(defaults, randomObject(rand)));
  return [defaults, ...variants].map((c) => deepFreeze(c));
}

it("equals mergeParams folded over the chosen contributions, for 500 random services (deep, with arrays and nulls)", () => {
  const rand = prng(7);
  for (let trial = 0; trial < 500; trial++) {
    density = trial % 2 === 0 ? 0.4 : 0.97;
    const layers = Array.from({ length: int(rand, 1, 8) }, () => randomLayer(rand));
    const shapes = layers.map((l) => shapeOf(l));
    const merge = new ServiceMerge(shapes);
    // Several decisions on one merge: its scratch space must not leak from one to the next (4 decisions missed a leak).
    for (let decision = 0; decision < 12; decision++) {
      const chosen = layers.map((l) => l[int(rand, 0, l.length - 1)]!);
      const expected = chosen.reduce((acc, c) => mergeParams(acc, c), {} as JsonObject);
      const got = merge.merge(chosen.map((c, i) => alignParams(c, shapes[i]!)));
      expect(got).toStrictEqual(expected);
    }
  }
});

it("never writes into the shared, frozen contributions, and returns an object of its own", () => {
  const first = deepFreeze({ ranker: { model: "a", depth: { max: 1 } } } as JsonObject);
  const second = deepFreeze({ ranker: { depth: { min: 0 } }, own: { on: true } } as JsonObject);
  const merge = new ServiceMerge([shapeOf([first]), shapeOf([second])]);
  const got = merge.merge([alignParams(first, shapeOf([first])), alignParams(second, shapeOf([second]))]);
  expect(got).toEqual({ ranker: { model: "a", depth: { max: 1, min: 0 } }, own: { on: true } });
  expect(first).toEqual({ ranker: { model: "a", depth: { max: 1 } } });
  expect(second).toEqual({ ranker: { depth: { min: 0 } }, own: { on: true } });
  expect(Object.isFrozen(got)).toBe(false);
});

it("orders keys as they first appear across the layers in merge order", () => {
  const layers = [{ b: 1, a: 1 }, { c: 2, b: 2 }, { a: 3, d: 3 }].map((c) => deepFreeze(c as unknown as JsonObject));
  const shapes = layers.map((l) => shapeOf([l]));
  const got = new ServiceMerge(shapes).merge(layers.map((l, i) => alignParams(l, shapes[i]!)));
  expect(Object.keys(got)).toEqual(["b", "a", "c", "d"]);
  expect(got).toEqual({ b: 2, a: 3, c: 2, d: 3 });
});

it("a value that is not an object, written low, cuts nested objects off at every depth, whatever the decision before", () => {
  // Layer 0 either writes an object under `a` or switches the block off with a number; above it, three layers write
  // objects. Deciding "object" then "number" on one merge must not carry layer 0's `a.b` over into the second answer.
  const asObject = deepFreeze({ a: { b: { x: 1 } } } as JsonObject);
  const asNumber = deepFreeze({ a: 7 } as JsonObject);
  const above = [{ a: { c: 1 } }, { a: { b: { y: 2 } } }, { a: { b: { z: 3 } } }].map((c) => deepFreeze(c as unknown as JsonObject));
  const shapes = [shapeOf([asObject, asNumber]), ...above.map((c) => shapeOf([c]))];
  const merge = new ServiceMerge(shapes);
  const decide = (first: JsonObject) => merge.merge([first, ...above].map((c, i) => alignParams(c, shapes[i]!)));
  expect(decide(asObject)).toEqual({ a: { b: { x: 1, y: 2, z: 3 }, c: 1 } });
  expect(decide(asNumber)).toEqual({ a: { c: 1, b: { y: 2, z: 3 } } });
  expect(decide(asObject)).toEqual({ a: { b: { x: 1, y: 2, z: 3 }, c: 1 } });
});
