// configChanged through the typed client (SPEC §10): every change once and in order, from `since` or from
// now, and across lost connections (a TCP proxy between client and server cuts and refuses them) without a
// missed or repeated version; refusals end the subscription with a TesseraError. Restarts: client-restart.test.ts.

import WebSocket from "ws";
import { type ConfigChange, TesseraClient, type TesseraError } from "../../client/src";
import { createKey } from "../helpers/api-keys";
import { CREATE_LAYER } from "../helpers/layer-factories";
import { configVersion, ok, uniqueKey } from "../helpers/factories";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from "../helpers/test-server";
import { versionsFrom, waitUntil } from "../helpers/ws-client";

let server: TestServer;
let proxy: TcpProxy;
let proxiedUrl: string;
const clients: TesseraClient[] = [];
beforeAll(async () => {
  server = await startTestServer();
  const { port } = new URL(server.url);
  proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(port) });
  proxiedUrl = `http://127.0.0.1:${proxy.port}/graphql`;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await waitUntil(() => server.app.changeFeed.subscriberCount === 0, "the subscriptions of the last test to end");
});
afterAll(async () => {
  await proxy?.close();
  await server.close();
});

/** A client of the server through the proxy (short reconnection waits: the test waits for them). */
function client(apiKey = TEST_ADMIN_KEY): TesseraClient {
  const made = new TesseraClient({ url: proxiedUrl, apiKey, webSocketImpl: WebSocket, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
  clients.push(made);
  return made;
}

/** Changes received by one subscription, and its refusal if any. */
class Received {
  readonly changes: ConfigChange[] = [];
  error: TesseraError | null = null;
  versions = () => this.changes.map((c) => c.version);
  untilVersion = (version: number) => waitUntil(() => this.changes.some((c) => c.version >= version) || this.error !== null, `version ${version}`);
}

async function subscribe(tessera: TesseraClient, variables: { services?: string[]; since?: number } = {}) {
  const received = new Received();
  const before = server.app.changeFeed.subscriberCount;
  const subscription = tessera.configChanged(variables, (change) => received.changes.push(change), { onError: (error) => (received.error = error) });
  await waitUntil(() => server.app.changeFeed.subscriberCount > before || received.error !== null, "the subscription to be registered");
  return { received, subscription };
}

/** A configuration change made directly on the server (not through the proxy). */
async function changes(count: number, services = ["web"]): Promise<void> {
  for (let i = 0; i < count; i++) ok(await server.gql(CREATE_LAYER, { input: { key: uniqueKey("layer"), services } }));
}

it("without since: the changes from now on, typed, once, in order", async () => {
  await changes(1);
  const v0 = await configVersion(server);
  const { received, subscription } = await subscribe(client());
  await changes(3);
  await received.untilVersion(v0 + 3);
  expect(received.versions()).toEqual(versionsFrom(v0 + 1, v0 + 3));
  expect(received.changes[0]).toMatchObject({ kind: "layer", mutation: "layer_created", services: ["web"] });
  expect(subscription.lastVersion).toBe(v0 + 3);
});

it("with since: the stored changes first, then live ones; with services, only those touching them", async () => {
  const v0 = await configVersion(server);
  await changes(2);
  await changes(1, ["ios"]);
  const tessera = client();
  const all = await subscribe(tessera, { since: v0 });
  const ios = await subscribe(tessera, { since: v0, services: ["ios"] });
  await changes(1, ["ios"]);
  await all.received.untilVersion(v0 + 4);
  await ios.received.untilVersion(v0 + 4);
  expect(all.received.versions()).toEqual(versionsFrom(v0 + 1, v0 + 4));
  expect(ios.received.versions()).toEqual([v0 + 3, v0 + 4]);
});

it("lost connections are resumed after the last version delivered: none missed, none repeated", async () => {
  const v0 = await configVersion(server);
  const tessera = client();
  const live = await subscribe(tessera);
  const filtered = await subscribe(tessera, { since: v0, services: ["ios"] });
  await changes(2);
  await live.received.untilVersion(v0 + 2);
  for (let round = 0; round < 2; round++) {
    // The sockets are cut and new ones refused while changes are made: the client retries meanwhile.
    await proxy.setMode("refuse");
    await waitUntil(() => server.app.changeFeed.subscriberCount === 0, "the server to lose the subscriptions");
    await changes(2);
    await changes(1, ["ios"]);
    await proxy.setMode("pass");
    await waitUntil(() => server.app.changeFeed.subscriberCount === 2, "the client to resubscribe");
    await changes(1);
  }
  const last = await configVersion(server);
  await live.received.untilVersion(last);
  await filtered.received.untilVersion(last - 1);
  expect(live.received.versions()).toEqual(versionsFrom(v0 + 1, last));
  expect(filtered.received.versions()).toEqual([v0 + 5, v0 + 9]);
  expect(live.received.error).toBeNull();
  expect(proxy.accepted).toBeGreaterThanOrEqual(3);
});

it("refusals end the subscription with a TesseraError: an unknown key (4401), a service outside an SDK key's list", async () => {
  const unknown = await subscribe(client("tsk_nobody"), { since: 0 });
  await waitUntil(() => unknown.received.error !== null, "the refusal");
  expect(unknown.received.error).toMatchObject({ code: "UNAUTHENTICATED", status: 4401 });

  const limited = await createKey(server, { name: uniqueKey("sdk"), role: "SDK", services: ["web"] });
  const outside = await subscribe(client(limited.secret), { since: 0, services: ["ios"] });
  await waitUntil(() => outside.received.error !== null, "the refusal");
  expect(outside.received.error).toMatchObject({ code: "FORBIDDEN", field: "services" });
  expect(outside.received.changes).toEqual([]);
});
