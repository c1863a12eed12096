// TRUSTED_DOCUMENTS (persisted documents): keys of the listed roles run only the manifest's documents, sent
// as text or by id, on the compiled fast path, Apollo's path and graphql-ws alike; other keys are unaffected.

import path from "node:path";
import WebSocket from "ws";
import { TesseraClient, type TesseraError } from "../../client/src";
import manifest from "../../client/src/generated/persisted-documents.json";
import { type CreatedKey, bearer, createKey } from "../helpers/api-keys";
import { uniqueKey } from "../helpers/factories";
import { startTestServer, TEST_ADMIN_KEY, type GqlResponse, type TestServer } from "../helpers/test-server";
import { Collector, waitUntil, wsClient, type WsClient } from "../helpers/ws-client";

const MANIFEST = path.resolve(__dirname, "../../client/src/generated/persisted-documents.json");
const TEXTS = manifest as Record<string, string>;
const idOf = (operation: string): string => Object.keys(TEXTS).find((id) => new RegExp(`(^|\\} )(query|mutation|subscription) ${operation}\\b`).test(TEXTS[id]!))!;
const AD_HOC_DECIDE = `query { decide(services: ["web"], context: {user_id: "u"}) { configVersion } }`;
const AD_HOC_ASSIGN = `mutation { assign(experiment: "nothing", actor: "u") { variant } }`;

let server: TestServer;
let sdk: CreatedKey;
/** The version of the experiment's creation: the first change an SDK key's subscription since 0 sees (key changes are ADMIN's). */
let created: number;
const clients: Array<TesseraClient | WsClient> = [];
beforeAll(async () => {
  server = await startTestServer({ config: { trustedDocuments: { file: MANIFEST, roles: new Set(["SDK"]) } } });
  sdk = await createKey(server, { name: uniqueKey("sdk"), role: "SDK" });
  const admin = new TesseraClient({ url: server.url, apiKey: TEST_ADMIN_KEY });
  await admin.createExperiment({ key: "trusted_exp", services: ["web"], variants: [{ key: "a", weight: 1 }] });
  created = await admin.configVersion();
  await admin.startExperiment("trusted_exp");
});
afterAll(async () => {
  await Promise.all(clients.map((c) => (c instanceof TesseraClient ? c.close() : c.dispose())));
  await server.close();
});

function client(apiKey: string, send: "text" | "id"): TesseraClient {
  const made = new TesseraClient({ url: server.url, apiKey, send, webSocketImpl: WebSocket });
  clients.push(made);
  return made;
}

/** POST /graphql with a body of the test's own making. */
async function post(body: unknown, secret: string, headers: Record<string, string> = {}): Promise<GqlResponse> {
  const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", ...bearer(secret), ...headers }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { data?: any; errors?: any };
  return { status: res.status, data: answer.data, errors: answer.errors };
}

const refusedAsUntrusted = (res: GqlResponse, field = "query") => {
  expect(res.status).toBe(403);
  expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN", field, role: "SDK" }) })]);
  expect(res.data ?? null).toBeNull();
};

it("an SDK key runs the client's documents, sent as text or by id, and subscribes with them", async () => {
  for (const send of ["text", "id"] as const) {
    const decision = await client(sdk.secret, send).decide({ services: ["web"], context: { user_id: "u1" } });
    expect(decision.results[0]!.experiments.map((e) => e.experiment)).toEqual(["trusted_exp"]);
    expect(await client(sdk.secret, send).assign({ experiment: "trusted_exp", actor: "u2" })).toMatchObject({ variant: "a" });
  }
  // The manifest's text with other whitespace is the same document.
  const spaced = TEXTS[idOf("ConfigVersion")]!.replace(/ /g, "\n  ");
  expect(await post({ query: spaced }, sdk.secret)).toMatchObject({ status: 200, data: { configVersion: expect.any(Number) } });

  const changes: number[] = [];
  const before = server.app.changeFeed.subscriberCount;
  client(sdk.secret, "text").configChanged({ since: 0 }, (change) => changes.push(change.version));
  await waitUntil(() => server.app.changeFeed.subscriberCount > before && changes.length > 0, "the replay");
  expect(changes[0]).toBe(created);
});

