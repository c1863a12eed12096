// SPEC §13's attacks over HTTP, each with its status, its code and nothing written: who calls (no,
// malformed, unknown, revoked, expired key: 401), what they may (403), and the request's shape
// (size, depth, aliases, tokens, CSRF, GET, batches) — refused with a valid key, and refused as 401
// first without one: authentication comes before the body is parsed.

import { CREATE_API_KEY, REVOKE_API_KEY, type Reply, createKey, firstError, post, request } from "../helpers/keyed-requests";
import { DECIDE } from "../helpers/decide-factories";
import { CREATE, EXPERIMENT, FIFTY_FIFTY, configVersion, ok, uniqueKey } from "../helpers/factories";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** The attack's payload: a createExperiment that must not happen. */
const create = (key: string) => ({ query: CREATE, variables: { input: { key, variants: FIFTY_FIFTY } } });

async function expectNothingWritten(keys: readonly string[], versionBefore: number): Promise<void> {
  for (const key of keys) expect([key, ok(await server.gql(EXPERIMENT, { key })).experiment]).toEqual([key, null]);
  expect(await configVersion(server)).toBe(versionBefore);
}

function expectUnauthenticated(reply: Reply, message?: string): void {
  expect(reply.status).toBe(401);
  expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  expect(reply.body.data).toBeUndefined();
  expect(firstError(reply)?.extensions.code).toBe("UNAUTHENTICATED");
  if (message !== undefined) expect(firstError(reply)?.message).toContain(message);
}

describe("who calls: 401 UNAUTHENTICATED, nothing written", () => {
  it.each([
    ["no key", {}],
    ["an empty header", { authorization: "" }],
    ["Basic x", { authorization: "Basic x" }],
    ["Bearer alone", { authorization: "Bearer" }],
    ["Bearer a b", { authorization: "Bearer a b" }],
    ["an unknown key", { authorization: `Bearer tsk_${"A".repeat(32)}` }],
    ["a key 10,000 characters long", { authorization: `Bearer tsk_${"A".repeat(10_000)}` }],
  ])("%s", async (_name, headers) => {
    const key = uniqueKey("anon");
    const before = await configVersion(server);
    expectUnauthenticated(await post(server, create(key), headers));
    await expectNothingWritten([key], before);
  });

  it("a revoked key: it worked, and after revokeApiKey it is refused as revoked", async () => {
    const dev = await createKey(server, { name: "soon-revoked", role: "DEVELOPER" });
    const [first, second] = [uniqueKey("rev"), uniqueKey("rev")];
    expect((await post(server, create(first), dev.headers)).body.errors).toBeUndefined();
    ok(await server.gql(REVOKE_API_KEY, { id: dev.id }));
    const before = await configVersion(server);
    expectUnauthenticated(await post(server, create(second), dev.headers), "revoked");
    expectUnauthenticated(await post(server, { query: `{ configVersion }` }, dev.headers), "revoked");
    await expectNothingWritten([second], before);
  });

  it("an expired key is refused as expired once its time has passed", async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const dev = await createKey(server, { name: "short-lived", role: "DEVELOPER", expiresAt: expiresAt.toISOString() });
    while (Date.now() <= expiresAt.getTime() + 10) await new Promise((r) => setTimeout(r, expiresAt.getTime() + 20 - Date.now()));
    const key = uniqueKey("expired");
    const before = await configVersion(server);
    expectUnauthenticated(await post(server, create(key), dev.headers), "expired");
    await expectNothingWritten([key], before);
  });

  it("expiresAt in the past is refused at creation", async () => {
    const reply = await post(server, { query: CREATE_API_KEY, variables: { input: { name: "past", role: "VIEWER", expiresAt: new Date(Date.now() - 1_000).toISOString() } } }, ADMIN_HEADERS);
    expect(firstError(reply)?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.expiresAt" });
  });
});

describe("what the key may: 403 FORBIDDEN, nothing written", () => {
  it("a VIEWER key creating an experiment", async () => {
    const viewer = await createKey(server, { name: "viewer", role: "VIEWER" });
    const key = uniqueKey("viewer");
    const before = await configVersion(server);
    const reply = await post(server, create(key), viewer.headers);
    expect(reply.status).toBe(403);
    expect(reply.body.data).toBeUndefined();
    expect(firstError(reply)?.extensions).toMatchObject({ code: "FORBIDDEN", field: "createExperiment", role: "VIEWER" });
    await expectNothingWritten([key], before);
  });

  it("an SDK key deciding outside its services", async () => {
    const sdk = await createKey(server, { name: "sdk-web", role: "SDK", services: ["web"] });
    const before = await configVersion(server);
    const reply = await post(server, { query: DECIDE, variables: { services: ["ios"], context: { user_id: "u" } } }, sdk.headers);
    expect(reply.status).toBe(403);
    expect(firstError(reply)?.extensions).toMatchObject({ code: "FORBIDDEN", field: "services", service: "ios" });
    expect(await configVersion(server)).toBe(before);
  });
});

