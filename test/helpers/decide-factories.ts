// GraphQL documents and helpers for the decide / decideBatch integration tests.

import { ASSIGNMENT, EXPOSURES, START, createExperiment, ok } from "./factories";
import type { GqlResponse, TestServer } from "./test-server";

export const DECISION_FIELDS = `configVersion results { service parameters vids matchedLayers reasons
  experiments { experiment variant vid layer slot source } }`;

export const DECIDE = `query($services: [String!]!, $context: JSON!, $requestId: String, $explain: Boolean) {
  decide(services: $services, context: $context, requestId: $requestId, explain: $explain) { ${DECISION_FIELDS} } }`;
export const DECIDE_BATCH = `query($requests: [DecideInput!]!, $explain: Boolean) {
  decideBatch(requests: $requests, explain: $explain) { ${DECISION_FIELDS} } }`;

export type Source = "OVERRIDE" | "STICKY" | "BUCKET" | "WINNER";
export interface ExperimentDecision { experiment: string; variant: string; vid: number; layer: string; slot: number; source: Source }
export interface ServiceDecision {
  service: string;
  parameters: Record<string, unknown>;
  vids: number[];
  matchedLayers: string[];
  reasons: string[] | null;
  experiments: ExperimentDecision[];
}
export interface Decision { configVersion: number; results: ServiceDecision[] }
export interface StoredAssignment { experiment: string; actor: string; variant: string; vid: number; isOverride: boolean }
export interface ExposureRow { experiment: string; variant: string; vid: number; actor: string; requestId: string | null; isOverride: boolean }

export interface DecideOptions { requestId?: string; explain?: boolean; headers?: Record<string, string> }

export function decideRaw(server: TestServer, services: string[], context: unknown, options: DecideOptions = {}): Promise<GqlResponse> {
  const { headers, ...rest } = options;
  return server.gql(DECIDE, { services, context, ...rest }, headers);
}

export async function decide(server: TestServer, services: string[], context: unknown, options: DecideOptions = {}): Promise<Decision> {
  return ok(await decideRaw(server, services, context, options)).decide as Decision;
}

/** The one service decision of a decide for a single service. */
export async function decideOne(server: TestServer, service: string, context: unknown, options: DecideOptions = {}): Promise<ServiceDecision> {
  const decision = await decide(server, [service], context, options);
  if (decision.results.length !== 1) throw new Error(`expected one result, got ${decision.results.length}`);
  return decision.results[0]!;
}

export async function decideBatch(
  server: TestServer,
  requests: Array<{ services: string[]; context: unknown; requestId?: string }>,
  explain = false,
): Promise<Decision[]> {
  return ok(await server.gql(DECIDE_BATCH, { requests, explain })).decideBatch as Decision[];
}

export async function storedAssignment(server: TestServer, experiment: string, actor: string): Promise<StoredAssignment | null> {
  return ok(await server.gql(ASSIGNMENT, { experiment, actor })).assignment as StoredAssignment | null;
}

export async function exposureLog(server: TestServer, experiment: string, actor?: string): Promise<ExposureRow[]> {
  return ok(await server.gql(EXPOSURES, { experiment, actor })).exposures as ExposureRow[];
}

/** Creates and starts an experiment (50/50 control/treatment unless told); returns it as created, with its variants and vids. */
export async function started(server: TestServer, key: string, extra: Record<string, unknown> = {}) {
  const exp = await createExperiment(server, {
    key,
    variants: [{ key: "control", weight: 50 }, { key: "treatment", weight: 50 }],
    ...extra,
  });
  ok(await server.gql(START, { key }));
  return exp;
}

/** `count` actors `prefix0, prefix1, …` whose slot under `salt` satisfies `wanted` (computed, never hard-coded). */
export function actorsWhere(slot: (salt: string, actor: string) => number, salt: string, prefix: string, count: number, wanted: (slot: number) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    if (i > 100_000) throw new Error("no such actors");
    const actor = `${prefix}${i}`;
    if (wanted(slot(salt, actor))) out.push(actor);
  }
  return out;
}
