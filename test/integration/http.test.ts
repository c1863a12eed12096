// The HTTP surface around GraphQL: health, readiness, unknown paths, oversized bodies, GET queries.

import { ON_POSTGRES } from "../helpers/test-database";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startTestServer();
  base = server.url.replace(/\/graphql$/, "");
});
afterAll(() => server.close());

it("/healthz answers 200 while the process is up", async () => {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: "ok" });
});

it("/readyz answers 200 with SPEC §10's report when the configuration is loaded and the database reachable", async () => {
  const res = await fetch(`${base}/readyz`);
  expect(res.status).toBe(200);
  const report = (await res.json()) as Record<string, unknown>;
  expect(report).toEqual({
    status: "ready",
    configVersion: 0,
    lastSyncAgeMs: expect.any(Number),
    listener: ON_POSTGRES ? "connected" : "in-process",
    database: "reachable",
  });
});

it("an unknown path is a JSON 404", async () => {
  const res = await fetch(`${base}/nope`);
  expect(res.status).toBe(404);
  expect(((await res.json()) as { error: string }).error).toContain("/graphql");
});

it("a body over 1 MiB is refused with 413 and BAD_USER_INPUT, and the server keeps serving", async () => {
  const huge = JSON.stringify({ query: `{ configVersion }`, variables: { pad: "x".repeat(1_100_000) } });
  const res = await fetch(server.url, { method: "POST", headers: { ...ADMIN_HEADERS, "content-type": "application/json" }, body: huge });
  expect(res.status).toBe(413);
  expect(((await res.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "body" });
  expect((await server.gql(`{ configVersion }`)).status).toBe(200);
});

it("answers a query sent with GET", async () => {
  const res = await fetch(`${server.url}?query=${encodeURIComponent("{ configVersion }")}`, {
    headers: { ...ADMIN_HEADERS, "apollo-require-preflight": "true" },
  });
  expect(res.status).toBe(200);
  expect(typeof ((await res.json()) as { data: { configVersion: unknown } }).data.configVersion).toBe("number");
});