const nestOfType = (depth: number): string => (depth === 0 ? "name" : `name ofType { ${nestOfType(depth - 1)} }`);
const one = (key: string) => `createExperiment(input: {key: "${key}", variants: [{key: "a", weight: 1}]}) { key }`;

interface Shape {
  readonly name: string;
  /** Sends the attack with `headers`; `keys` are the experiments it would create. */
  readonly send: (keys: readonly string[], headers: Record<string, string>) => Promise<Reply>;
  readonly status: number;
  readonly code: string;
  /** What the message says (a limit's name). */
  readonly says?: string;
  /** Without a key; 401 unless said. */
  readonly anonymous?: number;
}

const SHAPES: Shape[] = [
  {
    name: "a 2 MiB body",
    send: (keys, headers) => post(server, { ...create(keys[0]!), pad: "x".repeat(2 << 20) }, headers),
    status: 413,
    code: "BAD_USER_INPUT",
    // Its Content-Length is refused before the body is read, key or not: nothing of it is parsed either way.
    anonymous: 413,
  },
  { name: "a depth of 50", send: (_keys, headers) => post(server, { query: `{ __type(name: "Query") { ${nestOfType(48)} } }` }, headers), status: 400, code: "BAD_USER_INPUT", says: "depth limit" },
  {
    name: "500 aliases of createExperiment",
    send: (keys, headers) => post(server, { query: `mutation { ${keys.map((k, i) => `a${i}: ${one(k)}`).join(" ")} }` }, headers),
    status: 400,
    code: "BAD_USER_INPUT",
    says: "Aliases limit",
  },
  {
    name: "a mutation of 20,000 tokens",
    send: (keys, headers) => post(server, { query: `mutation { ${one(keys[0]!).slice(0, -1)} ${"__typename ".repeat(20_000)} } }` }, headers),
    status: 400,
    code: "BAD_USER_INPUT",
    says: "tokens",
  },
  { name: "a mutation as text/plain", send: (keys, headers) => post(server, create(keys[0]!), headers, "text/plain"), status: 415, code: "BAD_USER_INPUT" },
  {
    name: "a mutation as a form",
    send: (keys, headers) => post(server, new URLSearchParams({ query: CREATE, variables: JSON.stringify(create(keys[0]!).variables) }).toString(), headers, "application/x-www-form-urlencoded"),
    status: 415,
    code: "BAD_USER_INPUT",
  },
  {
    name: "a mutation over GET with Apollo's preflight header",
    send: (keys, headers) => request(server, { headers: { ...headers, "apollo-require-preflight": "true" } }, `?query=${encodeURIComponent(`mutation { ${one(keys[0]!)} }`)}`),
    status: 405,
    code: "BAD_USER_INPUT",
  },
  { name: "a mutation over GET", send: (keys, headers) => request(server, { headers }, `?query=${encodeURIComponent(`mutation { ${one(keys[0]!)} }`)}`), status: 400, code: "BAD_USER_INPUT" },
  { name: "an array of operations", send: (keys, headers) => post(server, keys.slice(0, 2).map(create), headers), status: 400, code: "BAD_USER_INPUT", says: "batched" },
];

describe("the request's shape: refused with a valid key, 401 without one, nothing written", () => {
  it.each(SHAPES)("$name: $status", async ({ send, status, code, says, anonymous = 401 }) => {
    const keys = Array.from({ length: 500 }, () => uniqueKey("shape"));
    const before = await configVersion(server);
    const refused = await send(keys, ADMIN_HEADERS);
    expect(refused.status).toBe(status);
    expect(refused.body.data ?? undefined).toBeUndefined();
    expect(firstError(refused)?.extensions.code).toBe(code);
    if (says !== undefined) expect(firstError(refused)?.message).toContain(says);
    const withoutKey = await send(keys, {});
    if (anonymous === 401) expectUnauthenticated(withoutKey);
    else expect(withoutKey.status).toBe(anonymous);
    await expectNothingWritten([keys[0]!, keys[1]!, keys[499]!], before);
  });
});
