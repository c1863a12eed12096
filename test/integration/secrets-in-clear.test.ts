// SPEC §13: secrets are stored only as digests, and neither they nor the authorization header are
// logged. The real server process at LOG_LEVEL=trace is put through key creations, good and bad
// keys, refusals and errors; then its whole log and every row of every table of its database are
// searched for each secret the test knows.

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDataSource } from "../../src/persistence/data-source";
import { REVOKE_API_KEY, type TestKey, bearer, createKey, keyPerRole, post } from "../helpers/keyed-requests";
import { DECIDE } from "../helpers/decide-factories";
import { CREATE, FIFTY_FIFTY, START } from "../helpers/factories";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { createTestDatabase, databaseEnv, type TestDatabase } from "../helpers/test-database";
import { ADMIN_HEADERS, TEST_ADMIN_KEY, type TestServer } from "../helpers/test-server";
import { CONFIG_CHANGED, Collector, wsClient } from "../helpers/ws-client";

let dir: string;
let database: TestDatabase;
let proc: ServerProcess;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-secrets-"));
  database = await createTestDatabase({ pgliteDir: path.join(dir, "pglite") });
  proc = await startServerProcess({ ...databaseEnv(database.config), LOG_LEVEL: "trace" });
});
afterAll(async () => {
  if (proc.child.exitCode === null) proc.child.kill("SIGKILL");
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every secret the test saw or sent: created keys, the ADMIN key, and made-up ones. */
const secrets: string[] = [TEST_ADMIN_KEY];
const made: TestKey[] = [];

async function keyOf(input: Parameters<typeof createKey>[1]): Promise<TestKey> {
  const key = await createKey(proc, input);
  secrets.push(key.secret);
  made.push(key);
  return key;
}

/** Requests of every kind with good, bad, revoked, expired and over-limit keys; every answer checked to be what it should be. */
async function exercise(): Promise<void> {
  const keys = await keyPerRole(proc, "scan");
  for (const key of Object.values(keys)) {
    secrets.push(key.secret);
    made.push(key);
  }
  const sdk = await keyOf({ name: "scan-sdk-web", role: "SDK", services: ["web"] });
  const slow = await keyOf({ name: "scan-slow", role: "SDK", rateLimit: 1 });
  const revoked = await keyOf({ name: "scan-revoked", role: "DEVELOPER" });
  const expiresAt = Date.now() + 1_500;
  const expiring = await keyOf({ name: "scan-expiring", role: "VIEWER", expiresAt: new Date(expiresAt).toISOString() });
  const unknown = `tsk_${randomBytes(24).toString("base64url")}`;
  secrets.push(unknown);

  const statuses: Array<[string, number]> = [];
  const send = async (what: string, body: unknown, headers: Record<string, string>) => statuses.push([what, (await post(proc, body, headers, "application/json")).status]);
  const create = (key: string) => ({ query: CREATE, variables: { input: { key, services: ["web"], variants: FIFTY_FIFTY } } });
  await send("create", create("scan_exp"), { ...keys.DEVELOPER.headers, "x-actor": "alice" });
  await send("start", { query: START, variables: { key: "scan_exp" } }, keys.DEVELOPER.headers);
  await send("decide", { query: DECIDE, variables: { services: ["web"], context: { user_id: "u1" } } }, sdk.headers);
  await send("not found", { query: START, variables: { key: "scan_missing" } }, keys.ADMIN.headers);
  await send("bad input", create("Not A Key!"), keys.ADMIN.headers);
  await send("forbidden role", create("scan_forbidden"), keys.VIEWER.headers);
  await send("forbidden service", { query: DECIDE, variables: { services: ["ios"], context: { user_id: "u1" } } }, sdk.headers);
  await send("unknown key", create("scan_unknown"), bearer(unknown));
  await send("malformed", create("scan_malformed"), { authorization: `Bearer ${keys.ADMIN.secret} extra` });
  await send("basic", create("scan_basic"), { authorization: `Basic ${keys.ADMIN.secret}` });
  await send("revoke", { query: REVOKE_API_KEY, variables: { id: revoked.id } }, ADMIN_HEADERS);
  await send("revoked", create("scan_revoked"), revoked.headers);
  // Until the bucket of the key of rate 1 is empty (a token comes back every second): one 429 at least.
  let slowStatus = 0;
  for (let i = 0; i < 20 && slowStatus !== 429; i++) slowStatus = (await post(proc, { query: `{ configVersion }` }, slow.headers)).status;
  statuses.push(["slow", slowStatus]);
  await send("syntax error", { query: `{ configVersion(` }, keys.ADMIN.headers);
  await send("text/plain", JSON.stringify(create("scan_csrf")), { ...keys.ADMIN.headers, "content-type": "text/plain" });
  while (Date.now() <= expiresAt + 10) await new Promise((r) => setTimeout(r, expiresAt + 20 - Date.now()));
  await send("expired", { query: `{ configVersion }` }, expiring.headers);

  // graphql-ws with a good key (a change arrives), and with an unknown one (closed 4401).
  const target = { url: proc.url } as TestServer;
  const good = wsClient(target, { connectionParams: { authorization: `Bearer ${keys.SDK.secret}` } });
  const bad = wsClient(target, { connectionParams: { authorization: `Bearer ${unknown}` } });
  const seen = new Collector(good.client, CONFIG_CHANGED, { since: 0 });
  await seen.until((items) => items.length > 0, "a change");
  const ending = await new Collector(bad.client, CONFIG_CHANGED, {}).ended;
  await Promise.all([good.dispose(), bad.dispose()]);

  expect(statuses).toEqual([
    ["create", 200], ["start", 200], ["decide", 200], ["not found", 200], ["bad input", 200], ["forbidden role", 403], ["forbidden service", 403],
    ["unknown key", 401], ["malformed", 401], ["basic", 401], ["revoke", 200], ["revoked", 401], ["slow", 429],
    ["syntax error", 400], ["text/plain", 415], ["expired", 401],
  ]);
  expect((ending.error as { code?: number }).code).toBe(4401);
}

/** Every row of every table of the database, as text, by table. */
async function everyRow(): Promise<Map<string, string>> {
  const ds = createDataSource(database.config);
  await ds.initialize();
  try {
    const tables: Array<{ schema: string; name: string }> = await ds.query(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const text = new Map<string, string>();
    for (const { schema, name } of tables) {
      const rows: Array<{ row: string }> = await ds.query(`SELECT t::text AS row FROM "${schema}"."${name}" t`);
      text.set(`${schema}.${name}`, rows.map((r) => r.row).join("\n"));
    }
    return text;
  } finally {
    await ds.destroy();
  }
}

/** A secret, and its random part alone (were it stored without its `tsk_`). */
const forms = (secret: string): string[] => [secret, secret.replace(/^tsk_/, "")];

it("no secret in the trace-level log nor in any table, after key creations, good and bad keys, refusals and errors", async () => {
  await exercise();
  proc.child.kill("SIGTERM");
  expect(await proc.exited).toBe(0);

  const log = proc.output();
  // The log is the one asked for: trace level, with the debug lines of the errors above.
  expect(log).toContain("Tessera is listening");
  expect(log).toMatch(/"level":20,.*scan_missing/);
  const inLog = secrets.flatMap(forms).filter((s) => log.includes(s)).map((s) => `${s.slice(0, 10)}…`);
  expect(inLog).toEqual([]);

  const tables = await everyRow();
  // The rows are read: each key's shown prefix and its name are in api_keys.
  const apiKeys = [...tables].find(([name]) => name.endsWith(".api_keys"))?.[1] ?? "";
  for (const key of made) expect(apiKeys).toContain(key.secret.slice(0, 10));
  expect(tables.size).toBeGreaterThan(5);
  const inTables = [...tables].flatMap(([name, text]) => secrets.flatMap(forms).filter((s) => text.includes(s)).map((s) => `${name}: ${s.slice(0, 10)}…`));
  expect(inTables).toEqual([]);
});
