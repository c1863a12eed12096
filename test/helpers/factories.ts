// GraphQL documents and factories shared by the integration tests.

import type { GqlResponse, TestServer } from "./test-server";

export const EXPERIMENT_FIELDS = `key description services layer state winner exclusionGroup rule traffic version createdAt updatedAt
  variants { key vid weight params }`;

export const CREATE = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { ${EXPERIMENT_FIELDS} } }`;
export const START = `mutation($key: String!) { startExperiment(key: $key) { key state version } }`;
export const CONCLUDE = `mutation($key: String!, $winner: String!) { concludeExperiment(key: $key, winner: $winner) { key state winner } }`;
export const ARCHIVE = `mutation($key: String!) { archiveExperiment(key: $key) { key state } }`;
export const ASSIGN = `mutation($experiment: String!, $actor: String!, $context: JSON, $requestId: String) {
  assign(experiment: $experiment, actor: $actor, context: $context, requestId: $requestId) { experiment actor variant vid isOverride assignedAt } }`;
export const SET_WEIGHTS = `mutation($key: String!, $weights: [VariantWeightInput!]!, $dryRun: Boolean) {
  setWeights(key: $key, weights: $weights, dryRun: $dryRun) { slotsMoved applied experiment { ${EXPERIMENT_FIELDS} } } }`;
export const SET_OVERRIDE = `mutation($experiment: String!, $actor: String!, $variant: String!) {
  setOverride(experiment: $experiment, actor: $actor, variant: $variant) { experiment actor variant } }`;
export const CLEAR_OVERRIDE = `mutation($experiment: String!, $actor: String!) { clearOverride(experiment: $experiment, actor: $actor) }`;
export const HISTORY = `query($key: String!, $limit: Int) { history(key: $key, limit: $limit) { key mutation actor at configVersion } }`;
export const EXPOSURE_COUNTS = `query($experiment: String!) { exposureCounts(experiment: $experiment) { variant exposures } }`;
export const EXPERIMENT = `query($key: String!) { experiment(key: $key) { ${EXPERIMENT_FIELDS} } }`;
export const ASSIGNMENT = `query($experiment: String!, $actor: String!) {
  assignment(experiment: $experiment, actor: $actor) { experiment actor variant vid isOverride } }`;
export const EXPOSURES = `query($experiment: String!, $actor: String) {
  exposures(experiment: $experiment, actor: $actor, limit: 0) { experiment variant vid actor requestId isOverride } }`;
export const CONFIG_VERSION = `query { configVersion }`;

let counter = 0;
/** A key no other test in this file uses. */
export const uniqueKey = (prefix = "exp") => `${prefix}_${++counter}_${Date.now().toString(36)}`;

export async function configVersion(server: TestServer): Promise<number> {
  return ok(await server.gql(CONFIG_VERSION)).configVersion as number;
}

export interface VariantSpec {
  key: string;
  weight: number;
  params?: Record<string, unknown>;
}

export const FIFTY_FIFTY: VariantSpec[] = [
  { key: "control", weight: 50 },
  { key: "treatment", weight: 50 },
];

/** Data of a response that must have succeeded; fails with the errors otherwise. */
export function ok(res: GqlResponse): Record<string, any> {
  if (res.errors?.length || !res.data) throw new Error(`expected success, got ${JSON.stringify(res.errors)}`);
  return res.data;
}

export async function createExperiment(server: TestServer, input: Record<string, unknown>) {
  return ok(await server.gql(CREATE, { input })).createExperiment;
}

/** Creates and starts an experiment; `variants` default to 50/50 control/treatment. */
export async function runningExperiment(server: TestServer, key: string, extra: Record<string, unknown> = {}) {
  await createExperiment(server, { key, variants: FIFTY_FIFTY, ...extra });
  return ok(await server.gql(START, { key })).startExperiment;
}

export async function assign(server: TestServer, experiment: string, actor: string, extra: Record<string, unknown> = {}) {
  return server.gql(ASSIGN, { experiment, actor, ...extra });
}

export function errorCode(res: { errors?: Array<{ extensions: { code: string } }> }): string | undefined {
  return res.errors?.[0]?.extensions.code;
}
