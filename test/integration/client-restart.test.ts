// configChanged through the typed client across a server restart (SPEC §10): the client resumes on the new
// server after the last version it delivered, missing none of the changes made while it was away. A file of
// its own: PGlite is one per process, and this file starts two servers on one data directory, one after the other.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { TesseraClient } from "../../client/src";
import { createApp } from "../../src/app";
import { createLogger } from "../../src/logger";
import { uniqueKey } from "../helpers/factories";
import { ON_POSTGRES, createTestDatabase } from "../helpers/test-database";
import { TEST_ADMIN_KEY, testConfig } from "../helpers/test-server";
import { versionsFrom, waitUntil } from "../helpers/ws-client";

it("a server restart: the client resumes on the new server after the last version it delivered", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-client-restart-"));
  const database = await createTestDatabase(ON_POSTGRES ? {} : { pgliteDir: path.join(dir, "pglite") });
  const config = testConfig(database);
  let app = await createApp(config, createLogger("silent"));
  const { port } = await app.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}/graphql`;
  // While blocked, the client's sockets go to a port nothing listens on: the changes below are made while it is away.
  let blocked = false;
  class GatedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(blocked ? address.replace(`:${port}/`, ":9/") : address, protocols);
    }
  }
  const admin = new TesseraClient({ url, apiKey: TEST_ADMIN_KEY });
  const subscriber = new TesseraClient({ url, apiKey: TEST_ADMIN_KEY, webSocketImpl: GatedWebSocket, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
  const make = async (count: number) => {
    for (let i = 0; i < count; i++) await admin.createLayer({ key: uniqueKey("restart"), services: ["web"] });
  };
  try {
    const received: number[] = [];
    const v0 = await admin.configVersion();
    subscriber.configChanged({}, (change) => received.push(change.version));
    await waitUntil(() => app.changeFeed.subscriberCount === 1, "the subscription");
    await make(2);
    await waitUntil(() => received.length === 2, "the first changes");

    blocked = true;
    await app.close();
    app = await createApp(config, createLogger("silent"));
    await app.listen(port, "127.0.0.1");
    await make(3);
    blocked = false;
    await waitUntil(() => received.length >= 5 && app.changeFeed.subscriberCount === 1, "the changes made while the client was away");
    await make(1);
    await waitUntil(() => received.length >= 6, "a live change on the new server");
    expect(received).toEqual(versionsFrom(v0 + 1, v0 + 6));
  } finally {
    await Promise.all([admin.close(), subscriber.close()]);
    await app.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
