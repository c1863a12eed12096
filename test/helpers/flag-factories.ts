// GraphQL documents and factories of the feature-flag tests (SPEC §16).

import { ok } from "./factories";
import type { TestServer } from "./test-server";

export const RULE_FIELDS = "key type experiment audience traffic enabled variables";
export const FLAG_FIELDS = `key description services enabled hashKey variables archived version createdAt updatedAt rules { ${RULE_FIELDS} }`;

export const CREATE_FLAG = `mutation($input: CreateFlagInput!) { createFlag(input: $input) { ${FLAG_FIELDS} } }`;
export const UPDATE_FLAG = `mutation($key: String!, $input: UpdateFlagInput!) { updateFlag(key: $key, input: $input) { ${FLAG_FIELDS} } }`;
export const SET_FLAG_RULES = `mutation($key: String!, $rules: [FlagRuleInput!]!) { setFlagRules(key: $key, rules: $rules) { ${FLAG_FIELDS} } }`;
export const SET_FLAG_ENABLED = `mutation($key: String!, $enabled: Boolean!) { setFlagEnabled(key: $key, enabled: $enabled) { ${FLAG_FIELDS} } }`;
export const ARCHIVE_FLAG = `mutation($key: String!) { archiveFlag(key: $key) { ${FLAG_FIELDS} } }`;
export const SET_FORCED = `mutation($flag: String!, $rule: String!, $actor: String!, $variation: String!) {
  setForcedDecision(flag: $flag, rule: $rule, actor: $actor, variation: $variation) { flag rule actor variation } }`;
export const CLEAR_FORCED = `mutation($flag: String!, $rule: String!, $actor: String!) { clearForcedDecision(flag: $flag, rule: $rule, actor: $actor) }`;
export const FLAG = `query($key: String!) { flag(key: $key) { ${FLAG_FIELDS} } }`;
export const FLAGS = `query($service: String) { flags(service: $service) { key services archived } }`;

/** A DELIVERY rule as FlagRule returns it with every default. */
export const delivery = (key: string, extra: Record<string, unknown> = {}) => ({
  key, type: "DELIVERY", experiment: null, audience: null, traffic: 10_000, enabled: true, variables: {}, ...extra,
});

/** An EXPERIMENT rule as FlagRule returns it with every default. */
export const experimentRule = (key: string, experiment: string, extra: Record<string, unknown> = {}) => ({
  key, type: "EXPERIMENT", experiment, audience: null, traffic: 10_000, enabled: true, variables: {}, ...extra,
});

export async function createFlag(server: TestServer, input: Record<string, unknown>) {
  return ok(await server.gql(CREATE_FLAG, { input })).createFlag;
}

export async function getFlag(server: TestServer, key: string) {
  return ok(await server.gql(FLAG, { key })).flag;
}