it("the same SDK key sending another document is refused before execution, on the fast path and on Apollo's", async () => {
  // A plain query: the fast path's kind of request (it answers it for an ADMIN key, below).
  refusedAsUntrusted(await post({ query: AD_HOC_DECIDE }, sdk.secret));
  // Requests only Apollo's path takes: a mutation, the graphql-response media type, a GET.
  refusedAsUntrusted(await post({ query: AD_HOC_ASSIGN }, sdk.secret));
  refusedAsUntrusted(await post({ query: AD_HOC_DECIDE }, sdk.secret, { accept: "application/graphql-response+json" }));
  const get = await fetch(`${server.url}?query=${encodeURIComponent("{ configVersion }")}`, { headers: { ...bearer(sdk.secret), "apollo-require-preflight": "true" } });
  refusedAsUntrusted({ status: get.status, ...((await get.json()) as { data?: any; errors?: any }) } as GqlResponse);
  // A manifest document with one field more is another document.
  refusedAsUntrusted(await post({ query: TEXTS[idOf("ConfigVersion")]!.replace("configVersion", "configVersion me { name }") }, sdk.secret));
  // An id the manifest does not have, in either form.
  refusedAsUntrusted(await post({ documentId: "sha256:0000" }, sdk.secret), "documentId");
  refusedAsUntrusted(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: "0000" } } }, sdk.secret), "documentId");
  // The refusals leave the key as it was: its documents still run.
  expect((await post({ documentId: idOf("ConfigVersion") }, sdk.secret)).status).toBe(200);
});

it("over graphql-ws, another subscription document is refused; the client's is served", async () => {
  const ws = wsClient(server, { connectionParams: { authorization: `Bearer ${sdk.secret}` } });
  clients.push(ws);
  const adHoc = new Collector(ws.client, `subscription { configChanged(since: 0) { version } }`);
  const ending = await adHoc.ended;
  expect(ending.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN", field: "query" }) })]);
  const trusted = new Collector(ws.client, TEXTS[idOf("ConfigChanged")]!, { since: 0 });
  await trusted.untilVersion(created);
  trusted.stop();
});

it("an ADMIN key is unaffected with the default roles: any document, and an unknown id is Apollo's to answer", async () => {
  const res = await post({ query: AD_HOC_DECIDE }, TEST_ADMIN_KEY);
  expect(res).toMatchObject({ status: 200, data: { decide: { configVersion: expect.any(Number) } } });
  const unknownId = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: "0000" } } }, TEST_ADMIN_KEY);
  expect(unknownId.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  expect((await post({ documentId: idOf("ConfigVersion") }, TEST_ADMIN_KEY)).data).toEqual({ configVersion: expect.any(Number) });
});

describe("TRUSTED_DOCUMENTS_ROLES=all", () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ config: { trustedDocuments: { file: MANIFEST, roles: new Set(["ADMIN", "DEVELOPER", "VIEWER", "SDK"]) } } });
  });
  afterAll(() => strict?.close());

  it("refuses every role another document; the client's administration works", async () => {
    const res = await fetch(strict.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(TEST_ADMIN_KEY) },
      body: JSON.stringify({ query: "{ configVersion }" }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as GqlResponse).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "query", role: "ADMIN" });
    const admin = new TesseraClient({ url: strict.url, apiKey: TEST_ADMIN_KEY, send: "id" });
    clients.push(admin);
    const key = uniqueKey("all");
    expect(await admin.createExperiment({ key, variants: [{ key: "a", weight: 1 }] })).toMatchObject({ key, state: "DRAFT" });
    expect(await admin.startExperiment(key)).toMatchObject({ state: "RUNNING" });
    // Authentication comes first: an unknown key is UNAUTHENTICATED, not refused as untrusted.
    const error = await new TesseraClient({ url: strict.url, apiKey: "tsk_nobody" }).configVersion().catch((e: TesseraError) => e);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });
});
