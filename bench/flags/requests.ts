// What goes over the wire for the flags rows: the createFlag inputs, the decideFlags document and bodies,
// and the fixed answer of the bare server (a real decideFlags answer's fields and size).

import type { JsonObject } from "../../src/engine/types";
import { type BenchContext, makeContext } from "../workload";
import { type FlagSpec, floorDecideFlagH32, floorFlag } from "./workload";

/** CreateFlagInput (SPEC §16) for one flag of the workload, serving `service`. */
export const createFlagInput = (spec: FlagSpec, service: string): JsonObject => ({
  key: spec.key,
  services: [service],
  hashKey: spec.hashKey,
  variables: spec.variables,
  rules: spec.rules.map((r) => ({ key: r.key, type: r.type, audience: r.audience, traffic: r.traffic, enabled: r.enabled, variables: r.variables })),
});

export const CREATE_FLAG = "mutation($input: CreateFlagInput!) { createFlag(input: $input) { key version } }";

const SELECTION = "configVersion flags { flag enabled variables rule variation source }";

/** The flags by key, so the answer is the 10 flags whatever else the key may see. */
export const decideFlagsQuery = (specs: readonly FlagSpec[]): string =>
  `query($c: JSON!) { decideFlags(keys: ${JSON.stringify(specs.map((s) => s.key))}, context: $c) { ${SELECTION} } }`;

export const decideFlagsBody = (specs: readonly FlagSpec[], context: BenchContext): string =>
  JSON.stringify({ query: decideFlagsQuery(specs), variables: { c: context } });

export interface FlagDecisionData {
  readonly flag: string;
  readonly enabled: boolean;
  readonly variables: JsonObject;
  readonly rule: string | null;
  readonly variation: string | null;
  readonly source: string;
}

export interface DecideFlagsData {
  readonly decideFlags: { readonly configVersion: number; readonly flags: readonly FlagDecisionData[] };
}

/** The answer the server should give for `context`, from the floor (SPEC §16: DELIVERY rules only). */
export function expectedFlags(specs: readonly FlagSpec[], context: BenchContext, h32: (s: string) => number): FlagDecisionData[] {
  return specs.map((spec) => {
    const a = floorDecideFlagH32(floorFlag(spec), context, h32);
    return { flag: spec.key, enabled: a.enabled, variables: a.variables, rule: a.rule, variation: a.rule === null ? null : "on", source: a.rule === null ? "DEFAULT" : "ROLLOUT" };
  });
}

/** The bare server's fixed body: what the server answers for context 0 (a mix of ROLLOUT and DEFAULT). */
export function constantFlagsBody(specs: readonly FlagSpec[], h32: (s: string) => number): string {
  return JSON.stringify({ data: { decideFlags: { configVersion: specs.length, flags: expectedFlags(specs, makeContext(0), h32) } } });
}
