// Hardening over HTTP and graphql-ws (SPEC §13, last item): CSRF, operation arrays, production's silence
// (no introspection, no suggestions, no landing page), input caps, graphql-ws's init timeout and message
// size. Every attack: its status, its code, and nothing written.

import WebSocket from "ws";
import { DECIDE_BATCH, decideRaw, exposureLog, started } from "../helpers/decide-factories";
import { CREATE, EXPERIMENT, FIFTY_FIFTY, configVersion, ok, uniqueKey } from "../helpers/factories";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "../helpers/test-server";

let dev: TestServer;
let production: TestServer;
beforeAll(async () => {
  dev = await startTestServer();
  production = await startTestServer({ config: { production: true } });
});
afterAll(async () => {
  await dev.close();
  await production.close();
});

interface Reply {
  status: number;
  type: string | null;
  text: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions: { code: string; field?: string } }> };
}

async function send(server: TestServer, init: RequestInit, search = ""): Promise<Reply> {
  // With the ADMIN key: these refusals must come from the request's shape, not from a missing key.
  const res = await fetch(server.url + search, { ...init, headers: { ...ADMIN_HEADERS, ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  let body: Reply["body"] = {};
  try {
    body = JSON.parse(text) as Reply["body"];
  } catch {
    // An HTML page, say: the test looks at `type` and `text`.
  }
  return { status: res.status, type: res.headers.get("content-type"), text, body };
}

const postJson = (server: TestServer, body: unknown) =>
  send(server, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const firstError = (reply: Reply) => reply.body.errors?.[0];

/** A createExperiment that must not happen: after the attack, the key is unknown and the configuration unchanged. */
async function expectNothingCreated(server: TestServer, key: string, versionBefore: number): Promise<void> {
  expect(ok(await server.gql(EXPERIMENT, { key })).experiment).toBeNull();
  expect(await configVersion(server)).toBe(versionBefore);
}

describe("CSRF: mutations only as a JSON POST", () => {
  const create = (key: string) => ({ query: CREATE, variables: { input: { key, variants: FIFTY_FIFTY } } });

  it.each([
    ["text/plain", "text/plain"],
    ["text/plain with charset", "text/plain;charset=UTF-8"],
    ["a form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
  ])("as %s: 415, nothing written", async (_name, contentType) => {
    const key = uniqueKey("csrf");
    const before = await configVersion(dev);
    const reply = await send(dev, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(create(key)) });
    expect(reply.status).toBe(415);
    expect(firstError(reply)?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "content-type" });
    await expectNothingCreated(dev, key, before);
  });

  it("over GET: refused (405 with Apollo's preflight header, 400 without), nothing written", async () => {
    const key = uniqueKey("csrf");
    const before = await configVersion(dev);
    const search = `?query=${encodeURIComponent(CREATE)}&variables=${encodeURIComponent(JSON.stringify(create(key).variables))}`;
    const preflighted = await send(dev, { headers: { "apollo-require-preflight": "true" } }, search);
    expect(preflighted.status).toBe(405);
    expect(firstError(preflighted)?.extensions.code).toBe("BAD_USER_INPUT");
    const simple = await send(dev, {}, search);
    expect(simple.status).toBe(400);
    expect(firstError(simple)?.extensions.code).toBe("BAD_USER_INPUT");
    await expectNothingCreated(dev, key, before);
  });

  it("an array of operations: 400, none of them run", async () => {
    const [a, b] = [uniqueKey("batch"), uniqueKey("batch")];
    const before = await configVersion(dev);
    const reply = await postJson(dev, [create(a), create(b)]);
    expect(reply.status).toBe(400);
    expect(firstError(reply)?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "body" });
    expect(firstError(reply)?.message).toContain("batched operations");
    await expectNothingCreated(dev, a, before);
    await expectNothingCreated(dev, b, before);
  });
});

describe("production: no introspection, no suggestions, no landing page", () => {
  const INTROSPECTION = `{ __schema { types { name } } }`;
  const MISSPELT = `{ configVersio }`;

  it("introspection is refused on both paths in production, answered in development", async () => {
    const fast = await postJson(production, { query: INTROSPECTION });
    const apollo = await postJson(production, { query: INTROSPECTION, extensions: {} });
    expect(fast.status).toBe(400);
    expect(firstError(fast)?.extensions.code).toBe("BAD_USER_INPUT");
    expect(firstError(fast)?.message).toContain("introspection");
    expect(apollo.body).toEqual(fast.body);
    const answered = await postJson(dev, { query: INTROSPECTION });
    expect(answered.status).toBe(200);
    expect((answered.body.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(10);
  });

  it("no 'Did you mean' in production on either path; development keeps the hint", async () => {
    const fast = await postJson(production, { query: MISSPELT });
    const apollo = await postJson(production, { query: MISSPELT, extensions: {} });
    expect(fast.status).toBe(400);
    expect(firstError(fast)?.extensions.code).toBe("BAD_USER_INPUT");
    expect(firstError(fast)?.message).toBe(`Cannot query field "configVersio" on type "Query".`);
    expect(apollo.body).toEqual(fast.body);
    expect(firstError(await postJson(dev, { query: MISSPELT }))?.message).toContain(`Did you mean "configVersion"?`);
  });

  it("GET /graphql from a browser: no page in production; GraphiQL in development", async () => {
    const html = { headers: { accept: "text/html" } };
    const none = await send(production, html);
    expect(none.type ?? "").not.toContain("text/html");
    expect(none.text).not.toMatch(/<html|<script/i);
    expect(none.status).toBe(400);
    const page = await send(dev, html);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    // Nor the IDE's files (graphiql.test.ts tests them in development).
    for (const file of ["graphiql.min.js", "graphiql.min.css", "tessera-ide.js"]) {
      expect((await fetch(new URL(`/graphiql/${file}`, production.url))).status).toBe(404);
    }
  });
});

describe("input caps", () => {
  const LONG_ACTOR = "u".repeat(2_800);

  it("decide with a hash-key value over 512 characters: BAD_USER_INPUT naming it, nothing stored", async () => {
    const key = uniqueKey("long");
    await started(dev, key, { services: [`${key}_svc`] });
    const one = await decideRaw(dev, [`${key}_svc`], { user_id: LONG_ACTOR });
    expect(one.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "context.user_id" });
    const batch = await dev.gql(DECIDE_BATCH, { requests: [{ services: [`${key}_svc`], context: { user_id: "short" } }, { services: [`${key}_svc`], context: { user_id: LONG_ACTOR } }] });
    expect(batch.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "requests[1].context.user_id" });
    // 512 is still an actor; its exposure, queued after the refused ones, proves the writer flushed.
    ok(await decideRaw(dev, [`${key}_svc`], { user_id: "v".repeat(512) }));
    let log = await exposureLog(dev, key);
    for (let i = 0; i < 100 && log.length === 0; i++) log = await new Promise((r) => setTimeout(r, 50)).then(() => exposureLog(dev, key));
    expect(log.map((e) => e.actor)).toEqual(["v".repeat(512)]);
  });

  it("an unknown 1 MB key is quoted back cut to 100 characters, nothing written", async () => {
    const key = uniqueKey("echo");
    const before = await configVersion(dev);
    const unknown = "k".repeat(1_000_000);
    const reply = await postJson(dev, { query: CREATE, variables: { input: { key, variants: FIFTY_FIFTY, [unknown]: 1 } } });
    expect(reply.status).toBe(400);
    expect(firstError(reply)?.extensions.code).toBe("BAD_USER_INPUT");
    expect(firstError(reply)?.message).toContain(`"${"k".repeat(100)}…"`);
    expect(reply.text.length).toBeLessThan(2_000);
    await expectNothingCreated(dev, key, before);
  });
});

describe("graphql-ws", () => {
  const open = (server: TestServer) => new WebSocket(server.url.replace(/^http/, "ws"), "graphql-transport-ws");
  const closed = (socket: WebSocket) => new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));

  it("a socket without connection_init is closed with 4408", async () => {
    const socket = open(production);
    expect(await closed(socket)).toBe(4408);
  });

  it("a message over 64 KiB closes the socket (1009)", async () => {
    const socket = open(production);
    const ending = closed(socket);
    await new Promise((resolve) => socket.on("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: ADMIN_HEADERS }));
    await new Promise((resolve) => socket.once("message", resolve));
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: `subscription { configChanged { version } } # ${"x".repeat(64 * 1024)}` } }));
    expect(await ending).toBe(1009);
  });
});
