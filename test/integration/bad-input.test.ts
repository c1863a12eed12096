// Bad input never writes anything and never answers 500: every case asserts the error code,
// the offending field (where there is one), the HTTP status, and that the state is unchanged
// (experiment, history, configuration version, and for `assign` the actor's assignment and
// the exposure counts).

import {
  ARCHIVE,
  ASSIGN,
  CLEAR_OVERRIDE,
  CONCLUDE,
  CREATE,
  EXPERIMENT,
  EXPOSURE_COUNTS,
  FIFTY_FIFTY,
  HISTORY,
  SET_OVERRIDE,
  SET_WEIGHTS,
  START,
  createExperiment,
  ok,
  runningExperiment,
} from "../helpers/factories";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;

/** Existing experiments the cases run against (created once in beforeAll). */
const RUNNING = "bad-running";
const CONCLUDED = "bad-concluded";
const ARCHIVED = "bad-archived";
const ORIGINAL = "bad-original";

const CONFIG_VERSION = `query { configVersion }`;
const ASSIGNMENT = `query($experiment: String!, $actor: String!) { assignment(experiment: $experiment, actor: $actor) { variant vid isOverride } }`;
const UPDATE = `mutation($key: String!, $input: UpdateExperimentInput!) { updateExperiment(key: $key, input: $input) { key } }`;

interface Reply {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions: { code: string; field?: string } }> };
}

