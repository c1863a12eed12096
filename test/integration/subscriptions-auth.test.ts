// graphql-ws under access control (SPEC §13): connection_init without a valid key is closed (4401 none or
// unknown, 4403 revoked or expired), open sockets of a key revoked or expiring are closed (4403), at most
// 100 sockets per key (4429), and what a key's subscription may see (SDK services, api_key events for
// ADMIN keys only). 4408 without connection_init, auth on, is hardening.test.ts's.

import { createExperiment, FIFTY_FIFTY, uniqueKey } from "../helpers/factories";
import { bearer, closeAll, createKey, type CreatedKey, type RawSocket, rawConnect, revokeKey } from "../helpers/api-keys";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGED, Collector, type ConfigChange, subscribed, waitUntil, wsClient, type WsClient } from "../helpers/ws-client";

let server: TestServer;
const clients: WsClient[] = [];
const collectors: Collector[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const c of collectors) c.stop();
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

/** A configChanged subscription made with `secret`, once the server holds it. */
function subscribeAs(secret: string, variables: Record<string, unknown> = {}): Promise<Collector> {
  return subscribed(server, { clients, collectors }, variables, { connectionParams: bearer(secret) });
}

/** The close code a subscription ended with (the graphql-ws client reports the close event). */
async function closeCodeOf(collector: Collector): Promise<number | undefined> {
  const ending = await collector.ended;
  expect(ending.completed).toBe(false);
  return (ending.error as { code?: number }).code;
}

const experimentOn = async (service: string): Promise<number> => {
  const key = uniqueKey("ws");
  await createExperiment(server, { key, services: [service], variants: FIFTY_FIFTY });
  return versionOf(key);
};

/** The configuration version the latest change of `key` produced. */
async function versionOf(key: string): Promise<number> {
  const res = await server.gql(`query($key: String!) { history(key: $key, limit: 1) { configVersion } }`, { key });
  return (res.data.history as Array<{ configVersion: number }>)[0]!.configVersion;
}

describe("connection_init", () => {
  it("without a key: closed with 4401", async () => {
    expect(await rawConnect(server, undefined).init).toMatchObject({ acked: false, code: 4401 });
    expect(await rawConnect(server, {}).init).toMatchObject({ acked: false, code: 4401 });
  });

  it("with an unknown key or a malformed authorization: closed with 4401", async () => {
    expect(await rawConnect(server, bearer(`tsk_${"x".repeat(32)}`)).init).toMatchObject({ acked: false, code: 4401 });
    expect(await rawConnect(server, { authorization: "Basic abc" }).init).toMatchObject({ acked: false, code: 4401 });
  });

  it("with a valid key: acknowledged; with the same key once revoked: closed with 4403", async () => {
    const { secret, apiKey } = await createKey(server, { name: "ws-revoked", role: "VIEWER" });
    const open = rawConnect(server, bearer(secret));
    expect(await open.init).toEqual({ acked: true });
    await closeAll([open]);
    await revokeKey(server, apiKey.id);
    const refused = await rawConnect(server, bearer(secret)).init;
    expect(refused).toMatchObject({ acked: false, code: 4403 });
    expect((refused as { reason: string }).reason).toMatch(/revoked/);
  });

  it("with an expired key: closed with 4403", async () => {
    const expiresAt = Date.now() + 300;
    const { secret } = await createKey(server, { name: "ws-expired", role: "VIEWER", expiresAt: new Date(expiresAt).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 20)));
    const refused = await rawConnect(server, bearer(secret)).init;
    expect(refused).toMatchObject({ acked: false, code: 4403 });
    expect((refused as { reason: string }).reason).toMatch(/expired/);
  });

  it("the key may come in the upgrade request's Authorization header instead", async () => {
    const { secret } = await createKey(server, { name: "ws-header", role: "VIEWER" });
    const client = wsClient(server, { connectionParams: { authorization: undefined }, headers: bearer(secret) });
    clients.push(client);
    const before = server.app.changeFeed.subscriberCount;
    collectors.push(new Collector(client.client, CONFIG_CHANGED));
    await waitUntil(() => server.app.changeFeed.subscriberCount > before, "the subscription to be registered");
  });
});

