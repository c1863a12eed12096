// API keys over HTTP (SPEC §13): created with a secret shown once, listed without it, validated with
// field paths and nothing written, revoked and expired keys refused at once (401) on this instance,
// and their history: change records under the key's id, api_key change events for ADMIN keys only.

import { createHash } from "node:crypto";
import { configVersion, HISTORY, ok } from "../helpers/factories";
import { API_KEYS, type ApiKey, bearer, CREATE_KEY, createKey, meAs, REVOKE_KEY, revokeKey } from "../helpers/api-keys";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGES, type ConfigChange } from "../helpers/ws-client";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const changesAs = async (headers: Record<string, string> = {}): Promise<ConfigChange[]> =>
  ok(await server.gql(CONFIG_CHANGES, { since: 0, limit: 1000 }, headers)).configChanges as ConfigChange[];

describe("createApiKey", () => {
  it("answers a tsk_ secret of at least 128 random bits, shown by its prefix, that works at once", async () => {
    const { secret, apiKey } = await createKey(server, { name: " ops dashboard ", role: "VIEWER" });
    expect(secret).toMatch(/^tsk_[A-Za-z0-9_-]+$/);
    // base64url: 6 bits a character; 22 characters hold 132 bits.
    expect(secret.length - "tsk_".length).toBeGreaterThanOrEqual(22);
    expect(apiKey.prefix.startsWith("tsk_")).toBe(true);
    expect(apiKey.prefix.length).toBeGreaterThan("tsk_".length);
    expect(apiKey.prefix.length).toBeLessThan(secret.length);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({ name: "ops dashboard", role: "VIEWER", services: null, rateLimit: 100, expiresAt: null, revokedAt: null });

    const me = await meAs(server, secret);
    expect(me.status).toBe(200);
    expect(ok(me).me).toEqual({ id: apiKey.id, name: "ops dashboard", role: "VIEWER", services: null });
  });

  it("two keys never share a secret", async () => {
    const [a, b] = await Promise.all([createKey(server, { name: "twin-a", role: "SDK" }), createKey(server, { name: "twin-b", role: "SDK" })]);
    expect(a.secret).not.toBe(b.secret);
    expect(a.apiKey.id).not.toBe(b.apiKey.id);
  });

  it("apiKeys lists the bootstrap key first, then the new key, and never a secret or a digest", async () => {
    const { secret, apiKey } = await createKey(server, { name: "listed", role: "SDK", services: ["web", "ios"], rateLimit: 50 });
    const res = await server.gql(API_KEYS);
    const keys = ok(res).apiKeys as ApiKey[];
    expect(keys[0]).toMatchObject({ id: "bootstrap", name: "bootstrap", role: "ADMIN", revokedAt: null });
    expect(keys.find((k) => k.id === apiKey.id)).toEqual({ ...apiKey, services: ["ios", "web"] });
    const json = JSON.stringify(res);
    expect(json).not.toContain(secret);
    expect(json).not.toContain(secret.slice(apiKey.prefix.length));
    expect(json).not.toContain(createHash("sha256").update(secret).digest("hex"));
    // No field of a listed key carries a SHA-256 digest (64 hex characters) at all.
    expect(json).not.toMatch(/[0-9a-f]{64}/);
  });

  it.each([
    ["a blank name", { name: "   ", role: "VIEWER" }, "input.name"],
    ["services on a non-SDK key", { name: "svc", role: "DEVELOPER", services: ["web"] }, "input.services"],
    ["an empty services list", { name: "svc", role: "SDK", services: [] }, "input.services"],
    ["expiresAt in the past", { name: "old", role: "VIEWER", expiresAt: new Date(Date.now() - 60_000).toISOString() }, "input.expiresAt"],
    ["rateLimit 0", { name: "zero", role: "SDK", rateLimit: 0 }, "input.rateLimit"],
  ])("%s: BAD_USER_INPUT at its field, nothing written", async (_what, input, field) => {
    const before = await configVersion(server);
    const keysBefore = (ok(await server.gql(API_KEYS)).apiKeys as ApiKey[]).length;
    const res = await server.gql(CREATE_KEY, { input });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await configVersion(server)).toBe(before);
    expect((ok(await server.gql(API_KEYS)).apiKeys as ApiKey[]).length).toBe(keysBefore);
  });
});