/** POSTs a raw body: lets a case send what `server.gql` cannot (malformed JSON). */
async function post(body: string): Promise<Reply> {
  const res = await fetch(server.url, { method: "POST", headers: { ...ADMIN_HEADERS, "content-type": "application/json" }, body });
  const text = await res.text();
  let parsed: Reply["body"];
  try {
    parsed = JSON.parse(text) as Reply["body"];
  } catch {
    throw new Error(`HTTP ${res.status}: the response is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed };
}

const gql = (query: string, variables: Record<string, unknown> = {}) => post(JSON.stringify({ query, variables }));

interface Case {
  readonly name: string;
  readonly send: () => Promise<Reply>;
  readonly code: string;
  /** The offending field reported in `extensions.field`; a RegExp where only part is fixed. */
  readonly field?: string | RegExp;
  /** The experiment whose state must not change. */
  readonly key: string;
  /** The key did not exist before: it must still not exist (null, empty history). */
  readonly absent?: boolean;
  /** For `assign`: this actor must still have no assignment, and no exposure is counted. */
  readonly actor?: string;
  readonly status?: number;
}

const create = (input: Record<string, unknown>) => () => gql(CREATE, { input });
const variants = FIFTY_FIFTY;

/** A create case: its key is new, so afterwards it must still be unknown. */
function createCase(name: string, input: Record<string, unknown>, code: string, field?: string | RegExp): Case {
  return { name, send: create(input), code, field, key: input.key as string, absent: true };
}

const CASES: Case[] = [
  // Invalid keys.
  createCase("uppercase key", { key: "Bad-Key", variants }, "BAD_USER_INPUT", "input.key"),
  createCase("key with a leading '-'", { key: "-bad-key", variants }, "BAD_USER_INPUT", "input.key"),
  createCase("empty key", { key: "", variants }, "BAD_USER_INPUT", "input.key"),
  createCase("5,000-character key", { key: "k".repeat(5_000), variants }, "BAD_USER_INPUT", "input.key"),
  createCase("65-character key", { key: "k".repeat(65), variants }, "BAD_USER_INPUT", "input.key"),
  createCase("key with spaces", { key: "bad key", variants }, "BAD_USER_INPUT", "input.key"),
  // Variants.
  createCase("no variants", { key: "bad-no-variants", variants: [] }, "BAD_USER_INPUT", "input.variants"),
  createCase("empty variant key", { key: "bad-empty-variant", variants: [{ key: "control", weight: 50 }, { key: "", weight: 50 }] }, "BAD_USER_INPUT", "input.variants[1].key"),
  createCase("blank variant key", { key: "bad-blank-variant", variants: [{ key: "   ", weight: 50 }, { key: "b", weight: 50 }] }, "BAD_USER_INPUT", "input.variants[0].key"),
  createCase(
    "duplicate variant keys",
    { key: "bad-duplicate-variants", variants: [{ key: "a", weight: 1 }, { key: "a", weight: 1 }] },
    "BAD_USER_INPUT",
    "input.variants[1].key",
  ),
  createCase("negative weight", { key: "bad-negative-weight", variants: [{ key: "a", weight: -1 }, { key: "b", weight: 1 }] }, "BAD_USER_INPUT", "input.variants[0].weight"),
  createCase(
    "params a JSON array",
    { key: "bad-params-array", variants: [{ key: "a", weight: 1 }, { key: "b", weight: 1, params: [1, 2] }] },
    "BAD_USER_INPUT",
    "input.variants[1].params",
  ),
  createCase(
    "params with a __proto__ key",
    { key: "bad-params-proto", variants: [{ key: "a", weight: 1, params: JSON.parse('{"__proto__":{"admin":true}}') }] },
    "BAD_USER_INPUT",
    "input.variants[0].params.__proto__",
  ),
  createCase("params a JSON string", { key: "bad-params-string", variants: [{ key: "a", weight: 1, params: "x" }] }, "BAD_USER_INPUT", "input.variants[0].params"),
  createCase("params a JSON number", { key: "bad-params-number", variants: [{ key: "a", weight: 1, params: 7 }] }, "BAD_USER_INPUT", "input.variants[0].params"),
  // GraphQL-level errors: coercion and validation.
  createCase("non-integer weight", { key: "bad-float-weight", variants: [{ key: "a", weight: 1.5 }] }, "BAD_USER_INPUT", "input.variants[0].weight"),
  createCase("weight given as a string", { key: "bad-string-weight", variants: [{ key: "a", weight: "10" }] }, "BAD_USER_INPUT", "input.variants[0].weight"),
  {
    name: "unknown input field",
    send: () => gql(`mutation { createExperiment(input: {key: "bad-bogus", variants: [{key: "a", weight: 1}], bogus: 1}) { key } }`),
    code: "BAD_USER_INPUT",
    field: /bogus/,
    key: "bad-bogus",
    absent: true,
    status: 400,
  },
  // In variables, graphql-js names no path for a top-level unknown field: the server reports the variable.
  createCase("unknown input field (in variables)", { key: "bad-bogus-variables", variants, bogus: 1 }, "BAD_USER_INPUT", "input.bogus"),
  {
    name: "an operationName the document does not define",
    send: () => post(JSON.stringify({ query: `mutation Make { createExperiment(input: {key: "bad-operation", variants: [{key: "a", weight: 1}]}) { key } }`, operationName: "Nope" })),
    code: "BAD_USER_INPUT",
    field: "operationName",
    key: "bad-operation",
    absent: true,
    status: 400,
  },
  {
    name: "unknown argument",
    send: () => gql(`mutation { createExperiment(input: {key: "bad-unknown-arg", variants: [{key: "a", weight: 1}]}, bogus: 1) { key } }`),
    code: "BAD_USER_INPUT",
    field: "createExperiment.bogus",
    key: "bad-unknown-arg",
    absent: true,
    status: 400,
  },
  {
    name: "missing required argument",
    send: () => gql(`mutation { createExperiment { key } }`),
    code: "BAD_USER_INPUT",
    field: "createExperiment.input",
    key: "bad-missing-arg",
    absent: true,
    status: 400,
  },
  {
    name: "unknown query field",
    send: () => gql(`mutation { createExperiment(input: {key: "bad-unknown-field", variants: [{key: "a", weight: 1}]}) { key nope } }`),
    code: "BAD_USER_INPUT",
    field: "nope",
    key: "bad-unknown-field",
    absent: true,
    status: 400,
  },
  {
    name: "malformed JSON body",
    send: () => post(`{"query": "mutation { createExperiment(input: {key: \\"bad-malformed\\", variants: [{key: \\"a\\", weight: 1}]}) { key } }"`),
    code: "BAD_USER_INPUT",
    field: "body",
    key: "bad-malformed",
    absent: true,
    status: 400,
  },
  createCase("a weight beyond 32 bits", { key: "bad-huge-weight", variants: [{ key: "a", weight: 2 ** 31 }] }, "BAD_USER_INPUT", "input.variants[0].weight"),
  // No key to look up: the configuration version and the empty key's history stand for "nothing written".
  { name: "a null key", send: create({ key: null, variants }), code: "BAD_USER_INPUT", field: "input.key", key: "", absent: true, status: 400 },
  createCase("variants missing", { key: "bad-missing-variants" }, "BAD_USER_INPUT", "input.variants"),
  createCase("vid 0", { key: "bad-vid-0", variants: [{ key: "a", weight: 1, vid: 0 }] }, "BAD_USER_INPUT", "input.variants[0].vid"),
  createCase("an invalid service name", { key: "bad-service", variants, services: ["bad service"] }, "BAD_USER_INPUT", "input.services[0]"),
  createCase("an invalid exclusion group", { key: "bad-group", variants, exclusionGroup: "Bad Group" }, "BAD_USER_INPUT", "input.exclusionGroup"),
  {
    name: "a GraphQL syntax error",
    send: () => gql(`mutation { createExperiment(input: {key: "bad-syntax", variants: [{key: "a", weight: 1}]}) { key }`),
    code: "BAD_USER_INPUT",
    key: "bad-syntax",
    absent: true,
    status: 400,
  },
  {
    name: "a JSON array as the body (batching)",
    send: () => post(JSON.stringify([{ query: `mutation { createExperiment(input: {key: "bad-batch", variants: [{key: "a", weight: 1}]}) { key } }` }])),
    code: "BAD_USER_INPUT",
    key: "bad-batch",
    absent: true,
    status: 400,
  },
  {
    name: "variables that are not an object",
    send: () => post(JSON.stringify({ query: CREATE, variables: [{ key: "bad-variables-array", variants }] })),
    code: "BAD_USER_INPUT",
    key: "bad-variables-array",
    absent: true,
    status: 400,
  },
  // Conflicts and what this server version does not support.
  {
    name: "duplicate create of an existing key",
    send: create({ key: ORIGINAL, description: "the impostor", variants: [{ key: "x", weight: 1 }] }),
    code: "CONFLICT",
    field: "input.key",
    key: ORIGINAL,
  },
  createCase("a rule without a node type", { key: "bad-rule", variants, rule: { attribute: "country", op: "eq", value: "US" } }, "BAD_USER_INPUT", "input.rule.type"),
  createCase(
    "a rule literal that does not fit its type",
    {
      key: "bad-rule-literal",
      variants,
      rule: {
        type: "and",
        children: [
          { type: "field", field: "country", op: "eq", values: ["US"] },
          { type: "field", field: "age", op: "gte", values: ["x"], fieldType: "int" },
        ],
      },
    },
    "BAD_USER_INPUT",
    "input.rule.children[1].values[0]",
  ),
  createCase("an unknown layer", { key: "bad-layer", variants, layer: "nowhere" }, "NOT_FOUND", "input.layer"),
  createCase("traffic 0", { key: "bad-traffic-0", variants, traffic: 0 }, "BAD_USER_INPUT", "input.traffic"),
  createCase("traffic 10001", { key: "bad-traffic-10001", variants, traffic: 10_001 }, "BAD_USER_INPUT", "input.traffic"),
  createCase("traffic -5", { key: "bad-traffic-neg", variants, traffic: -5 }, "BAD_USER_INPUT", "input.traffic"),
  // Other mutations.
  { name: "startExperiment of an unknown key", send: () => gql(START, { key: "bad-nobody" }), code: "NOT_FOUND", key: "bad-nobody", absent: true },
  {
    name: "setWeights with an unknown variant",
    send: () => gql(SET_WEIGHTS, { key: RUNNING, weights: [{ key: "nope", weight: 10 }, { key: "control", weight: 90 }] }),
    code: "BAD_USER_INPUT",
    field: "weights[0].key",
    key: RUNNING,
  },
  {
    name: "setWeights with a negative weight",
    send: () => gql(SET_WEIGHTS, { key: RUNNING, weights: [{ key: "control", weight: 10 }, { key: "treatment", weight: -1 }] }),
    code: "BAD_USER_INPUT",
    field: "weights[1].weight",
    key: RUNNING,
  },
  {
    name: "setWeights on a CONCLUDED experiment",
    send: () => gql(SET_WEIGHTS, { key: CONCLUDED, weights: [{ key: "control", weight: 10 }, { key: "treatment", weight: 90 }] }),
    code: "NOT_RUNNING",
    key: CONCLUDED,
  },
  {
    name: "setWeights with no variants",
    send: () => gql(SET_WEIGHTS, { key: RUNNING, weights: [] }),
    code: "BAD_USER_INPUT",
    field: "weights",
    key: RUNNING,
  },
  {
    name: "setWeights listing a variant twice",
    send: () => gql(SET_WEIGHTS, { key: RUNNING, weights: [{ key: "control", weight: 10 }, { key: "control", weight: 90 }] }),
    code: "BAD_USER_INPUT",
    field: "weights[1].key",
    key: RUNNING,
  },
  {
    name: "updateExperiment replacing variants of a CONCLUDED experiment",
    send: () => gql(UPDATE, { key: CONCLUDED, input: { variants: [{ key: "control", weight: 1 }, { key: "treatment", weight: 9 }] } }),
    code: "NOT_RUNNING",
    key: CONCLUDED,
  },
  { name: "updateExperiment with no variants", send: () => gql(UPDATE, { key: RUNNING, input: { variants: [] } }), code: "BAD_USER_INPUT", field: "input.variants", key: RUNNING },
  { name: "updateExperiment with a rule", send: () => gql(UPDATE, { key: RUNNING, input: { description: "x", rule: { any: [] } } }), code: "BAD_USER_INPUT", field: "input.rule.type", key: RUNNING },
  { name: "updateExperiment of an unknown key", send: () => gql(UPDATE, { key: "bad-nobody", input: { description: "x" } }), code: "NOT_FOUND", key: "bad-nobody", absent: true },
  { name: "assign in an unknown experiment", send: () => gql(ASSIGN, { experiment: "bad-nobody", actor: "u1" }), code: "NOT_FOUND", key: "bad-nobody", absent: true },
  { name: "startExperiment on ARCHIVED", send: () => gql(START, { key: ARCHIVED }), code: "ARCHIVED", key: ARCHIVED },
  { name: "concludeExperiment on ARCHIVED", send: () => gql(CONCLUDE, { key: ARCHIVED, winner: "control" }), code: "ARCHIVED", key: ARCHIVED },
  { name: "archiveExperiment on ARCHIVED", send: () => gql(ARCHIVE, { key: ARCHIVED }), code: "ARCHIVED", key: ARCHIVED },
  {
    name: "setWeights on ARCHIVED",
    send: () => gql(SET_WEIGHTS, { key: ARCHIVED, weights: [{ key: "control", weight: 10 }, { key: "treatment", weight: 90 }] }),
    code: "ARCHIVED",
    key: ARCHIVED,
  },
  {
    name: "setOverride on ARCHIVED",
    send: () => gql(SET_OVERRIDE, { experiment: ARCHIVED, actor: "qa-archived", variant: "control" }),
    code: "ARCHIVED",
    key: ARCHIVED,
    actor: "qa-archived",
  },
  { name: "updateExperiment on ARCHIVED", send: () => gql(UPDATE, { key: ARCHIVED, input: { description: "changed" } }), code: "ARCHIVED", key: ARCHIVED },
  { name: "assign on ARCHIVED", send: () => gql(ASSIGN, { experiment: ARCHIVED, actor: "late-user" }), code: "ARCHIVED", key: ARCHIVED, actor: "late-user" },
  {
    name: "setOverride with an unknown variant",
    send: () => gql(SET_OVERRIDE, { experiment: RUNNING, actor: "qa-1", variant: "nope" }),
    code: "NO_VARIANT",
    field: "variant",
    key: RUNNING,
    actor: "qa-1",
  },
  {
    name: "concludeExperiment with an unknown winner",
    send: () => gql(CONCLUDE, { key: RUNNING, winner: "nope" }),
    code: "NO_VARIANT",
    field: "winner",
    key: RUNNING,
  },
  {
    name: "setOverride in an unknown experiment",
    send: () => gql(SET_OVERRIDE, { experiment: "bad-nobody-override", actor: "u1", variant: "control" }),
    code: "NOT_FOUND",
    key: "bad-nobody-override",
    absent: true,
  },
  {
    name: "clearOverride in an unknown experiment",
    send: () => gql(CLEAR_OVERRIDE, { experiment: "bad-nobody-clear", actor: "u1" }),
    code: "NOT_FOUND",
    key: "bad-nobody-clear",
    absent: true,
  },
  { name: "exposureCounts of an unknown experiment", send: () => gql(EXPOSURE_COUNTS, { experiment: "bad-nobody-counts" }), code: "NOT_FOUND", key: "bad-nobody-counts", absent: true },
  { name: "exposures with limit -1", send: () => gql(`query($experiment: String!, $limit: Int) { exposures(experiment: $experiment, limit: $limit) { actor } }`, { experiment: RUNNING, limit: -1 }), code: "BAD_USER_INPUT", field: "limit", key: RUNNING },
  { name: "history with limit -1", send: () => gql(HISTORY, { key: RUNNING, limit: -1 }), code: "BAD_USER_INPUT", field: "limit", key: RUNNING },
  {
    name: "assign with a 600-character actor",
    send: () => gql(ASSIGN, { experiment: RUNNING, actor: "a".repeat(600) }),
    code: "BAD_USER_INPUT",
    field: "actor",
    key: RUNNING,
    actor: "a".repeat(600),
  },
  { name: "assign with a NUL character in the actor", send: () => gql(ASSIGN, { experiment: RUNNING, actor: "nul\u0000actor" }), code: "BAD_USER_INPUT", field: "actor", key: RUNNING },
  // What the database refuses to store (class 22) is bad input too, never a 500, and nothing is written.
  createCase("a NUL character in a description", { key: "bad-nul-description", description: "a\u0000b", variants }, "BAD_USER_INPUT"),
  { name: "assign with an empty actor", send: () => gql(ASSIGN, { experiment: RUNNING, actor: "" }), code: "BAD_USER_INPUT", field: "actor", key: RUNNING, actor: "" },
  {
    name: "assign with a context that is a JSON array",
    send: () => gql(ASSIGN, { experiment: RUNNING, actor: "ctx-user", context: [{ user_id: "ctx-user" }] }),
    code: "BAD_USER_INPUT",
    field: "context",
    key: RUNNING,
    actor: "ctx-user",
  },
  {
    name: "assign with a context that is a string",
    send: () => gql(ASSIGN, { experiment: RUNNING, actor: "ctx-user-2", context: "user_id=ctx-user-2" }),
    code: "BAD_USER_INPUT",
    field: "context",
    key: RUNNING,
    actor: "ctx-user-2",
  },
];

/** Everything a bad request could have changed about `key` (and `actor`). */
async function snapshot(c: Case) {
  const [experiment, history, version] = await Promise.all([
    server.gql(EXPERIMENT, { key: c.key }),
    server.gql(HISTORY, { key: c.key, limit: 0 }),
    server.gql(CONFIG_VERSION),
  ]);
  const exp = ok(experiment).experiment as Record<string, unknown> | null;
  const result = {
    experiment: exp,
    history: ok(history).history as unknown[],
    configVersion: ok(version).configVersion as number,
    assignment: undefined as unknown,
    exposures: undefined as unknown,
  };
  if (c.actor !== undefined && exp) {
    result.assignment = ok(await server.gql(ASSIGNMENT, { experiment: c.key, actor: c.actor })).assignment;
    result.exposures = ok(await server.gql(EXPOSURE_COUNTS, { experiment: c.key })).exposureCounts;
  }
  return result;
}

beforeAll(async () => {
  server = await startTestServer();
  await runningExperiment(server, RUNNING);
  await runningExperiment(server, CONCLUDED);
  ok(await server.gql(CONCLUDE, { key: CONCLUDED, winner: "treatment" }));
  await runningExperiment(server, ARCHIVED);
  ok(await server.gql(ARCHIVE, { key: ARCHIVED }));
  await createExperiment(server, { key: ORIGINAL, description: "the original", variants: [{ key: "a", weight: 1, params: { n: 1 } }] });
});
afterAll(() => server.close());

it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
  const before = await snapshot(c);
  if (c.absent) {
    expect(before.experiment).toBeNull();
    expect(before.history).toEqual([]);
  }

  const reply = await c.send();

  expect(reply.status).not.toBe(500);
  expect(reply.status).toBeLessThan(500);
  if (c.status !== undefined) expect(reply.status).toBe(c.status);
  const errors = reply.body.errors;
  expect(errors?.length).toBeGreaterThan(0);
  const error = errors![0]!;
  expect({ code: error.extensions.code, message: error.message }).toEqual({ code: c.code, message: expect.any(String) });
  if (c.field instanceof RegExp) expect(error.extensions.field).toMatch(c.field);
  else if (c.field !== undefined) expect(error.extensions.field).toBe(c.field);
  // A failed mutation answers no data for it.
  const data = reply.body.data;
  if (data) for (const value of Object.values(data)) expect(value).toBeNull();

  const after = await snapshot(c);
  expect(after).toEqual(before);
  if (c.absent) {
    expect(after.experiment).toBeNull();
    expect(after.history).toEqual([]);
  }
  if (c.actor !== undefined && after.experiment) expect(after.assignment).toBeNull();
});

it("a duplicate create leaves the original as it was", async () => {
  const original = ok(await server.gql(EXPERIMENT, { key: ORIGINAL })).experiment;
  expect(original).toMatchObject({ description: "the original", state: "DRAFT", variants: [{ key: "a", weight: 1, params: { n: 1 } }] });
  const res = await server.gql(CREATE, { input: { key: ORIGINAL, description: "second", variants: [{ key: "b", weight: 5 }] } });
  expect(res.errors?.[0]?.extensions.code).toBe("CONFLICT");
  expect(ok(await server.gql(EXPERIMENT, { key: ORIGINAL })).experiment).toEqual(original);
  expect(ok(await server.gql(HISTORY, { key: ORIGINAL, limit: 0 })).history.map((r: { mutation: string }) => r.mutation)).toEqual(["created"]);
});

it("a failed setWeights keeps the weights, and a good one after it is still accepted (a dry run: the shared experiment must not change)", async () => {
  const before = ok(await server.gql(EXPERIMENT, { key: RUNNING })).experiment;
  const bad = await server.gql(SET_WEIGHTS, { key: RUNNING, weights: [{ key: "control", weight: 30 }, { key: "ghost", weight: 70 }] });
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "weights[1].key" });
  expect(ok(await server.gql(EXPERIMENT, { key: RUNNING })).experiment.variants).toEqual(before.variants);

  const good = ok(await server.gql(SET_WEIGHTS, { key: RUNNING, weights: [{ key: "control", weight: 30 }, { key: "treatment", weight: 70 }], dryRun: true }));
  expect(good.setWeights.applied).toBe(false);
  expect(good.setWeights.experiment.variants.map((v: { weight: number }) => v.weight)).toEqual([30, 70]);
  // The dry run wrote nothing either.
  expect(ok(await server.gql(EXPERIMENT, { key: RUNNING })).experiment).toEqual(before);
});
