// Several server instances on one database, and waiting for one to follow another.

import { ok } from "./factories";
import { createTestDatabase, type TestDatabase } from "./test-database";
import { startTestServer, type TestServer, type TestServerOptions } from "./test-server";

const DECIDED_VERSION = `query($services: [String!]!, $context: JSON!) { decide(services: $services, context: $context) { configVersion } }`;

/** The configuration version an instance decides with (its snapshot's, not the database's). */
export async function servedVersion(server: TestServer): Promise<number> {
  return ok(await server.gql(DECIDED_VERSION, { services: [], context: {} })).decide.configVersion as number;
}

/** Polls until `server` decides with at least `version`; fails after `withinMs` (a hang, not a speed target). */
export async function waitForVersion(server: TestServer, version: number, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const served = await servedVersion(server);
    if (served >= version) return;
    if (Date.now() > deadline) throw new Error(`instance still serves version ${served}, expected ${version}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Instances {
  readonly database: TestDatabase;
  readonly servers: TestServer[];
  /** Stops every instance and drops the database. */
  close(): Promise<void>;
}

/** `count` instances on one fresh database. */
export async function startInstances(count: number, options: Omit<TestServerOptions, "database"> = {}): Promise<Instances> {
  const database = await createTestDatabase();
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await startTestServer({ ...options, database }));
  return {
    database,
    servers,
    async close() {
      for (const s of servers) await s.stop();
      await database.drop();
    },
  };
}