describe("revokeApiKey", () => {
  it("refuses the key at once (401, revoked); revoking again answers it unchanged with no new version", async () => {
    const { secret, apiKey } = await createKey(server, { name: "to-revoke", role: "DEVELOPER" });
    expect((await meAs(server, secret)).status).toBe(200);

    const revoked = await revokeKey(server, apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(revoked).toEqual({ ...apiKey, revokedAt: revoked.revokedAt, lastUsedAt: revoked.lastUsedAt });
    const refused = await meAs(server, secret);
    expect(refused.status).toBe(401);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect(refused.errors?.[0]?.message).toMatch(/revoked/);

    const version = await configVersion(server);
    const again = await revokeKey(server, apiKey.id);
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expect(await configVersion(server)).toBe(version);
    expect((await meAs(server, secret)).status).toBe(401);
  });

  it("the bootstrap key cannot be revoked (BAD_USER_INPUT); an unknown id is NOT_FOUND; nothing written", async () => {
    const before = await configVersion(server);
    const bootstrap = await server.gql(REVOKE_KEY, { id: "bootstrap" });
    expect(bootstrap.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    const unknown = await server.gql(REVOKE_KEY, { id: "00000000-0000-4000-8000-000000000000" });
    expect(unknown.errors?.[0]?.extensions.code).toBe("NOT_FOUND");
    expect(await configVersion(server)).toBe(before);
    expect(ok(await server.gql(`query { me { id } }`)).me).toEqual({ id: "bootstrap" });
  });

  it("the key's history has its creation and revocation, made by the ADMIN key", async () => {
    const { apiKey } = await createKey(server, { name: "audited", role: "SDK" });
    await revokeKey(server, apiKey.id);
    const history = ok(await server.gql(HISTORY, { key: apiKey.id })).history as Array<{ key: string; mutation: string; actor: string; configVersion: number }>;
    expect(history.map((h) => h.mutation)).toEqual(["api_key_revoked", "api_key_created"]);
    expect(history.every((h) => h.key === apiKey.id && h.actor === "bootstrap")).toBe(true);
    expect(history[0]!.configVersion).toBe(history[1]!.configVersion + 1);
    // As with change events, a key's records are for ADMIN keys only.
    const viewer = await createKey(server, { name: "viewer-history", role: "VIEWER" });
    expect(ok(await server.gql(HISTORY, { key: apiKey.id }, bearer(viewer.secret))).history).toEqual([]);
  });

  it("configChanges shows api_key events to ADMIN keys, never to a VIEWER key", async () => {
    const viewer = await createKey(server, { name: "viewer-log", role: "VIEWER" });
    const { apiKey } = await createKey(server, { name: "logged", role: "SDK" });
    await revokeKey(server, apiKey.id);

    const forAdmin = (await changesAs()).filter((c) => c.keys.includes(apiKey.id));
    expect(forAdmin.map((c) => [c.kind, c.mutation])).toEqual([
      ["api_key", "api_key_created"],
      ["api_key", "api_key_revoked"],
    ]);
    const forViewer = await changesAs(bearer(viewer.secret));
    expect(forViewer.filter((c) => c.kind === "api_key")).toEqual([]);
    expect(forViewer.filter((c) => c.keys.includes(apiKey.id))).toEqual([]);
  });
});

describe("expiry", () => {
  it("a key works until expiresAt, then is refused with 401 (expired)", async () => {
    const expiresAt = Date.now() + 2_000;
    const { secret, apiKey } = await createKey(server, { name: "short-lived", role: "VIEWER", expiresAt: new Date(expiresAt).toISOString() });
    expect(new Date(apiKey.expiresAt!).getTime()).toBe(expiresAt);
    expect((await meAs(server, secret)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 20)));
    const after = await meAs(server, secret);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect(after.errors?.[0]?.message).toMatch(/expired/);
  });
});