describe("open sockets", () => {
  it("a subscription whose key is revoked (by the ADMIN over HTTP) is closed with 4403", async () => {
    const { secret, apiKey } = await createKey(server, { name: "ws-live-revoked", role: "SDK" });
    const collector = await subscribeAs(secret);
    const ended = closeCodeOf(collector);
    await revokeKey(server, apiKey.id);
    expect(await ended).toBe(4403);
  });

  it("a subscription whose key expires is closed with 4403 at expiry", async () => {
    const expiresAt = Date.now() + 1_500;
    const { secret } = await createKey(server, { name: "ws-live-expiring", role: "VIEWER", expiresAt: new Date(expiresAt).toISOString() });
    const collector = await subscribeAs(secret);
    expect(await closeCodeOf(collector)).toBe(4403);
    // Never before the key's expiry (the server and the test share a clock).
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });

  it("the 101st socket of one key is closed with 4429 while the 100 stay open; closing one makes room", async () => {
    const { secret } = await createKey(server, { name: "ws-many", role: "SDK" });
    const sockets: RawSocket[] = [];
    try {
      for (let i = 0; i < 100; i++) sockets.push(rawConnect(server, bearer(secret)));
      expect((await Promise.all(sockets.map((s) => s.init))).every((o) => o.acked)).toBe(true);
      const extra = rawConnect(server, bearer(secret));
      sockets.push(extra);
      expect(await extra.init).toMatchObject({ acked: false, code: 4429 });
      expect(sockets.slice(0, 100).every((s) => s.socket.readyState === s.socket.OPEN)).toBe(true);
      // Another key is not held back by this one's sockets.
      const other = rawConnect(server, bearer((await createKey(server, { name: "ws-other", role: "SDK" })).secret));
      sockets.push(other);
      expect(await other.init).toEqual({ acked: true });

      // The server counts the socket out when its side closes: retried until then (a hang fails the test).
      await closeAll([sockets[0]!]);
      for (;;) {
        const again = rawConnect(server, bearer(secret));
        sockets.push(again);
        const outcome = await again.init;
        if (outcome.acked) break;
        expect(outcome.code).toBe(4429);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await closeAll(sockets);
    }
  });
});

describe("what a subscription sees", () => {
  it("an SDK key limited to web gets only changes touching web, never api_key events", async () => {
    const sdk = await createKey(server, { name: "ws-sdk-web", role: "SDK", services: ["web"] });
    const collector = await subscribeAs(sdk.secret);
    await experimentOn("ios");
    await createKey(server, { name: "ws-noise", role: "VIEWER" });
    const web = await experimentOn("web");
    // Changes arrive in version order: once web's is in, the earlier ones would have been too.
    const items = await collector.untilVersion(web);
    expect(items.map((c) => c.version)).toEqual([web]);
    expect(items[0]!.services).toEqual(["web"]);
  });

  it("a VIEWER subscriber gets no api_key events; an ADMIN subscriber gets them", async () => {
    const viewer = await createKey(server, { name: "ws-viewer", role: "VIEWER" });
    const admin = await createKey(server, { name: "ws-admin", role: "ADMIN" });
    const onViewer = await subscribeAs(viewer.secret);
    const onAdmin = await subscribeAs(admin.secret);
    const made: CreatedKey = await createKey(server, { name: "ws-watched", role: "SDK" });
    const last = await experimentOn("web");
    const forAdmin = await onAdmin.untilVersion(last);
    const forViewer = await onViewer.untilVersion(last);
    expect(forAdmin.filter((c: ConfigChange) => c.kind === "api_key").map((c) => c.keys)).toEqual([[made.apiKey.id]]);
    expect(forViewer.map((c) => c.kind)).toEqual(["experiment"]);
  });

  it("an SDK key limited to web subscribing to ios: FORBIDDEN", async () => {
    const sdk = await createKey(server, { name: "ws-sdk-ios", role: "SDK", services: ["web"] });
    const client = wsClient(server, { connectionParams: bearer(sdk.secret) });
    clients.push(client);
    const collector = new Collector(client.client, CONFIG_CHANGED, { services: ["ios"] });
    collectors.push(collector);
    const ending = await collector.ended;
    expect(ending.completed).toBe(false);
    const errors = ending.error as Array<{ message: string; extensions: { code: string; service?: string } }>;
    expect(errors[0]!.extensions).toMatchObject({ code: "FORBIDDEN", service: "ios" });
    expect(collector.items).toEqual([]);
  });
});
