// Query limits (SPEC §13, hardening) over HTTP on both execution paths: each over-limit query is refused
// with 400 BAD_USER_INPUT naming its limit, the same way whether the compiled fast path or Apollo takes it;
// the largest documented queries stay within the limits.

import { getIntrospectionQuery } from "graphql";
import { DECIDE_BATCH, started } from "../helpers/decide-factories";
import { ok, uniqueKey } from "../helpers/factories";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Reply {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions: { code: string; field?: string; reason?: string } }> };
}

/** POSTs one operation; `extensions` makes it one only Apollo takes (the fast path leaves such bodies to it). */
async function post(body: Record<string, unknown>): Promise<Reply> {
  const res = await fetch(server.url, { method: "POST", headers: { ...ADMIN_HEADERS, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Reply["body"] };
}

const nestOfType = (depth: number): string => (depth === 0 ? "name" : `name ofType { ${nestOfType(depth - 1)} }`);
const aliases = (n: number, field: string): string => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ");

/** Each would run (and answer data) without its limit: introspection is on outside production. */
const OVER_LIMIT = [
  // depth 50: __type → 48 × ofType → name
  { limit: "depth", message: "depth limit of 25", query: `{ __type(name: "Query") { ${nestOfType(48)} } }` },
  { limit: "aliases", message: "Aliases limit of 100", query: `{ ${aliases(500, "configVersion")} }` },
  { limit: "tokens", message: "15000 tokens", query: `{ ${Array.from({ length: 10_000 }, () => "configVersion").join(" ")} ${aliases(2_500, "configVersion")} }` },
  { limit: "directives", message: "Directives limit of 50", query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: configVersion @include(if: true)`).join(" ")} }` },
  // cost about 349,000: ten type chains of depth 22 (within the depth and alias limits)
  { limit: "cost", message: "Cost limit of 100000", query: `{ ${aliases(10, `__type(name: "Query") { ${nestOfType(20)} }`)} }` },
];

describe("over-limit queries are refused before they run, alike on both paths", () => {
  it.each(OVER_LIMIT)("$limit", async ({ message, query }) => {
    const fast = await post({ query });
    const apollo = await post({ query, extensions: {} });
    expect(fast.status).toBe(400);
    expect(fast.body.data).toBeUndefined();
    // A deep query is also costly: each limit it passes is named, and every error is bad input about the query.
    expect(fast.body.errors!.some((e) => e.message.includes(message))).toBe(true);
    for (const error of fast.body.errors!) expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "query" });
    expect(apollo).toEqual(fast);
    // Refused again from the compiled path's memo of the text: the same answer.
    expect(await post({ query })).toEqual(fast);
  });

  it("a query sent by GET (never the fast path's) meets the same limits", async () => {
    const query = `{ ${aliases(60, "configVersion @include(if: true)")} }`;
    const res = await fetch(`${server.url}?query=${encodeURIComponent(query)}`, { headers: { ...ADMIN_HEADERS, "apollo-require-preflight": "true" } });
    const body = (await res.json()) as Reply["body"];
    expect(res.status).toBe(400);
    expect(body.errors![0]!.message).toContain("Directives limit of 50");
    expect(body.errors![0]!.extensions.code).toBe("BAD_USER_INPUT");
  });
});

describe("the largest documented queries stay within the limits", () => {
  it("GraphiQL's standard introspection query", async () => {
    for (const body of [{ query: getIntrospectionQuery() }, { query: getIntrospectionQuery(), extensions: {} }]) {
      const reply = await post(body);
      expect(reply.body.errors).toBeUndefined();
      expect(reply.status).toBe(200);
      expect((reply.body.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(10);
    }
  });

  it("decideBatch of 1,000 requests, as variables and as a literal list", async () => {
    const key = uniqueKey("limits");
    await started(server, key, { services: [`${key}_svc`] });
    const requests = Array.from({ length: 1_000 }, (_, i) => ({ services: [`${key}_svc`], context: { user_id: `u${i}` } }));
    const asVariables = ok(await server.gql(DECIDE_BATCH, { requests })).decideBatch as Array<{ results: Array<{ experiments: unknown[] }> }>;
    expect(asVariables).toHaveLength(1_000);
    expect(asVariables.every((d) => d.results[0]!.experiments.length === 1)).toBe(true);
    const literal = requests.map((r) => `{ services: ["${r.services[0]}"], context: { user_id: "${r.context.user_id}" } }`).join(" ");
    const reply = await post({ query: `{ decideBatch(requests: [${literal}]) { configVersion results { service vids } } }` });
    expect(reply.body.errors).toBeUndefined();
    expect(reply.status).toBe(200);
    expect((reply.body.data as { decideBatch: unknown[] }).decideBatch).toHaveLength(1_000);
  });
});
