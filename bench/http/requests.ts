// What goes over the wire: the GraphQL documents, the request bodies, and the constant answer the baselines send.

import type { JsonObject, JsonValue } from "../../src/engine/types";
import { type BenchContext, layerSpec } from "../workload";

export const LAYER_COUNT = 10;
export const POOL_SIZE = 1000;
export const BATCH_SIZE = 100;

const SELECTION =
  "configVersion results { service parameters vids matchedLayers experiments { experiment variant vid layer slot source } }";

export const decideQuery = (service: string): string =>
  `query($c: JSON!) { decide(services: [${JSON.stringify(service)}], context: $c) { ${SELECTION} } }`;

export const DECIDE_BATCH_QUERY = `query($r: [DecideInput!]!) { decideBatch(requests: $r) { ${SELECTION} } }`;

/** Apollo's "constant resolver for a small query" (the 0.23× of SPEC §11). */
export const SMALL_QUERY = "{ hello }";

export const decideBody = (service: string, context: BenchContext): string =>
  JSON.stringify({ query: decideQuery(service), variables: { c: context } });

/** POST /experiment's body (SPEC §15, 001's API): the same decision as `decideBody`'s. */
export const experimentBody = (service: string, context: BenchContext): string => JSON.stringify({ services: [service], context });

export const batchBody = (service: string, contexts: readonly BenchContext[]): string =>
  JSON.stringify({ query: DECIDE_BATCH_QUERY, variables: { r: contexts.map((c) => ({ services: [service], context: c })) } });

export const SMALL_BODY = JSON.stringify({ query: SMALL_QUERY });

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(into: JsonObject, from: JsonObject): JsonObject {
  const out: JsonObject = { ...into };
  for (const [k, v] of Object.entries(from)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

/**
 * A Decision as the real server answers it for one actor in all 10 layers (same fields, same nesting, similar
 * sizes): the bare server's fixed body and each item of Apollo's constant list, so the baselines move as many bytes.
 */
export function constantDecision(service = "svc"): JsonObject {
  const specs = Array.from({ length: LAYER_COUNT }, (_, i) => layerSpec(i, LAYER_COUNT)).sort((a, b) => a.priority - b.priority);
  const chosen = specs.map((s, i) => ({ spec: s, arm: s.variants[i % 2], vid: 2 * Number(s.key.split("_l")[1]) + 1 + (i % 2) }));
  const parameters = chosen.reduce<JsonObject>((acc, c) => deepMerge(acc, c.arm.params), {});
  return {
    configVersion: 3 * LAYER_COUNT,
    results: [
      {
        service,
        parameters,
        vids: chosen.map((c) => c.vid),
        matchedLayers: chosen.map((c) => c.spec.key),
        experiments: chosen.map((c, i) => ({
          experiment: c.spec.experiment,
          variant: c.arm.key,
          vid: c.vid,
          layer: c.spec.key,
          slot: (i * 997 + 1234) % 10_000,
          source: "STICKY",
        })),
      },
    ],
  };
}
